import { listValue, type DuckDBConnection, type DuckDBValue } from "@duckdb/node-api";
import { ensureMappingTables } from "../rules/index.js";
import { ensureRollupTables } from "./rollups.js";
import {
  WIDE_BREAKDOWN_MAX_ITEMS,
  accountKeysSql,
  breakdownSql,
  coreSql,
  itemKeysSql,
  keyedBreakdownSql,
  onlyAppSql,
  keysSql,
  wideBreakdownSql,
  type Level,
  type ReportScope,
  type Source,
} from "./sql.js";
import { localRange } from "./time-zone.js";
import type { AccountMetricsRow, MetricsFields, MetricsQuery, MetricsResult, VisitorMetricsQuery, VisitorMetricsRow } from "./types.js";

type Params = Record<string, DuckDBValue>;

/**
 * Where a report runs: one connection, or several to run its queries side by side (an account
 * report over rollups uses up to five; other reports use the first).
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

/** A query's result column by column: INTEGER and DOUBLE arrive as numbers, lists as DuckDBListValue. */
async function columns(conn: DuckDBConnection, sql: string, params: Params): Promise<DuckDBValue[][]> {
  const reader = await conn.runAndReadAll(sql, params);
  return reader.getColumns();
}

/**
 * Runs queries on several connections at once, each connection one query at a time (the next
 * query goes to the connection with the fewest waiting). DuckDB runs each query on its own
 * threads; overlapping queries fills the gaps of each one's single-threaded phases (the final
 * merge, the result transfer) and of the conversion to JS.
 */
function pool(conns: readonly DuckDBConnection[]): (sql: string, params: Params) => Promise<DuckDBValue[][]> {
  const slots = conns.map((conn) => ({ conn, tail: Promise.resolve() as Promise<unknown>, waiting: 0 }));
  return (sql, params) => {
    const slot = slots.reduce((a, b) => (b.waiting < a.waiting ? b : a));
    slot.waiting++;
    const run = slot.tail.then(() => columns(slot.conn, sql, params));
    slot.tail = run.catch(() => undefined).finally(() => {
      slot.waiting--;
    });
    return run;
  };
}

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

/** Asked-for items are always present (with 0) so report columns are stable from row to row. */
function withAll(found: Record<string, number> | undefined, asked: readonly string[] | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const id of asked ?? []) out[id] = 0;
  if (found) for (const id in found) out[id] = found[id] as number;
  return out;
}

/** One report row's fields from its core numbers and breakdowns. */
function fieldsOf(c: Core, q: MetricsQuery, pages: Record<string, number> | undefined, features: Record<string, number> | undefined, tracks: Record<string, number> | undefined): MetricsFields {
  const byFeature = withAll(features, q.featureIds);
  let featuresUsed = 0;
  for (const id in byFeature) if ((byFeature[id] as number) > 0) featuresUsed++;
  return {
    minutes: c.minutes,
    daysActive: c.daysActive,
    averageDailyMinutes: c.visitorDays === 0 ? 0 : c.minutes / c.visitorDays,
    firstVisit: c.firstVisit,
    lastVisit: c.lastVisit,
    visits: c.visits,
    pageViews: c.pageViews,
    pageViewsByPage: withAll(pages, q.pageIds),
    featureClicks: c.featureClicks,
    featureClicksByFeature: byFeature,
    featuresUsed,
    events: c.events,
    trackEvents: c.trackEvents,
    trackEventsByName: withAll(tracks, q.trackNames),
  };
}

const byId = (a: Built, b: Built): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * An account report over rollups by integer keys (sql.ts, "Keyed account reports"): every query
 * returns account keys and item keys as numbers, mapped to ids here.
 */
async function buildKeyed(conns: readonly DuckDBConnection[], keyedScope: ReportScope, q: MetricsQuery): Promise<Built[]> {
  const query = pool(conns);
  const accountsP = query(accountKeysSql(), { app: q.appId });
  const [[onlyApp]] = (await query(onlyAppSql(), { app: q.appId })) as [[boolean]];
  const scope: ReportScope = { ...keyedScope, onlyApp };
  const base: Params = onlyApp ? {} : { app: q.appId };
  const CORE = ["key", "visitors", "minutes", "days_active", "visitor_days", "events", "loads", "clicks", "tracks", "fv", "lv", "visits"];
  const coreP = query(`SELECT ${CORE.join(", ")} FROM (${coreSql("rollup", scope)})`, base);

  /** A breakdown as account key → item id → n. */
  const breakdown = async (kind: "pages" | "features" | "tracks", items: readonly string[] | undefined): Promise<Map<number, Record<string, number>>> => {
    const out = new Map<number, Record<string, number>>();
    if (items && items.length === 0) return out;
    const params: Params = items ? { ...base, items: listValue([...items]) } : base;
    const into = (key: number): Record<string, number> => {
      let r = out.get(key);
      if (!r) out.set(key, (r = {}));
      return r;
    };
    if (kind === "tracks" && items && items.length <= WIDE_BREAKDOWN_MAX_ITEMS) {
      const [keys, lists] = await query(wideBreakdownSql(scope, kind, items.length), params);
      (keys ?? []).forEach((k, i) => {
        const counts = (lists?.[i] as { items: readonly DuckDBValue[] } | null)?.items ?? [];
        const r = into(Number(k));
        counts.forEach((n, j) => {
          if (n !== null && r[items[j] as string] === undefined) r[items[j] as string] = Number(n);
        });
      });
      return out;
    }
    const rowsP = query(keyedBreakdownSql(scope, kind, items !== undefined), params);
    let name: (item: DuckDBValue) => string = String;
    if (kind !== "tracks") {
      const [itemKeys, itemIds] = await query(itemKeysSql(kind, items !== undefined), items ? { items: listValue([...items]) } : {});
      const ids = new Map<number, string>();
      (itemKeys ?? []).forEach((k, i) => ids.set(Number(k), String(itemIds?.[i])));
      name = (item) => ids.get(Number(item)) as string;
    }
    const [keys, itemCol, ns] = await rowsP;
    (keys ?? []).forEach((k, i) => {
      into(Number(k))[name(itemCol?.[i] ?? null)] = Number(ns?.[i]);
    });
    return out;
  };
  const [pages, features, tracks] = await Promise.all([breakdown("pages", q.pageIds), breakdown("features", q.featureIds), breakdown("tracks", q.trackNames)]);
  const [accKeys, accIds, accEver] = await accountsP;
  const [cKey, cVisitors, cMinutes, cDays, cVisitorDays, cEvents, cLoads, cClicks, cTracks, cFv, cLv, cVisits] = await coreP;
  const core = new Map<number, Core>();
  (cKey ?? []).forEach((k, i) => {
    core.set(Number(k), {
      visitors: num(cVisitors?.[i]),
      minutes: num(cMinutes?.[i]),
      daysActive: num(cDays?.[i]),
      visitorDays: num(cVisitorDays?.[i]),
      events: num(cEvents?.[i]),
      pageViews: num(cLoads?.[i]),
      featureClicks: num(cClicks?.[i]),
      trackEvents: num(cTracks?.[i]),
      firstVisit: numOrNull(cFv?.[i]),
      lastVisit: numOrNull(cLv?.[i]),
      visits: num(cVisits?.[i]),
    });
  });

  const built: Built[] = (accKeys ?? []).map((k, i) => {
    const key = Number(k);
    const c = core.get(key) ?? emptyCore;
    return { key: String(accIds?.[i]), visitorsEver: Number(accEver?.[i]), core: c, fields: fieldsOf(c, q, pages.get(key), features.get(key), tracks.get(key)) };
  });
  return built.sort(byId);
}

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
  const built: Built[] = Object.entries(keys)
    .map(([key, visitorsEver]) => {
      const c = coreByKey.get(key) ?? emptyCore;
      return { key, visitorsEver, core: c, fields: fieldsOf(c, q, pages[key], features[key], tracks[key]) };
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
