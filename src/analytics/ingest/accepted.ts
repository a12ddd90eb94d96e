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
  batchId?: string;
  receivedAt: number;
  events: AcceptedEvent[];
};
