import { createClient, type ClickHouseClient } from "@clickhouse/client";
import { chIdentifier, chLiteral } from "./clickhouse-sql.js";
import type { DictionaryEntry, DictionaryName, EventStore, EventType, StoredEvent } from "./event-store.js";

/** Where the ClickHouse events live: the server's HTTP URL, the database (created when missing) and credentials. */
export type ClickHouseOptions = { url: string; database: string; user?: string; password?: string };

/**
 * The SQL here is the subset ClickHouse 18.16 (Debian's package) and current releases both read
 * (ADR 0017): epoch milliseconds as Int64 (no DateTime64), MergeTree tables with PARTITION BY and
 * ORDER BY, no CTEs, and no query parameters (values go through `chLiteral`).
 *
 * Tables are ReplacingMergeTree keyed so that a repeated insert of the same event or dictionary
 * entry (a flush replayed after a crash) leaves one row once merged, and reads that must be exact
 * before a merge (counts, id reads) collapse repeats by id themselves.
 */
const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS events (
     id Int64, app_id String, type String, ts Int64, visitor_id String, account_id String,
     url_id Nullable(UInt32), element_id Nullable(UInt32), name Nullable(String), props Nullable(String),
     tab_id Nullable(String), title Nullable(String), received_at Int64
   ) ENGINE = ReplacingMergeTree PARTITION BY toYYYYMM(toDateTime(intDiv(ts, 1000))) ORDER BY (app_id, ts, id)`,
  "CREATE TABLE IF NOT EXISTS urls (id UInt32, value String) ENGINE = ReplacingMergeTree ORDER BY id",
  "CREATE TABLE IF NOT EXISTS elements (id UInt32, value String) ENGINE = ReplacingMergeTree ORDER BY id",
];

/** A row as ClickHouse returns it in JSONEachRow: 64-bit integers come as strings. */
export type ChRow = Record<string, unknown>;

/** The ClickHouse event store, with the few calls the analytics engine runs its own SQL through. */
export type ClickHouseEventStore = EventStore & {
  engine: "clickhouse";
  database: string;
  client: ClickHouseClient;
  /** Rows of a SELECT (values written with `chLiteral`). */
  rows<T extends ChRow = ChRow>(sql: string): Promise<T[]>;
  /** A statement without rows (CREATE, INSERT … SELECT, DROP). */
  command(sql: string): Promise<void>;
  /** Inserts objects as JSONEachRow (the client encodes the values: no SQL text is built). */
  insert(table: string, values: readonly Record<string, unknown>[]): Promise<void>;
};

const nullableNumber = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const nullableText = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function toEvent(r: ChRow): StoredEvent {
  return {
    id: Number(r.id),
    appId: String(r.app_id),
    type: String(r.type) as EventType,
    ts: Number(r.ts),
    visitorId: String(r.visitor_id),
    accountId: String(r.account_id),
    urlId: nullableNumber(r.url_id),
    elementId: nullableNumber(r.element_id),
    name: nullableText(r.name),
    props: nullableText(r.props),
    tabId: nullableText(r.tab_id),
    title: nullableText(r.title),
    receivedAt: Number(r.received_at),
  };
}

const fromEvent = (e: StoredEvent): Record<string, unknown> => ({
  id: e.id,
  app_id: e.appId,
  type: e.type,
  ts: e.ts,
  visitor_id: e.visitorId,
  account_id: e.accountId,
  url_id: e.urlId,
  element_id: e.elementId,
  name: e.name,
  props: e.props,
  tab_id: e.tabId,
  title: e.title,
  received_at: e.receivedAt,
});

/** A client for the server without a database selected (to create or drop one). */
export function clickHouseAdminClient(options: Omit<ClickHouseOptions, "database">): ClickHouseClient {
  return createClient({ url: options.url, username: options.user ?? "default", password: options.password ?? "" });
}

/** Opens the event store in `options.database`, creating the database and its tables when missing. */
export async function openClickHouseEventStore(options: ClickHouseOptions): Promise<ClickHouseEventStore> {
  const database = chIdentifier(options.database);
  const admin = clickHouseAdminClient(options);
  try {
    await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
  } finally {
    await admin.close();
  }
  const client = createClient({ url: options.url, username: options.user ?? "default", password: options.password ?? "", database });
  for (const statement of SCHEMA) await client.command({ query: statement });

  const rows = async <T extends ChRow>(sql: string): Promise<T[]> => {
    const result = await client.query({ query: sql, format: "JSONEachRow" });
    return result.json<T>();
  };
  const command = async (sql: string): Promise<void> => {
    await client.command({ query: sql });
  };
  const insert = async (table: string, values: readonly Record<string, unknown>[]): Promise<void> => {
    if (values.length === 0) return;
    await client.insert({ table: chIdentifier(table), values: [...values], format: "JSONEachRow" });
  };

  return {
    engine: "clickhouse",
    database,
    client,
    rows,
    command,
    insert,
    async append(events, dictionaries) {
      // Dictionaries first: an event is never visible before the entries its ids point at.
      await insert("urls", (dictionaries.urls ?? []).map((e) => ({ id: e.id, value: e.value })));
      await insert("elements", (dictionaries.elements ?? []).map((e) => ({ id: e.id, value: e.value })));
      await insert("events", events.map(fromEvent));
    },
    async maxEventId() {
      const [r] = await rows<{ m: string }>("SELECT max(id) AS m FROM events");
      return Number(r?.m ?? 0);
    },
    async dictionary(name: DictionaryName): Promise<DictionaryEntry[]> {
      const table = name === "urls" ? "urls" : "elements";
      const found = await rows<{ id: number; value: string }>(`SELECT id, any(value) AS value FROM ${table} GROUP BY id ORDER BY id`);
      return found.map((r) => ({ id: Number(r.id), value: String(r.value) }));
    },
    async events(q) {
      const where = [`app_id = ${chLiteral(q.appId)}`, `id > ${chLiteral(q.afterId ?? 0)}`];
      if (q.visitorId !== undefined) where.push(`visitor_id = ${chLiteral(q.visitorId)}`);
      const found = await rows(
        `SELECT id, app_id, type, ts, visitor_id, account_id, url_id, element_id, name, props, tab_id, title, received_at
         FROM events WHERE ${where.join(" AND ")} ORDER BY id LIMIT 1 BY id LIMIT ${chLiteral(q.limit ?? 10_000)}`,
      );
      return found.map(toEvent);
    },
    async count(appId) {
      const [r] = await rows<{ n: string }>(`SELECT uniqExact(id) AS n FROM events${appId === undefined ? "" : ` WHERE app_id = ${chLiteral(appId)}`}`);
      return Number(r?.n ?? 0);
    },
    async close() {
      await client.close();
    },
  };
}

/** Drops a database (tests' own databases). */
export async function dropClickHouseDatabase(options: ClickHouseOptions): Promise<void> {
  const admin = clickHouseAdminClient(options);
  try {
    await admin.command({ query: `DROP DATABASE IF EXISTS ${chIdentifier(options.database)}` });
  } finally {
    await admin.close();
  }
}
