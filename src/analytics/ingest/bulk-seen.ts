import type { DuckDBConnection } from "@duckdb/node-api";
import type { AcceptedBatch } from "./accepted.js";
import type { Dictionary } from "./dictionary.js";
import { emptySeenBatch, type SeenBatch } from "../metadata.js";

/** The visitors, accounts, links and event names the staged events show, for the metadata store. */
export async function seenIn(conn: DuckDBConnection, table: string, appId: string): Promise<SeenBatch> {
  const seen = emptySeenBatch(appId);
  const rows = async (sql: string): Promise<unknown[][]> => (await conn.runAndReadAll(sql)).getRowsJS();
  for (const [v, first, last] of await rows(`SELECT visitor_id, min(ts), max(ts) FROM ${table} GROUP BY visitor_id`)) seen.visitors.set(String(v), { first: Number(first), last: Number(last) });
  for (const [a, first, last] of await rows(`SELECT account_id, min(ts), max(ts) FROM ${table} WHERE account_id <> '' GROUP BY account_id`)) seen.accounts.set(String(a), { first: Number(first), last: Number(last) });
  for (const [v, a, first, last] of await rows(`SELECT visitor_id, account_id, min(ts), max(ts) FROM ${table} WHERE account_id <> '' GROUP BY ALL`)) {
    seen.links.set(`${String(v)}\u0000${String(a)}`, { visitorId: String(v), accountId: String(a), first: Number(first), last: Number(last) });
  }
  for (const [n, first] of await rows(`SELECT name, min(ts) FROM ${table} WHERE type = 'track' AND name IS NOT NULL GROUP BY name`)) seen.eventNames.set(String(n), Number(first));
  return seen;
}

/**
 * Appends accepted import batches to a staging table (both bulk loaders' column order), numbering
 * the events from `after + 1`; returns the last number used. URL and element ids are BIGINT in
 * ClickHouse's scratch table (instance-block ids) and INTEGER in the data folder's staging table.
 */
export async function appendStaged(conn: DuckDBConnection, table: string, batches: readonly AcceptedBatch[], dictionaries: { urls: Dictionary; elements: Dictionary }, after: number, ids: "bigint" | "integer"): Promise<number> {
  let n = after;
  const a = await conn.createAppender(table);
  const appendId = (id: number): void => (ids === "bigint" ? a.appendBigInt(BigInt(id)) : a.appendInteger(id));
  try {
    for (const b of batches) {
      for (const e of b.events) {
        a.appendBigInt(BigInt(++n));
        a.appendVarchar(b.appId);
        a.appendVarchar(e.type);
        a.appendBigInt(BigInt(e.ts));
        a.appendVarchar(b.visitorId);
        a.appendVarchar(b.accountId);
        if (e.url === null) a.appendNull();
        else appendId(dictionaries.urls.idOf(e.url));
        if (e.element === null) a.appendNull();
        else appendId(dictionaries.elements.idOf(e.element));
        for (const v of [e.name, e.props, e.tab, e.title]) {
          if (v === null) a.appendNull();
          else a.appendVarchar(v);
        }
        a.appendBigInt(BigInt(b.receivedAt));
        a.endRow();
      }
    }
    a.flushSync();
  } finally {
    a.closeSync();
  }
  return n;
}
