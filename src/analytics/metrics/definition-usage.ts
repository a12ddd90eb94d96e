import type { DuckDBConnection } from "@duckdb/node-api";
import { ensureMappingTables } from "../tagging/index.js";
import { ensureRollupTables } from "./rollups.js";
import { SLOT_MS } from "./time-zone.js";

/** How much one page or feature was used over a recent window. */
export type DefinitionUsage = { events: number; visitors: number; accounts: number };

/**
 * Page views (or feature clicks) per page (or feature) of an app since `sinceMs`, with the
 * distinct visitors and accounts behind them, from the rollups: what the lists of pages and
 * features show beside each rule. Pages or features without use are absent from the map.
 */
export async function definitionUsage(conn: DuckDBConnection, appId: string, kind: "pages" | "features", sinceMs: number): Promise<Map<string, DefinitionUsage>> {
  await ensureRollupTables(conn);
  await ensureMappingTables(conn);
  const [from, map, id, col, n] =
    kind === "pages" ? ["rollup_urls", "page_urls", "page_id", "url_id", "loads"] : ["rollup_elements", "feature_elements", "feature_id", "element_id", "clicks"];
  const result = await conn.runAndReadAll(
    `SELECT m.${id}, sum(r.${n})::DOUBLE, count(DISTINCT r.visitor_id)::DOUBLE, count(DISTINCT r.account_id) FILTER (WHERE r.account_id <> '')::DOUBLE
     FROM ${from} r JOIN ${map} m ON m.${col} = r.${col}
     WHERE r.app_id = $app AND r.slot >= $slot GROUP BY m.${id}`,
    { app: appId, slot: Math.floor(sinceMs / SLOT_MS) },
  );
  const out = new Map<string, DefinitionUsage>();
  for (const [item, events, visitors, accounts] of result.getRowsJS()) out.set(String(item), { events: Number(events), visitors: Number(visitors), accounts: Number(accounts) });
  return out;
}
