import { listValue, type DuckDBConnection, type DuckDBValue } from "@duckdb/node-api";
import { ensureMappingTables } from "../tagging/index.js";
import { ensureRollupTables } from "./rollups.js";
import { WIDE_BREAKDOWN_MAX_ITEMS, breakdownSql, coreSql, featureClicksSql, keysSql, wideBreakdownSql, type Level, type ReportScope, type Source } from "./sql.js";
import { buildKeyed } from "./keyed-report.js";
import { byId, coreOf, emptyCore, fieldsOf, withAll, type Built, type Core } from "./rows.js";
import { localRange } from "./time-zone.js";
import type { AccountMetricsRow, MetricsQuery, MetricsResult, VisitorMetricsQuery, VisitorMetricsRow } from "./types.js";

type Params = Record<string, DuckDBValue>;

/**
 * Where a report runs: one connection, or several to run its queries side by side (an account
 * report over rollups spreads its queries over them; other reports use the first).
 */
export type Connections = DuckDBConnection | readonly DuckDBConnection[];
type JsRow = Record<string, unknown>;

/**
 * Runs a query whose rows DuckDB serialises to one JSON text. Converting tens of thousands of
 * values one by one into JS (HUGEINT sums become BigInts) cost more than the query itself at
 * 5,000 accounts × 10 pages; one JSON.parse is several times cheaper.
 */
async function parsed<T>(conn: DuckDBConnection, sql: string, params: Params, empty: string): Promise<T> {
  const reader = await conn.runAndReadAll(`SELECT coalesce((${sql})::VARCHAR, '${empty}')`, params);
  return JSON.parse(String(reader.getRowsJS()[0]?.[0] ?? empty)) as T;
}

/** The rows of a query as an array of objects (column name → value). */
const rows = (conn: DuckDBConnection, sql: string, params: Params): Promise<JsRow[]> => parsed(conn, `SELECT to_json(list(q)) FROM (${sql}) q`, params, "[]");

/** A two-column query (key, value) as one object. */
const byKey = <T>(conn: DuckDBConnection, sql: string, params: Params): Promise<Record<string, T>> =>
  parsed(conn, `SELECT json_group_object(key, v) FROM (${sql}) q`, params, "{}");


/** Runs the four queries of one report (same for both sources) and joins them by key in TypeScript. */
async function build(on: Connections, source: Source, level: Level, q: VisitorMetricsQuery): Promise<MetricsResult<Built>> {
  const conns = Array.isArray(on) ? on : [on as DuckDBConnection];
  const conn = conns[0] as DuckDBConnection;
  const resolved = localRange(q.timeZone, q.from, q.to);
  if (!resolved.ok) return resolved;
  await ensureRollupTables(conn);
  await ensureMappingTables(conn);
  const scope: ReportScope = { level, range: resolved.value, track: q.trackEventsCountAsActivity, ...(level === "visitor" && q.accountId !== undefined ? { accountId: q.accountId } : {}) };
  if (source === "rollup" && level === "account") return { ok: true, rows: await buildKeyed(conns, { ...scope, keyed: true }, q) };
  const base: Params = { app: q.appId };
  if (scope.accountId !== undefined) base.acc = scope.accountId;

  const keys = await byKey<number>(conn, `SELECT key, n AS v FROM (${keysSql(source, scope)})`, base);
  const core = await rows(conn, coreSql(source, scope), base);
  const onFeatures = await byKey<number>(conn, `SELECT key, n AS v FROM (${featureClicksSql(source, scope)})`, base);
  const breakdown = async (kind: "pages" | "features" | "tracks", items: readonly string[] | undefined): Promise<Record<string, Record<string, number>>> => {
    if (items && items.length === 0) return {};
    const params: Params = items ? { ...base, items: listValue([...items]) } : base;
    if (source === "rollup" && items && items.length <= WIDE_BREAKDOWN_MAX_ITEMS) {
      const wide = await byKey<(number | null)[]>(conn, wideBreakdownSql(scope, kind, items.length), params);
      const out: Record<string, Record<string, number>> = {};
      for (const [key, counts] of Object.entries(wide)) {
        const found: Record<string, number> = {};
        counts.forEach((n, i) => {
          if (n !== null) found[items[i] as string] = n;
        });
        out[key] = found;
      }
      return out;
    }
    const sql = `SELECT key, json_group_object(item, n) AS v FROM (${breakdownSql(source, scope, kind, items !== undefined)}) GROUP BY key`;
    return byKey<Record<string, number>>(conn, sql, params);
  };
  const pages = await breakdown("pages", q.pageIds);
  const features = await breakdown("features", q.featureIds);
  const tracks = await breakdown("tracks", q.trackNames);

  const coreByKey = new Map<string, Core>();
  for (const r of core) {
    coreByKey.set(String(r.key), coreOf(r, onFeatures[String(r.key)]));
  }
  const built: Built[] = Object.entries(keys)
    .map(([key, visitorsEver]) => {
      const c = coreByKey.get(key) ?? emptyCore;
      return { key, visitorsEver, core: c, fields: fieldsOf(c, withAll(pages[key], q.pageIds), withAll(features[key], q.featureIds), withAll(tracks[key], q.trackNames)) };
    })
    .sort(byId);
  return { ok: true, rows: built };
}

async function accountRows(conn: Connections, source: Source, q: MetricsQuery): Promise<MetricsResult<AccountMetricsRow>> {
  const r = await build(conn, source, "account", q);
  if (!r.ok) return r;
  return {
    ok: true,
    rows: r.rows.map((b) => ({ accountId: b.key, visitors: b.core.visitors, visitorsEver: b.visitorsEver, visitorDays: b.core.visitorDays, ...b.fields })),
  };
}

async function visitorRows(conn: Connections, source: Source, q: VisitorMetricsQuery): Promise<MetricsResult<VisitorMetricsRow>> {
  const r = await build(conn, source, "visitor", q);
  if (!r.ok) return r;
  return { ok: true, rows: r.rows.map((b) => ({ visitorId: b.key, ...b.fields })) };
}

/** Account report from rollups: one row per account ever seen (accounts with id ''  are not accounts). */
export function accountMetrics(conn: Connections, q: MetricsQuery): Promise<MetricsResult<AccountMetricsRow>> {
  return accountRows(conn, "rollup", q);
}

/** Visitor report from rollups: one row per visitor ever seen (in the account, when one is named). */
export function visitorMetrics(conn: Connections, q: VisitorMetricsQuery): Promise<MetricsResult<VisitorMetricsRow>> {
  return visitorRows(conn, "rollup", q);
}

/** The account report computed straight from raw events: the benchmark baseline and a cross-check. */
export function rawAccountMetrics(conn: Connections, q: MetricsQuery): Promise<MetricsResult<AccountMetricsRow>> {
  return accountRows(conn, "raw", q);
}

/** The visitor report computed straight from raw events (cross-check). */
export function rawVisitorMetrics(conn: Connections, q: VisitorMetricsQuery): Promise<MetricsResult<VisitorMetricsRow>> {
  return visitorRows(conn, "raw", q);
}
