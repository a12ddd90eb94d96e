import crypto from "node:crypto";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import type { ClickHouseEventStore } from "../../store/index.js";
import type { App } from "../apps.js";
import { rewindClickHouseRollupCheckpoint } from "../clickhouse/derived.js";
import type { BulkDeps, BulkLoader, BulkLoadResult, BulkProgress, BulkSqlSource } from "./bulk.js";
import { appendStaged, seenIn } from "./bulk-seen.js";
import type { ImportEvent } from "./schema.js";

/** Rows per insert into ClickHouse: a JSONEachRow body of a few tens of MB at most. */
const INSERT_ROWS = 50_000;
const CHUNK = 50_000;

/**
 * The staged events' columns, the events table's order. Dictionary ids are BIGINT here: in server
 * mode this process's ids start above 2^40 (ADR 0019), past DuckDB's INTEGER.
 */
const STAGING_COLUMNS =
  "id BIGINT NOT NULL, app_id VARCHAR NOT NULL, type VARCHAR NOT NULL, ts BIGINT NOT NULL, visitor_id VARCHAR NOT NULL, account_id VARCHAR NOT NULL, url_id BIGINT, element_id BIGINT, name VARCHAR, props VARCHAR, tab_id VARCHAR, title VARCHAR, received_at BIGINT NOT NULL";

const text = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/**
 * The bulk path in server mode (ADR 0019). Events are generated or appended as on DuckDB, but into
 * a scratch in-memory DuckDB of the load's own; they take a block of ids from this process's log
 * (so within its instance's range, and never reused by live ingest), then stream into ClickHouse
 * in inserts of 50,000 rows, and the rollups and mappings are rebuilt once for the block.
 *
 * Unlike DuckDB's one-transaction move, a process stopped in the middle of the stream leaves the
 * inserts already made: those events stay (their ids are spent) and start-up recovery rolls them
 * up; the rest of the load is not stored, and the load must be run again for what is missing.
 */
export function clickHouseBulkLoader(deps: BulkDeps<ClickHouseEventStore>): BulkLoader {
  const store = deps.events;

  /** Runs `work` on a fresh in-memory DuckDB with an empty staging table, closed afterwards. */
  const withScratch = async <T>(work: (conn: DuckDBConnection, table: string) => Promise<T>): Promise<T> => {
    const instance = await DuckDBInstance.create(":memory:");
    const conn = await instance.connect();
    const table = `bulk_staging_${crypto.randomBytes(6).toString("hex")}`;
    try {
      await conn.run(`CREATE TABLE ${table} (${STAGING_COLUMNS})`);
      return await work(conn, table);
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
  };

  const commit = async (conn: DuckDBConnection, table: string, appId: string, maps: { urls: number[]; elements: number[] } | undefined, started: number): Promise<BulkLoadResult> => {
    const staged = performance.now() - started;
    const [count, maxId] = ((await conn.runAndReadAll(`SELECT count(*)::BIGINT, coalesce(max(id), 0)::BIGINT FROM ${table}`)).getRowsJS()[0] ?? [0, 0]).map(Number);
    if (count !== maxId) throw new Error(`bulk load: staged ids must run 1..${count} without gaps (highest is ${maxId})`);
    if (!count) return { events: 0, fromId: 0, toId: 0, ms: { stage: staged, insert: 0, rollups: 0 } };
    const seen = await seenIn(conn, table, appId);
    const names = deps.eventNames.get(appId) ?? new Set<string>();
    deps.eventNames.set(appId, names);
    for (const n of seen.eventNames.keys()) names.add(n);
    await deps.metadata.recordSeen([seen]);

    // One empty log record holds the block of ids; once it is flushed (with the dictionary entries
    // this load added), the flusher is past them.
    const record = await deps.log.append(count, { appId, visitorId: "", accountId: "", receivedAt: deps.now(), events: [] });
    const fromId = record.firstId;
    const toId = record.firstId + count - 1;
    await deps.flusher.flushNow();
    await deps.flusher.waitFor(toId);
    await rewindClickHouseRollupCheckpoint(store, fromId - 1);

    const t = performance.now();
    // Staged positions become dictionary ids (SQL sources), or are ids already (imported events).
    const mapped = (v: unknown, ids: number[] | undefined): number | null => (v === null || v === undefined ? null : ids ? (ids[Number(v) - 1] ?? null) : Number(v));
    for (let from = 0; from < count; from += INSERT_ROWS) {
      const rows = (await conn.runAndReadAll(`SELECT * FROM ${table} WHERE id > ${from} AND id <= ${from + INSERT_ROWS} ORDER BY id`)).getRowsJS();
      await store.insert(
        "events",
        rows.map(([id, app, type, ts, visitor, account, url, element, name, props, tab, title, received]) => ({
          id: Number(id) + fromId - 1,
          app_id: String(app),
          type: String(type),
          ts: Number(ts),
          visitor_id: String(visitor),
          account_id: String(account),
          url_id: mapped(url, maps?.urls),
          element_id: mapped(element, maps?.elements),
          name: text(name),
          props: text(props),
          tab_id: text(tab),
          title: text(title),
          received_at: Number(received),
        })),
      );
    }
    const inserted = performance.now();
    await deps.afterFlush({ fromId, toId, newUrls: [], newElements: [] });
    return { events: count, fromId, toId, ms: { stage: staged, insert: inserted - t, rollups: performance.now() - inserted } };
  };

  return {
    async importEvents(app: App, events: Iterable<ImportEvent>, progress?: BulkProgress): Promise<BulkLoadResult> {
      const started = performance.now();
      const { urls, elements } = deps.dictionaries;
      return withScratch(async (conn, table) => {
        let n = 0;
        let chunk: ImportEvent[] = [];
        const flush = async (): Promise<void> => {
          const { batches } = deps.ingest.acceptImport(app, chunk);
          chunk = [];
          n = await appendStaged(conn, table, batches, { urls, elements }, n, "bigint");
          progress?.(n);
        };
        for (const e of events) {
          chunk.push(e);
          if (chunk.length === CHUNK) await flush();
        }
        if (chunk.length > 0) await flush();
        return commit(conn, table, app.id, undefined, started);
      });
    },

    async loadSql(app: App, source: BulkSqlSource): Promise<BulkLoadResult> {
      const started = performance.now();
      const { urls, elements } = deps.dictionaries;
      const maps = { urls: source.urls.map((u) => urls.idOf(u)), elements: source.elements.map((e) => elements.idOf(e)) };
      return withScratch(async (conn, table) => {
        await conn.run(source.fill(table, app.id));
        return commit(conn, table, app.id, maps, started);
      });
    },
  };
}
