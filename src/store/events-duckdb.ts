import fs from "node:fs";
import path from "node:path";
import { DuckDBDataChunk, DuckDBInstance, type DuckDBAppender, type DuckDBConnection, type DuckDBValue } from "@duckdb/node-api";
import type { DictionaryEntry, DictionaryName, EventStore, EventType, StoredEvent } from "./event-store.js";

/** Rows per data chunk handed to the appender: DuckDB's vector size, the most a chunk holds. */
const CHUNK_ROWS = 2048;
const EVENT_COLUMNS = 13;
/** Appending runs this long at most before it lets the event loop turn (issue 15). */
const APPEND_SLICE_MS = 10;

export type DuckDbOptions = { file?: string; memoryLimit?: string; threads?: number };

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  id BIGINT NOT NULL,
  app_id VARCHAR NOT NULL,
  type VARCHAR NOT NULL,
  ts BIGINT NOT NULL,
  visitor_id VARCHAR NOT NULL,
  account_id VARCHAR NOT NULL,
  url_id INTEGER,
  element_id INTEGER,
  name VARCHAR,
  props VARCHAR,
  tab_id VARCHAR,
  title VARCHAR,
  received_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS urls (id INTEGER NOT NULL, value VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS elements (id INTEGER NOT NULL, value VARCHAR NOT NULL);
`;

/**
 * The DuckDB event store. `connection` is the writer: anything that writes (appends, rollups,
 * rule mappings) runs inside `exclusive` so explicit transactions never interleave. Queries use
 * `reader`, a second connection that sees committed data (DuckDB's MVCC). `readers` starts with
 * `reader` and adds two more, for work that runs several queries side by side (an account report).
 */
export type DuckDbEventStore = EventStore & {
  engine: "duckdb";
  connection: DuckDBConnection;
  exclusive<T>(work: (conn: DuckDBConnection) => Promise<T>): Promise<T>;
  reader: DuckDBConnection;
  readers: readonly DuckDBConnection[];
};

/** Opens (or creates) the DuckDB event store. A second process on the same file is refused by DuckDB's lock. */
export async function openDuckDbEventStore(options: DuckDbOptions = {}): Promise<DuckDbEventStore> {
  if (options.file) fs.mkdirSync(path.dirname(options.file), { recursive: true });
  const instance = await DuckDBInstance.create(options.file ?? ":memory:", {
    memory_limit: options.memoryLimit ?? "1GB",
    threads: String(options.threads ?? 2),
    // Group-bys over columns whose table statistics span at most 2^18 values (e.g. 5,000 account
    // keys × 10 page keys) aggregate into a directly indexed array: the keyed account report
    // (analytics/metrics/sql.ts, ADR 0004). DuckDB's default is 12 bits.
    perfect_ht_threshold: "18",
  });
  const connection = await instance.connect();
  await connection.run(SCHEMA);
  const reader = await instance.connect();
  const readers = [reader, await instance.connect(), await instance.connect()];
  let tail: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(work: (conn: DuckDBConnection) => Promise<T>): Promise<T> => {
    const run = tail.then(() => work(connection));
    tail = run.catch(() => undefined);
    return run;
  };
  const appenders = new Map<string, DuckDBAppender>();
  const appender = async (table: string): Promise<DuckDBAppender> => {
    let a = appenders.get(table);
    if (!a) {
      a = await connection.createAppender(table);
      appenders.set(table, a);
    }
    return a;
  };

  const appendDictionary = async (table: DictionaryName, entries: readonly DictionaryEntry[]): Promise<void> => {
    if (entries.length === 0) return;
    const a = await appender(table);
    for (const e of entries) {
      a.appendInteger(e.id);
      a.appendVarchar(e.value);
      a.endRow();
    }
    a.flushSync();
  };

  // Events go to the appender a data chunk at a time, column by column: the integer columns are
  // written into typed arrays and copied across once per chunk, where appending row by row made
  // about 14 native calls per event (issue 16). One chunk is reused for every append.
  let chunk: DuckDBDataChunk | undefined;
  const columns: DuckDBValue[][] = Array.from({ length: EVENT_COLUMNS }, () => []);

  const fillChunk = (a: DuckDBAppender, events: readonly StoredEvent[], from: number, to: number): DuckDBDataChunk => {
    if (!chunk) chunk = DuckDBDataChunk.create(Array.from({ length: a.columnCount }, (_, i) => a.columnType(i)));
    const n = to - from;
    for (const c of columns) c.length = n;
    const [id, appId, type, ts, visitorId, accountId, urlId, elementId, name, props, tabId, title, receivedAt] = columns as [DuckDBValue[], DuckDBValue[], DuckDBValue[], DuckDBValue[], DuckDBValue[], DuckDBValue[], DuckDBValue[], DuckDBValue[], DuckDBValue[], DuckDBValue[], DuckDBValue[], DuckDBValue[], DuckDBValue[]];
    for (let i = 0; i < n; i++) {
      const e = events[from + i] as StoredEvent;
      id[i] = BigInt(e.id);
      appId[i] = e.appId;
      type[i] = e.type;
      ts[i] = BigInt(e.ts);
      visitorId[i] = e.visitorId;
      accountId[i] = e.accountId;
      urlId[i] = e.urlId;
      elementId[i] = e.elementId;
      name[i] = e.name;
      props[i] = e.props;
      tabId[i] = e.tabId;
      title[i] = e.title;
      receivedAt[i] = BigInt(e.receivedAt);
    }
    chunk.reset();
    chunk.setColumns(columns);
    return chunk;
  };

  const appendNow = async (events: readonly StoredEvent[], dictionaries: Partial<Record<DictionaryName, readonly DictionaryEntry[]>>): Promise<void> => {
    await connection.run("BEGIN TRANSACTION");
    try {
      await appendDictionary("urls", dictionaries.urls ?? []);
      await appendDictionary("elements", dictionaries.elements ?? []);
      if (events.length > 0) {
        const a = await appender("events");
        let sliceStarted = performance.now();
        for (let from = 0; from < events.length; from += CHUNK_ROWS) {
          a.appendDataChunk(fillChunk(a, events, from, Math.min(events.length, from + CHUNK_ROWS)));
          // A large append lets other requests in between chunks (issue 15: /health while busy);
          // the transaction keeps the append all or nothing.
          if (performance.now() - sliceStarted > APPEND_SLICE_MS) {
            await new Promise((resolve) => setImmediate(resolve));
            sliceStarted = performance.now();
          }
        }
        for (const c of columns) c.length = 0;
        a.flushSync();
      }
      await connection.run("COMMIT");
    } catch (err) {
      // Rows an appender still buffers would reach the table at its next flush, outside this
      // transaction: close the appenders (their rows land in it) before it is rolled back.
      for (const a of appenders.values()) {
        try {
          a.closeSync();
        } catch {
          // The transaction is rolled back either way.
        }
      }
      appenders.clear();
      await connection.run("ROLLBACK");
      throw err;
    }
  };

  const store: DuckDbEventStore = {
    engine: "duckdb",
    connection,
    reader,
    readers,
    exclusive,
    append(events, dictionaries) {
      return exclusive(() => appendNow(events, dictionaries));
    },
    async maxEventId() {
      const r = await connection.runAndReadAll("SELECT coalesce(max(id), 0)::BIGINT AS m FROM events");
      return Number(r.getRowsJS()[0]?.[0] ?? 0);
    },
    async dictionary(name) {
      const r = await connection.runAndReadAll(`SELECT id, value FROM ${name === "urls" ? "urls" : "elements"} ORDER BY id`);
      return r.getRowsJS().map(([id, value]) => ({ id: Number(id), value: String(value) }));
    },
    async events(q) {
      const params: (string | number)[] = [q.appId, q.afterId ?? 0];
      let where = "app_id = $1 AND id > $2";
      if (q.visitorId !== undefined) {
        params.push(q.visitorId);
        where += ` AND visitor_id = $${params.length}`;
      }
      params.push(q.limit ?? 10_000);
      const r = await connection.runAndReadAll(
        `SELECT id, app_id, type, ts, visitor_id, account_id, url_id, element_id, name, props, tab_id, title, received_at
         FROM events WHERE ${where} ORDER BY id LIMIT $${params.length}`,
        params,
      );
      return r.getRowsJS().map((row) => ({
        id: Number(row[0]),
        appId: String(row[1]),
        type: String(row[2]) as EventType,
        ts: Number(row[3]),
        visitorId: String(row[4]),
        accountId: String(row[5]),
        urlId: row[6] === null ? null : Number(row[6]),
        elementId: row[7] === null ? null : Number(row[7]),
        name: row[8] === null ? null : String(row[8]),
        props: row[9] === null ? null : String(row[9]),
        tabId: row[10] === null ? null : String(row[10]),
        title: row[11] === null ? null : String(row[11]),
        receivedAt: Number(row[12]),
      }));
    },
    async count(appId) {
      const r = appId
        ? await connection.runAndReadAll("SELECT count(*) FROM events WHERE app_id = $1", [appId])
        : await connection.runAndReadAll("SELECT count(*) FROM events");
      return Number(r.getRowsJS()[0]?.[0] ?? 0);
    },
    async close() {
      for (const a of appenders.values()) a.closeSync();
      appenders.clear();
      await tail;
      for (const r of readers) r.closeSync();
      connection.closeSync();
      instance.closeSync();
    },
  };
  return store;
}
