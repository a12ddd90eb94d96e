/** The kinds of event Pendulum stores. `guide` events arrive with the guides module. */
export type EventType = "load" | "click" | "focus" | "track" | "guide";

/** One element of a clicked element's path, innermost first. */
export type PathElement = {
  tag: string;
  id?: string;
  classes?: string[];
  attrs?: Record<string, string>;
  text?: string;
};

/** An event as stored: dictionary ids instead of URLs and element paths. */
export type StoredEvent = {
  id: number;
  appId: string;
  type: EventType;
  ts: number;
  visitorId: string;
  accountId: string;
  urlId: number | null;
  elementId: number | null;
  name: string | null;
  props: string | null;
  tabId: string | null;
  title: string | null;
  receivedAt: number;
};

/** A dictionary maps a distinct value (a URL, an element path) to a small id, stored once. */
export type DictionaryName = "urls" | "elements";

export type DictionaryEntry = { id: number; value: string };

/** Where events live. One implementation per engine; all pass `event-store.case.ts`. */
export type EventStore = {
  readonly engine: "duckdb" | "clickhouse";
  /** Appends events (already numbered) and new dictionary entries in one durable step. */
  append(events: readonly StoredEvent[], dictionaries: Partial<Record<DictionaryName, readonly DictionaryEntry[]>>): Promise<void>;
  /**
   * The highest stored event id, 0 when empty: the flusher's checkpoint. With `within`, the
   * highest id in that instance's block, its `base` when it has none (ClickHouse, shared by many
   * instances; DuckDB holds instance 0's only, so it ignores the argument).
   */
  maxEventId(within?: IdRange): Promise<number>;
  /** Every entry of a dictionary, to rebuild the in-memory maps at start-up. */
  dictionary(name: DictionaryName): Promise<DictionaryEntry[]>;
  /** Events of one app in id order (drill-down and tests). */
  events(query: { appId: string; afterId?: number; limit?: number; visitorId?: string }): Promise<StoredEvent[]>;
  count(appId?: string): Promise<number>;
  close(): Promise<void>;
};

/**
 * Ids unique across processes (ADR 0019): every ingest instance (a data folder in server mode)
 * numbers its events and dictionary entries in its own block, `instance × 2^40 + local counter`.
 * 8191 instances of 2^40 ids each stay below 2^53, so every id is an exact JS number. Embedded
 * Pendulum is instance 0: its ids are the plain counters they always were.
 */
export const INSTANCE_ID_BITS = 40;
export const INSTANCE_ID_SPAN = 2 ** INSTANCE_ID_BITS;
export const MAX_INGEST_INSTANCE = 8191;

/** An instance's block of ids: every id it gives is greater than `base` and less than `end`. */
export type IdRange = { instance: number; base: number; end: number };

export function idRangeOf(instance: number): IdRange {
  if (!Number.isInteger(instance) || instance < 0 || instance > MAX_INGEST_INSTANCE) throw new Error(`An ingest instance is a whole number from 0 to ${MAX_INGEST_INSTANCE}, got ${instance}`);
  return { instance, base: instance * INSTANCE_ID_SPAN, end: (instance + 1) * INSTANCE_ID_SPAN };
}

/** The instance whose block holds `id` (ids are never 0 or negative). */
export const instanceOfId = (id: number): number => Math.floor(id / INSTANCE_ID_SPAN);
