import type { DuckDBValue } from "@duckdb/node-api";
import { chIdentifier, chLiteral } from "./clickhouse-sql.js";
import type { DictionaryName, EventType, StoredEvent } from "./event-store.js";
import type { ClickHouseEventStore } from "./events-clickhouse.js";
import type { DuckDbEventStore } from "./events-duckdb.js";

/** What a copy moved, table by table (the dictionaries first). */
export type CopiedEvents = { urls: number; elements: number; events: number };

export type CopyEventsOptions = {
  /** Rows per ClickHouse insert (default 10,000): at most one batch is held in memory at a time. */
  batchRows?: number;
  /** Called after each batch with the table and how many of its rows went so far. */
  onRows?: (table: keyof CopiedEvents, copied: number) => void;
};

const EVENT_COLUMNS = "id, app_id, type, ts, visitor_id, account_id, url_id, element_id, name, props, tab_id, title, received_at";

const num = (v: DuckDBValue): number => Number(v as number | bigint);
const numOrNull = (v: DuckDBValue): number | null => (v === null ? null : num(v));
const textOrNull = (v: DuckDBValue): string | null => (v === null ? null : String(v));

function eventOf(row: readonly DuckDBValue[]): StoredEvent {
  return {
    id: num(row[0] ?? 0),
    appId: String(row[1]),
    type: String(row[2]) as EventType,
    ts: num(row[3] ?? 0),
    visitorId: String(row[4]),
    accountId: String(row[5]),
    urlId: numOrNull(row[6] ?? null),
    elementId: numOrNull(row[7] ?? null),
    name: textOrNull(row[8] ?? null),
    props: textOrNull(row[9] ?? null),
    tabId: textOrNull(row[10] ?? null),
    title: textOrNull(row[11] ?? null),
    receivedAt: num(row[12] ?? 0),
  };
}

/**
 * Streams a query's rows from DuckDB in batches of `size`. DuckDB hands a streaming result over
 * in chunks of about 2,000 rows, pulled one at a time, so a billion-row table never sits in
 * memory: only the chunk being read and the batch being filled do.
 */
async function* batchesOf(store: DuckDbEventStore, sql: string, size: number): AsyncGenerator<DuckDBValue[][]> {
  const result = await store.reader.stream(sql);
  let batch: DuckDBValue[][] = [];
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    for (const row of chunk.getRows()) {
      batch.push(row);
      if (batch.length >= size) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield batch;
}

/**
 * Copies every event and dictionary entry of a DuckDB event store into a ClickHouse one, ids
 * unchanged, in batches (bounded memory; `pendulum migrate-events` and the bulk loader use it).
 * The dictionaries go first, so no copied event points at an entry the target lacks. Derived
 * data (rollups, page and feature mappings, checkpoints) is not copied: the engine rebuilds it
 * from these rows (`EventsEngine.recoverDerived`). The target should be empty (`clickHouseTablesWithRows`):
 * copying twice stores each row twice until ClickHouse merges them (reads take each id once).
 */
export async function copyEvents(from: DuckDbEventStore, to: ClickHouseEventStore, options: CopyEventsOptions = {}): Promise<CopiedEvents> {
  const size = options.batchRows ?? 10_000;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`batchRows must be a whole number of at least 1, got ${size}`);
  const copied: CopiedEvents = { urls: 0, elements: 0, events: 0 };
  for (const name of ["urls", "elements"] as const satisfies readonly DictionaryName[]) {
    for await (const rows of batchesOf(from, `SELECT id, value FROM ${name}`, size)) {
      await to.append([], { [name]: rows.map((r) => ({ id: num(r[0] ?? 0), value: String(r[1]) })) });
      copied[name] += rows.length;
      options.onRows?.(name, copied[name]);
    }
  }
  for await (const rows of batchesOf(from, `SELECT ${EVENT_COLUMNS} FROM events`, size)) {
    await to.append(rows.map(eventOf), {});
    copied.events += rows.length;
    options.onRows?.("events", copied.events);
  }
  return copied;
}

/** Row counts of the source's three tables, for the progress bar's total and the check at the end. */
export async function duckDbEventCounts(store: DuckDbEventStore): Promise<CopiedEvents> {
  const r = await store.reader.runAndReadAll("SELECT (SELECT count(*) FROM urls), (SELECT count(*) FROM elements), (SELECT count(*) FROM events)");
  const [urls, elements, events] = (r.getRows()[0] ?? [0, 0, 0]).map((v) => num(v ?? 0));
  return { urls: urls ?? 0, elements: elements ?? 0, events: events ?? 0 };
}

/** The same counts on ClickHouse, each id once (a row stored twice and not yet merged counts once). */
export async function clickHouseEventCounts(store: ClickHouseEventStore): Promise<CopiedEvents> {
  const [r] = await store.rows<{ urls: unknown; elements: unknown; events: unknown }>(
    "SELECT (SELECT uniqExact(id) FROM urls) AS urls, (SELECT uniqExact(id) FROM elements) AS elements, (SELECT uniqExact(id) FROM events) AS events",
  );
  return { urls: Number(r?.urls ?? 0), elements: Number(r?.elements ?? 0), events: Number(r?.events ?? 0) };
}

/**
 * The tables of the store's database that hold rows (any table: events, dictionaries, rollups,
 * mappings, checkpoints), to refuse a copy into a database that is not empty. Distributed tables
 * are counted through (their shards' rows); a sharded store's local tables are skipped, since
 * their Distributed table already counts them.
 */
export async function clickHouseTablesWithRows(store: ClickHouseEventStore): Promise<string[]> {
  const tables = await store.rows<{ name: string; engine: string }>(
    `SELECT name, engine FROM system.tables WHERE database = ${chLiteral(store.database)} AND (engine LIKE '%MergeTree' OR engine IN ('Distributed', 'Log', 'TinyLog', 'StripeLog')) ORDER BY name`,
  );
  const distributed = new Set(tables.filter((t) => t.engine === "Distributed").map((t) => t.name));
  const full: string[] = [];
  for (const { name } of tables) {
    if (name.endsWith("_local") && distributed.has(name.slice(0, -"_local".length))) continue;
    const [r] = await store.rows<{ n: unknown }>(`SELECT count() AS n FROM ${chIdentifier(name)}`);
    if (Number(r?.n ?? 0) > 0) full.push(name);
  }
  return full;
}
