import type { AgentBatch as WireBatch } from "../src/analytics/ingest/index.js";

/** A metadata value the server accepts: flat scalars only (SPEC.md, `agent` group). */
export type MetadataValue = string | number | boolean | null;

/** A visitor or account: `id` plus flat metadata. */
export type Identity = { id: string; [key: string]: MetadataValue };

/** One element of a clicked element's path, innermost first. */
export type PathElement = {
  tag: string;
  id?: string;
  classes?: string[];
  attrs?: Record<string, string>;
  text?: string;
};

export type EventType = "load" | "click" | "focus" | "track";

/** One captured event, as sent on the wire. */
export type AgentEvent = {
  type: EventType;
  ts: number;
  url: string;
  title?: string;
  tab?: string;
  element?: PathElement[];
  name?: string;
  props?: Record<string, unknown>;
};

/** One POST body. `batchId` stays the same across retries so the server can drop duplicates. */
export type AgentBatch = { batchId: string; visitor: Identity; account?: Identity; events: AgentEvent[] };

type Assert<T extends true> = T;
/** Fails to compile when the agent's batch drifts from the server's wire contract. */
export type WireContractHolds = Assert<AgentBatch extends WireBatch ? true : false>;
