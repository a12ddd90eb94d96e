import { chList, chLiteral, type ClickHouseEventStore } from "../../store/index.js";
import { byId, coreOf, emptyCore, fieldsOf, withAll, type Built, type Core } from "../metrics/rows.js";
import { localDaySql, localRange, SLOT_MS, type LocalRange } from "../metrics/time-zone.js";
import type { AccountMetricsRow, MetricsQuery, MetricsResult, VisitorMetricsQuery, VisitorMetricsRow } from "../metrics/types.js";
import { ANY_FEATURE, featureItemsSql, gapCount, mappedDaysSql, maskEdge, splitRange, visitorDaysSql, type DaySplit, type MappedKind } from "./days.js";
import { currentMappingSql } from "./mapping.js";
import { ROLLED_UP_TYPES } from "./rollups.js";

/**
 * Account and visitor reports on ClickHouse, over rollups or (the cross-check) raw events, giving
 * the same rows as DuckDB's (metrics/report.ts). ClickHouse 18.16 has no window functions, so a
 * visit is counted from each visitor's sorted array of active minutes: one visit for the first
 * minute, one more for every gap of more than 30 minutes (`arrayDifference`).
 */

type Level = "account" | "visitor";
type Source = "rollup" | "raw";
type Scope = { appId: string; level: Level; range: LocalRange; track: boolean; accountId?: string };

const intDiv = (a: string, b: string): string => `intDiv(${a}, ${b})`;
const AGENT_TYPES = "('load','click','focus')";
const keyCol = (level: Level): string => (level === "account" ? "account_id" : "visitor_id");

function accountFilter(scope: Scope): string {
  if (scope.level === "account") return " AND account_id != ''";
  return scope.accountId !== undefined ? ` AND account_id = ${chLiteral(scope.accountId)}` : "";
}

/** Rows of a rollup table in the report's range (FINAL: a recomputed slot's latest row). */
function rollupRows(scope: Scope, table: string, columns: string): string {
  const { range } = scope;
  return `(SELECT ${columns} FROM ${table} FINAL WHERE app_id = ${chLiteral(scope.appId)} AND slot >= ${range.startSlot} AND slot < ${range.endSlot}${accountFilter(scope)})`;
}

/** The app's rolled-up events in the report's range, each once (a replayed flush may have stored one twice until a merge). */
function rawRows(scope: Scope, extra = ""): string {
  const { range } = scope;
  return `(SELECT * FROM events WHERE app_id = ${chLiteral(scope.appId)} AND ts >= ${range.startMs} AND ts < ${range.endMs}
           AND type IN ${ROLLED_UP_TYPES}${accountFilter(scope)}${extra} LIMIT 1 BY id)`;
}

/** Per account × visitor (account reports) or per visitor: the sorted active minutes (raw) or slot edges (rollups), the local days, the counts. */
function perUnitSql(source: Source, scope: Scope): string {
  const unit = scope.level === "account" ? "account_id, visitor_id" : "visitor_id";
  const { range, track } = scope;
  if (source === "rollup") {
    const mask = track ? "bitOr(agent_mask, track_mask)" : "agent_mask";
    // A visitor report may see one visitor in two accounts in the same slot: merge those rows
    // first, so a slot is one row per unit (an account report's rows already are).
    const rows =
      scope.level === "account"
        ? `(SELECT ${unit}, slot, ${mask} AS mask, events AS n_events, loads AS n_loads, clicks AS n_clicks, tracks AS n_tracks, first_visit AS first_v, last_visit AS last_v
           FROM ${rollupRows(scope, "rollup_activity", "*")})`
        : `(SELECT ${unit}, slot, groupBitOr(${mask}) AS mask, sum(events) AS n_events, sum(loads) AS n_loads, sum(clicks) AS n_clicks, sum(tracks) AS n_tracks,
             minIf(first_visit, first_visit > 0) AS first_v, maxIf(last_visit, first_visit > 0) AS last_v
           FROM ${rollupRows(scope, "rollup_activity", "*")} GROUP BY ${unit}, slot)`;
    return `SELECT ${unit},
              sum(length(bitmaskToArray(mask))) AS minutes,
              arraySort(groupArrayIf(${maskEdge("mask", 1)}, mask != 0)) AS firsts,
              arraySort(groupArrayIf(${maskEdge("mask", -1)}, mask != 0)) AS lasts,
              groupUniqArray(${localDaySql(range, "slot", SLOT_MS, intDiv)}) AS days,
              sum(n_events) AS events, sum(n_loads) AS loads, sum(n_clicks) AS clicks, sum(n_tracks) AS tracks,
              minIf(first_v, first_v > 0) AS fv, maxIf(last_v, first_v > 0) AS lv, countIf(first_v > 0) AS hv
            FROM ${rows} GROUP BY ${unit}`;
  }
  const active = track ? ROLLED_UP_TYPES : AGENT_TYPES;
  return `SELECT ${unit},
            arraySort(groupUniqArrayIf(intDiv(ts, 60000), type IN ${active})) AS ms, length(ms) AS minutes, ms AS firsts, ms AS lasts,
            groupUniqArray(${localDaySql(range, "ts", 1, intDiv)}) AS days,
            count() AS events, countIf(type = 'load') AS loads, countIf(type = 'click') AS clicks, countIf(type = 'track') AS tracks,
            minIf(ts, type IN ('load','click')) AS fv, maxIf(ts, type IN ('load','click')) AS lv, countIf(type IN ('load','click')) AS hv
          FROM ${rawRows(scope)} GROUP BY ${unit}`;
}

/**
 * Visits from the sorted first and last active minutes of each active stretch (a slot, or a minute
 * over raw events): one for the first, one more for every gap of more than 30 minutes between one
 * stretch's last minute and the next one's first.
 */
const visitsOf = (firsts: string, lasts: string): string => `(${gapCount(firsts, lasts)} + if(length(${firsts}) > 0, 1, 0))`;

/** One row per key with activity in the range: the core numbers. */
function coreSql(source: Source, scope: Scope): string {
  const perUnit = perUnitSql(source, scope);
  if (scope.level === "visitor") {
    return `SELECT visitor_id AS key, 1 AS visitors, minutes, length(days) AS days_active, length(days) AS visitor_days,
              events, loads, clicks, tracks, if(hv > 0, fv, NULL) AS fv, if(hv > 0, lv, NULL) AS lv, ${visitsOf("firsts", "lasts")} AS visits
            FROM (${perUnit})`;
  }
  return `SELECT account_id AS key, count() AS visitors, sum(minutes) AS minutes, length(groupUniqArrayArray(days)) AS days_active,
            sum(length(days)) AS visitor_days, sum(events) AS events, sum(loads) AS loads, sum(clicks) AS clicks, sum(tracks) AS tracks,
            if(sum(hv) > 0, minIf(fv, hv > 0), NULL) AS fv, if(sum(hv) > 0, maxIf(lv, hv > 0), NULL) AS lv, sum(${visitsOf("firsts", "lasts")}) AS visits
          FROM (${perUnit}) GROUP BY account_id`;
}

/** Every key the report lists (accounts or visitors ever seen), with its all-time visitor count. */
function keysSql(source: Source, scope: Scope): string {
  const key = keyCol(scope.level);
  const app = chLiteral(scope.appId);
  const from = source === "rollup" ? `rollup_account_visitors WHERE app_id = ${app}` : `events WHERE app_id = ${app} AND type IN ${ROLLED_UP_TYPES}`;
  return `SELECT ${key} AS key, uniqExact(visitor_id) AS n FROM ${from}${accountFilter(scope)} GROUP BY key`;
}

/** Feature clicks per key over raw events: clicks on an element some feature matches, each counted once (rollups: featuresSql). */
function featureClicksSql(source: Source, scope: Scope): string {
  const key = keyCol(scope.level);
  const features = `(SELECT element_id FROM ${currentMappingSql("feature")})`;
  // GLOBAL IN: the mapping is read once on the server queried and sent to each shard of a sharded store (a shard would look for it in its default database).
  if (source === "rollup") return `SELECT ${key} AS key, sum(clicks) AS n FROM ${rollupRows(scope, "rollup_elements", "*")} WHERE element_id GLOBAL IN ${features} GROUP BY key`;
  return `SELECT ${key} AS key, count() AS n FROM ${rawRows(scope)} WHERE type = 'click' AND element_id GLOBAL IN ${features} GROUP BY key`;
}

type Breakdown = "pages" | "features" | "tracks";

/** (key, item, n) per page, feature or track name; only the asked-for items when given. */
function breakdownSql(source: Source, scope: Scope, kind: Breakdown, items: readonly string[] | undefined): string {
  const key = keyCol(scope.level);
  if (kind === "tracks") {
    const only = items === undefined ? "" : ` AND name IN ${chList(items)}`;
    if (source === "rollup") return `SELECT ${key} AS key, name AS item, sum(events) AS n FROM ${rollupRows(scope, "rollup_tracks", "*")} WHERE 1${only} GROUP BY key, item`;
    return `SELECT ${key} AS key, assumeNotNull(name) AS item, count() AS n FROM ${rawRows(scope)} WHERE type = 'track' AND name IS NOT NULL${only} GROUP BY key, item`;
  }
  const [mapKind, dict, n, type, item] = kind === "pages" ? (["page", "url_id", "loads", "load", "page_id"] as const) : (["feature", "element_id", "clicks", "click", "feature_id"] as const);
  const left =
    source === "rollup"
      ? `(SELECT ${key} AS key, ${dict}, ${n} AS n FROM ${rollupRows(scope, kind === "pages" ? "rollup_urls" : "rollup_elements", "*")})`
      : `(SELECT ${key} AS key, assumeNotNull(${dict}) AS ${dict}, 1 AS n FROM ${rawRows(scope)} WHERE type = '${type}' AND ${dict} IS NOT NULL)`;
  return `SELECT key, ${item} AS item, sum(n) AS n FROM ${left} ALL INNER JOIN ${currentMappingSql(mapKind, items)} USING ${dict} GROUP BY key, item`;
}

/** Rollups: feature clicks (ANY_FEATURE) and the asked-for features per key, from one read of rollup_elements (days.ts). */
function featuresSql(scope: Scope, items: readonly string[] | undefined): string {
  const rows = `(SELECT ${keyCol(scope.level)} AS key, element_id, clicks AS n FROM ${rollupRows(scope, "rollup_elements", "*")})`;
  return featureItemsSql(rows, "key", items === undefined ? undefined : [ANY_FEATURE, ...items]);
}

/**
 * Account reports over whole UTC days: rows of the day rollups for the days wholly inside the
 * range, plus the same rows computed from the slot rollups for the partial days at its edges
 * (days.ts). Exact in every time zone: a local day's slots are all on one side of an edge.
 */
function dayCoreSql(scope: Scope, split: DaySplit): string {
  const app = chLiteral(scope.appId);
  const v = scope.track ? "t" : "a";
  const columns = `account_id, visitor_id, first_slot, last_slot, toUInt64(events) AS n_events, toUInt64(loads) AS n_loads, toUInt64(clicks) AS n_clicks, toUInt64(tracks) AS n_tracks,
     fv AS n_fv, lv AS n_lv, toUInt64(hv) AS n_hv, toUInt64(minutes_${v}) AS n_minutes, first_${v} AS n_first, last_${v} AS n_last, toUInt64(gaps_${v}) AS n_gaps`;
  const rows = `(SELECT ${columns} FROM (SELECT * FROM rollup_visitor_days FINAL WHERE app_id = ${app} AND day >= ${split.fromDay} AND day < ${split.toDay} AND account_id != '')
      UNION ALL SELECT ${columns} FROM (${visitorDaysSql(`app_id = ${app} AND account_id != '' AND ${split.edges}`)}))`;
  const day = (slot: string): string => localDaySql(scope.range, slot, SLOT_MS, intDiv);
  const perVisitor = `SELECT account_id, visitor_id, sum(n_minutes) AS minutes,
      arraySort(groupArrayIf(n_first, n_minutes > 0)) AS firsts, arraySort(groupArrayIf(n_last, n_minutes > 0)) AS lasts, sum(n_gaps) AS inner_gaps,
      groupUniqArrayArray([${day("first_slot")}, ${day("last_slot")}]) AS days,
      sum(n_events) AS events, sum(n_loads) AS loads, sum(n_clicks) AS clicks, sum(n_tracks) AS tracks,
      minIf(n_fv, n_hv > 0) AS fv, maxIf(n_lv, n_hv > 0) AS lv, sum(n_hv) AS hv
    FROM ${rows} GROUP BY account_id, visitor_id`;
  return `SELECT account_id AS key, count() AS visitors, sum(minutes) AS minutes, length(groupUniqArrayArray(days)) AS days_active,
            sum(length(days)) AS visitor_days, sum(events) AS events, sum(loads) AS loads, sum(clicks) AS clicks, sum(tracks) AS tracks,
            if(sum(hv) > 0, minIf(fv, hv > 0), NULL) AS fv, if(sum(hv) > 0, maxIf(lv, hv > 0), NULL) AS lv, sum(${visitsOf("firsts", "lasts")} + inner_gaps) AS visits
          FROM (${perVisitor}) GROUP BY account_id`;
}

const ITEM_DAY_TABLES = {
  page: ["rollup_page_days", "page_id", "loads"],
  feature: ["rollup_feature_days", "feature_id", "clicks"],
  track: ["rollup_track_days", "name", "events"],
} as const;

/** (key, item, n) per page, per track name, or per feature with ANY_FEATURE for clicks on any feature, over whole days plus edges. */
function dayMappedSql(scope: Scope, split: DaySplit, kind: MappedKind, items: readonly string[] | undefined): string {
  const app = chLiteral(scope.appId);
  const [table, item, n] = ITEM_DAY_TABLES[kind];
  const only = items === undefined ? "" : ` AND ${item} IN ${chList(items)}`;
  return `SELECT key, item, sum(n) AS n FROM (
            SELECT account_id AS key, ${item} AS item, toUInt64(${n}) AS n FROM ${table} FINAL WHERE app_id = ${app} AND day >= ${split.fromDay} AND day < ${split.toDay} AND account_id != ''${only}
            UNION ALL SELECT account_id AS key, item, toUInt64(n) AS n FROM (${mappedDaysSql(kind, `app_id = ${app} AND account_id != '' AND ${split.edges}`, items)})
          ) GROUP BY key, item HAVING n > 0`;
}

type CoreRow = { key: string; visitors: unknown; minutes: unknown; days_active: unknown; visitor_days: unknown; events: unknown; loads: unknown; clicks: unknown; tracks: unknown; fv: unknown; lv: unknown; visits: unknown };

async function build(store: ClickHouseEventStore, source: Source, level: Level, q: VisitorMetricsQuery): Promise<MetricsResult<Built>> {
  const resolved = localRange(q.timeZone, q.from, q.to);
  if (!resolved.ok) return resolved;
  const scope: Scope = { appId: q.appId, level, range: resolved.value, track: q.trackEventsCountAsActivity, ...(level === "visitor" && q.accountId !== undefined ? { accountId: q.accountId } : {}) };
  // Account reports spanning a whole UTC day read the day rollups (days.ts); the rest read slots.
  const split = source === "rollup" && level === "account" ? splitRange(scope.range) : null;
  const byKey = async (sql: string): Promise<Map<string, number>> => new Map((await store.rows<{ key: string; n: unknown }>(sql)).map((r) => [String(r.key), Number(r.n)]));
  // One row per key with its items and counts as two arrays: a few thousand rows to parse in
  // place of one per key × item (about 100,000 for a month's page and feature breakdowns).
  const itemsByKey = async (sql: string): Promise<Map<string, Record<string, number>>> => {
    const out = new Map<string, Record<string, number>>();
    for (const r of await store.rows<{ key: string; items: string[]; ns: unknown[] }>(`SELECT key, groupArray(item) AS items, groupArray(n) AS ns FROM (${sql}) GROUP BY key`)) {
      const found: Record<string, number> = {};
      r.items.forEach((item, i) => {
        found[String(item)] = Number(r.ns[i]);
      });
      out.set(String(r.key), found);
    }
    return out;
  };
  const breakdown = async (kind: Breakdown, items: readonly string[] | undefined): Promise<Map<string, Record<string, number>>> => {
    if (items && items.length === 0) return new Map();
    return itemsByKey(split === null || kind === "features" ? breakdownSql(source, scope, kind, items) : dayMappedSql(scope, split, kind === "pages" ? "page" : "track", items));
  };
  const featureParts = async (): Promise<[Map<string, number>, Map<string, Record<string, number>>]> => {
    if (source === "raw") return Promise.all([byKey(featureClicksSql(source, scope)), breakdown("features", q.featureIds)]);
    const clicks = new Map<string, number>();
    const byFeature = new Map<string, Record<string, number>>();
    // Item ANY_FEATURE: clicks on any feature; the others: the asked-for features.
    const sql = split === null ? featuresSql(scope, q.featureIds) : dayMappedSql(scope, split, "feature", q.featureIds === undefined ? undefined : [ANY_FEATURE, ...q.featureIds]);
    for (const [key, found] of await itemsByKey(sql)) {
      const any = found[ANY_FEATURE];
      if (any !== undefined) {
        clicks.set(key, any);
        delete found[ANY_FEATURE];
      }
      if (Object.keys(found).length > 0) byFeature.set(key, found);
    }
    return [clicks, byFeature];
  };
  const [keys, core, [onFeatures, features], pages, tracks] = await Promise.all([
    byKey(keysSql(source, scope)),
    store.rows<CoreRow>(split === null ? coreSql(source, scope) : dayCoreSql(scope, split)),
    featureParts(),
    breakdown("pages", q.pageIds),
    breakdown("tracks", q.trackNames),
  ]);
  const coreByKey = new Map<string, Core>();
  for (const r of core) {
    const key = String(r.key);
    coreByKey.set(key, coreOf(r, onFeatures.get(key)));
  }
  const built: Built[] = [...keys]
    .map(([key, visitorsEver]) => {
      const c = coreByKey.get(key) ?? emptyCore;
      return { key, visitorsEver, core: c, fields: fieldsOf(c, withAll(pages.get(key), q.pageIds), withAll(features.get(key), q.featureIds), withAll(tracks.get(key), q.trackNames)) };
    })
    .sort(byId);
  return { ok: true, rows: built };
}

async function accountRows(store: ClickHouseEventStore, source: Source, q: MetricsQuery): Promise<MetricsResult<AccountMetricsRow>> {
  const r = await build(store, source, "account", q);
  if (!r.ok) return r;
  return { ok: true, rows: r.rows.map((b) => ({ accountId: b.key, visitors: b.core.visitors, visitorsEver: b.visitorsEver, visitorDays: b.core.visitorDays, ...b.fields })) };
}

async function visitorRows(store: ClickHouseEventStore, source: Source, q: VisitorMetricsQuery): Promise<MetricsResult<VisitorMetricsRow>> {
  const r = await build(store, source, "visitor", q);
  if (!r.ok) return r;
  return { ok: true, rows: r.rows.map((b) => ({ visitorId: b.key, ...b.fields })) };
}

export const clickHouseAccountMetrics = (store: ClickHouseEventStore, q: MetricsQuery): Promise<MetricsResult<AccountMetricsRow>> => accountRows(store, "rollup", q);
export const clickHouseVisitorMetrics = (store: ClickHouseEventStore, q: VisitorMetricsQuery): Promise<MetricsResult<VisitorMetricsRow>> => visitorRows(store, "rollup", q);
export const clickHouseRawAccountMetrics = (store: ClickHouseEventStore, q: MetricsQuery): Promise<MetricsResult<AccountMetricsRow>> => accountRows(store, "raw", q);
export const clickHouseRawVisitorMetrics = (store: ClickHouseEventStore, q: VisitorMetricsQuery): Promise<MetricsResult<VisitorMetricsRow>> => visitorRows(store, "raw", q);
