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
  /** The highest stored event id, 0 when empty: the flusher's checkpoint. */
  maxEventId(): Promise<number>;
  /** Every entry of a dictionary, to rebuild the in-memory maps at start-up. */
  dictionary(name: DictionaryName): Promise<DictionaryEntry[]>;
  /** Events of one app in id order (drill-down and tests). */
  events(query: { appId: string; afterId?: number; limit?: number; visitorId?: string }): Promise<StoredEvent[]>;
  count(appId?: string): Promise<number>;
  close(): Promise<void>;
};
