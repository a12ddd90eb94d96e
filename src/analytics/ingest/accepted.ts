import type { EventType } from "../../store/index.js";
import type { Metadata } from "../metadata.js";

/** An event after validation, as written to the ingest log: URLs and paths still as text. */
export type AcceptedEvent = {
  type: Exclude<EventType, "guide"> | "guide";
  ts: number;
  url: string | null;
  title: string | null;
  tab: string | null;
  /** Canonical JSON of the clicked element's path (innermost first), clicks only. */
  element: string | null;
  name: string | null;
  props: string | null;
};

/** One accepted batch: one visitor in one account, written to the log as one record. */
export type AcceptedBatch = {
  appId: string;
  visitorId: string;
  /** '' when the visitor is not in an account. */
  accountId: string;
  visitorMeta?: Metadata;
  accountMeta?: Metadata;
  /**
   * Idempotency keys this record makes known once it is durable (ADR 0008): `b:` an agent batch
   * id, `m:` an event's message id, `t:` / `i:` a /data/track or import Idempotency-Key with the
   * record's position in its request (`#0`, `#1` …). Namespaced so one kind never repeats another.
   */
  keys?: string[];
  /** Written by versions before `keys`: the agent batch id. Read on replay only. */
  batchId?: string;
  receivedAt: number;
  events: AcceptedEvent[];
};
