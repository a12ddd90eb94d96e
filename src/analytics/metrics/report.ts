import { listValue, type DuckDBConnection, type DuckDBValue } from "@duckdb/node-api";
import { ensureMappingTables } from "../rules/index.js";
import { ensureRollupTables } from "./rollups.js";
import { WIDE_BREAKDOWN_MAX_ITEMS, breakdownSql, coreSql, keysSql, wideBreakdownSql, type Level, type ReportScope, type Source } from "./sql.js";
import { localRange } from "./time-zone.js";
import type { AccountMetricsRow, MetricsFields, MetricsQuery, MetricsResult, VisitorMetricsQuery, VisitorMetricsRow } from "./types.js";

type Params = Record<string, DuckDBValue>;
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

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

type Core = {
  visitors: number;
  minutes: number;
  daysActive: number;
  visitorDays: number;
  events: number;
  pageViews: number;
  featureClicks: number;
  trackEvents: number;
  firstVisit: number | null;
  lastVisit: number | null;
  visits: number;
};

const emptyCore: Core = {
  visitors: 0,
  minutes: 0,
  daysActive: 0,
  visitorDays: 0,
  events: 0,
  pageViews: 0,
  featureClicks: 0,
  trackEvents: 0,
  firstVisit: null,
  lastVisit: null,
  visits: 0,
};

type Built = { key: string; visitorsEver: number; core: Core; fields: MetricsFields };

/** Runs the four queries of one report (same for both sources) and joins them by key in TypeScript. */
async function build(conn: DuckDBConnection, source: Source, level: Level, q: VisitorMetricsQuery): Promise<MetricsResult<Built>> {
  const resolved = localRange(q.timeZone, q.from, q.to);
  if (!resolved.ok) return resolved;
  await ensureRollupTables(conn);
  await ensureMappingTables(conn);
  const scope: ReportScope = { level, range: resolved.value, track: q.trackEventsCountAsActivity, ...(level === "visitor" && q.accountId !== undefined ? { accountId: q.accountId } : {}) };
  const base: Params = { app: q.appId };
  if (scope.accountId !== undefined) base.acc = scope.accountId;

  const keys = await byKey<number>(conn, `SELECT key, n AS v FROM (${keysSql(source, scope)})`, base);
  const core = await rows(conn, coreSql(source, scope), base);
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
    coreByKey.set(String(r.key), {
      visitors: num(r.visitors),
      minutes: num(r.minutes),
      daysActive: num(r.days_active),
      visitorDays: num(r.visitor_days),
      events: num(r.events),
      pageViews: num(r.loads),
      featureClicks: num(r.clicks),
      trackEvents: num(r.tracks),
      firstVisit: numOrNull(r.fv),
      lastVisit: numOrNull(r.lv),
      visits: num(r.visits),
    });
  }
  // Asked-for items are always present (with 0) so report columns are stable from row to row.
  const withAll = (found: Record<string, number> | undefined, asked: readonly string[] | undefined): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const id of asked ?? []) out[id] = 0;
    for (const [id, n] of Object.entries(found ?? {})) out[id] = n;
    return out;
  };
  const built: Built[] = Object.entries(keys)
    .map(([key, visitorsEver]) => {
      const c = coreByKey.get(key) ?? emptyCore;
      const byFeature = withAll(features[key], q.featureIds);
      const fields: MetricsFields = {
        minutes: c.minutes,
        daysActive: c.daysActive,
        averageDailyMinutes: c.visitorDays === 0 ? 0 : c.minutes / c.visitorDays,
        firstVisit: c.firstVisit,
        lastVisit: c.lastVisit,
        visits: c.visits,
        pageViews: c.pageViews,
        pageViewsByPage: withAll(pages[key], q.pageIds),
        featureClicks: c.featureClicks,
        featureClicksByFeature: byFeature,
        featuresUsed: Object.values(byFeature).filter((n) => n > 0).length,
        events: c.events,
        trackEvents: c.trackEvents,
        trackEventsByName: withAll(tracks[key], q.trackNames),
      };
      return { key, visitorsEver, core: c, fields };
    })
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { ok: true, rows: built };
}

async function accountRows(conn: DuckDBConnection, source: Source, q: MetricsQuery): Promise<MetricsResult<AccountMetricsRow>> {
  const r = await build(conn, source, "account", q);
  if (!r.ok) return r;
  return {
    ok: true,
    rows: r.rows.map((b) => ({ accountId: b.key, visitors: b.core.visitors, visitorsEver: b.visitorsEver, visitorDays: b.core.visitorDays, ...b.fields })),
  };
}

async function visitorRows(conn: DuckDBConnection, source: Source, q: VisitorMetricsQuery): Promise<MetricsResult<VisitorMetricsRow>> {
  const r = await build(conn, source, "visitor", q);
  if (!r.ok) return r;
  return { ok: true, rows: r.rows.map((b) => ({ visitorId: b.key, ...b.fields })) };
}

/** Account report from rollups: one row per account ever seen (accounts with id ''  are not accounts). */
export function accountMetrics(conn: DuckDBConnection, q: MetricsQuery): Promise<MetricsResult<AccountMetricsRow>> {
  return accountRows(conn, "rollup", q);
}

/** Visitor report from rollups: one row per visitor ever seen (in the account, when one is named). */
export function visitorMetrics(conn: DuckDBConnection, q: VisitorMetricsQuery): Promise<MetricsResult<VisitorMetricsRow>> {
  return visitorRows(conn, "rollup", q);
}

/** The account report computed straight from raw events: the benchmark baseline and a cross-check. */
export function rawAccountMetrics(conn: DuckDBConnection, q: MetricsQuery): Promise<MetricsResult<AccountMetricsRow>> {
  return accountRows(conn, "raw", q);
}

/** The visitor report computed straight from raw events (cross-check). */
export function rawVisitorMetrics(conn: DuckDBConnection, q: VisitorMetricsQuery): Promise<MetricsResult<VisitorMetricsRow>> {
  return visitorRows(conn, "raw", q);
}
