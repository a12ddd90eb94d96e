import type { DuckDBConnection } from "@duckdb/node-api";
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
