import { SLOT_MS, localDaySql, type LocalRange } from "./time-zone.js";
import { NO_ACCOUNT_KEY, ROLLED_UP_TYPES } from "./rollups.js";

/**
 * The SQL of a report, in two versions that must agree exactly: one over rollups (what reports
 * run) and one over raw events (the benchmark's baseline and the tests' cross-check). Both give
 * the same "core" columns per key, plus breakdowns per page, feature and track name.
 *
 * Only numbers computed in TypeScript are inlined; ids and names are bound parameters.
 */

export type Level = "account" | "visitor";
export type Source = "rollup" | "raw";

/**
 * What every query of one report shares. `track` is the app's activity setting: it picks columns
 * (and event types), so it is written into the SQL rather than bound.
 */
export type ReportScope = {
  level: Level;
  range: LocalRange;
  track: boolean;
  accountId?: string;
  /** An account report by integer keys (see "Keyed account reports" below). */
  keyed?: boolean;
  /**
   * Keyed reports only: every rollup row belongs to the report's app, so the per-row app filter
   * (a string comparison over millions of rows) is left out and `$app` is not bound.
   */
  onlyApp?: boolean;
};

/** The app condition of a rollup scan, with its trailing AND; none when the scope has one app. */
const appWhere = (scope: ReportScope, alias: string): string => (scope.keyed === true && scope.onlyApp === true ? "" : `${alias}app_id = $app AND `);

const unitCols = (level: Level): string => (level === "account" ? "account_id, visitor_id" : "visitor_id");
export const keyCol = (level: Level): string => (level === "account" ? "account_id" : "visitor_id");

function accountFilter(scope: ReportScope, alias: string): string {
  if (scope.level === "account") return ` AND ${alias}account_id <> ''`;
  return scope.accountId !== undefined ? ` AND ${alias}account_id = $acc` : "";
}

/** "Has an account" by the rollups' integer account key ('' has the fixed key 0). */
const keyedAccountFilter = (alias: string): string => ` AND ${alias}account_key <> ${NO_ACCOUNT_KEY}`;

/** Rows where a condition holds: a sum of 0/1 is cheaper in DuckDB than count(*) FILTER (a selection per aggregate). */
const countIf = (condition: string): string => `sum((${condition})::INTEGER)`;

/** Activity mask of a rollup row: agent minutes, plus track minutes when the app says so. */
const maskSql = (track: boolean): string => (track ? "(agent_mask::INTEGER | track_mask::INTEGER)" : "agent_mask::INTEGER");

/**
 * Core columns from rollups when each key's rows are one account × visitor's (an account report,
 * or a visitor report inside one account): one pass of sums over the rows in range, using the
 * links each row carries (rollups.ts). Per row:
 * - the visitor's first row in range: no previous row, or one before the range;
 * - a visitor-day starts: first row in range, or the previous row is on another local day (any
 *   zone: the day of both slots is computed here, with the range's offsets);
 * - a visit starts: the stored flag, or the row is active and the previous activity is before the
 *   range (the raw rule counts a visit that began before the range once, at its first minute in it).
 * An account's active days are the union of its visitors' days: a bitmap OR-ed across its rows.
 */
function rollupLinkedCore(scope: ReportScope): string {
  const { level, range, track } = scope;
  const keyed = scope.keyed === true && level === "account";
  const key = keyed ? "account_key" : keyCol(level);
  const startMin = range.startSlot * 15;
  const mask = maskSql(track);
  const visitStart = track ? `(any_start OR any_prev_min < ${startMin})` : `(agent_start OR (agent_mask <> 0 AND agent_prev_min < ${startMin}))`;
  const firstInRange = `(prev_slot IS NULL OR prev_slot < ${range.startSlot})`;
  // Up to 64 days a UBIGINT bitmap per account is the cheapest union (both shift operands UBIGINT,
  // or DuckDB widens to HUGEINT); longer ranges use DuckDB's bitstrings.
  const dayUnion =
    range.toDay - range.fromDay < 64
      ? `bit_count(bit_or(1::UBIGINT << (day - ${range.fromDay})::UBIGINT))`
      : `bit_count(bitstring_agg(day, ${range.fromDay}, ${range.toDay}))`;
  const grouped = `
      SELECT ${key} AS key, ${level === "visitor" ? "1" : countIf(firstInRange)} AS visitors,
             sum(bit_count(${mask})) AS minutes,
             ${countIf(`${firstInRange} OR ${localDaySql(range, "prev_slot", SLOT_MS)} <> day`)} AS visitor_days,
             ${level === "visitor" ? "" : `${dayUnion} AS days_active,`}
             sum(events) AS events, sum(loads) AS loads, sum(clicks) AS clicks, sum(tracks) AS tracks,
             min(first_visit) AS fv, max(last_visit) AS lv, ${countIf(visitStart)} AS visits
      FROM (
        SELECT *, ${localDaySql(range, "slot", SLOT_MS)} AS day FROM rollup_activity
        WHERE ${appWhere(scope, "")}slot >= ${range.startSlot} AND slot < ${range.endSlot}${keyed ? keyedAccountFilter("") : accountFilter(scope, "")})
      GROUP BY ${key}`;
  // A visitor's active days are its visitor-days.
  return level === "visitor" ? `SELECT *, visitor_days AS days_active FROM (${grouped})` : grouped;
}

/** Core columns from rollups: one row per unit × slot, then sessions over slot first/last minutes. */
function rollupCore(scope: ReportScope): string {
  const { level, range, track } = scope;
  const unit = unitCols(level);
  const MASK = maskSql(track);
  const where = `app_id = $app AND slot >= ${range.startSlot} AND slot < ${range.endSlot}${accountFilter(scope, "")}`;
  // A visitor report merges a visitor's accounts: OR the masks so a minute counts once.
  const slots =
    level === "account"
      ? `SELECT ${unit}, slot, events, loads, clicks, tracks, ${MASK} AS mask, first_visit, last_visit FROM rollup_activity WHERE ${where}`
      : `SELECT ${unit}, slot, sum(events) AS events, sum(loads) AS loads, sum(clicks) AS clicks, sum(tracks) AS tracks,
                bit_or(${MASK}) AS mask, min(first_visit) AS first_visit, max(last_visit) AS last_visit
         FROM rollup_activity WHERE ${where} GROUP BY ${unit}, slot`;
  return `
    WITH d AS (SELECT *, ${localDaySql(range, "slot", SLOT_MS)}::INTEGER AS day FROM (${slots})),
    act AS (
      SELECT ${unit}, slot * 15 + floor(log2(mask & -mask))::INTEGER AS first_min, slot * 15 + floor(log2(mask))::INTEGER AS last_min
      FROM d WHERE mask <> 0),
    ses AS (
      SELECT ${unit}, count(*) AS visits FROM (
        SELECT ${unit}, first_min, lag(last_min) OVER (PARTITION BY ${unit} ORDER BY first_min) AS prev FROM act)
      WHERE prev IS NULL OR first_min - prev > 30 GROUP BY ${unit}),
    per_unit AS (
      SELECT *, bit_count(day_bits) AS days FROM (
        SELECT ${unit}, sum(bit_count(mask)) AS minutes, bitstring_agg(day, ${range.fromDay}, ${range.toDay}) AS day_bits,
               sum(events) AS events, sum(loads) AS loads, sum(clicks) AS clicks, sum(tracks) AS tracks,
               min(first_visit) AS fv, max(last_visit) AS lv
        FROM d GROUP BY ${unit}))
    ${coreSelect(level, "bits")}`;
}

/** Core columns from raw events: distinct minutes, sessions over minutes, local days per event. */
function rawCore(scope: ReportScope): string {
  const { level, range, track } = scope;
  const unit = unitCols(level);
  return `
    WITH d AS (
      SELECT ${unit}, type, ts, ${localDaySql(range, "ts", 1)} AS day FROM events
      WHERE app_id = $app AND ts >= ${range.startMs} AND ts < ${range.endMs} AND type IN ${ROLLED_UP_TYPES}${accountFilter(scope, "")}),
    am AS (SELECT DISTINCT ${unit}, ts // 60000 AS minute FROM d WHERE type IN ${track ? ROLLED_UP_TYPES : "('load','click','focus')"}),
    ses AS (
      SELECT ${unit}, count(*) AS visits FROM (
        SELECT ${unit}, minute, lag(minute) OVER (PARTITION BY ${unit} ORDER BY minute) AS prev FROM am)
      WHERE prev IS NULL OR minute - prev > 30 GROUP BY ${unit}),
    mins AS (SELECT ${unit}, count(*) AS minutes FROM am GROUP BY ${unit}),
    per_unit AS (
      SELECT ${unit}, coalesce(any_value(m.minutes), 0) AS minutes, count(DISTINCT day) AS days, count(*) AS events,
             count(*) FILTER (WHERE type = 'load') AS loads, count(*) FILTER (WHERE type = 'click') AS clicks,
             count(*) FILTER (WHERE type = 'track') AS tracks,
             min(ts) FILTER (WHERE type IN ('load','click')) AS fv, max(ts) FILTER (WHERE type IN ('load','click')) AS lv
      FROM d LEFT JOIN mins m USING (${unit}) GROUP BY ${unit})
    ${coreSelect(level, "distinct")}`;
}

/**
 * The shared tail: from per-unit rows (and `d`, `ses`) to one row per key. An account's active
 * days are the union of its visitors' days: OR-ed day bitmaps over rollups (a DISTINCT is several
 * times slower there), a plain DISTINCT over raw events.
 */
function coreSelect(level: Level, accountDays: "bits" | "distinct"): string {
  if (level === "visitor") {
    return `
    SELECT u.visitor_id AS key, 1 AS visitors, u.minutes, u.days AS days_active, u.days AS visitor_days, u.events, u.loads,
           u.clicks, u.tracks, u.fv, u.lv, coalesce(s.visits, 0) AS visits
    FROM per_unit u LEFT JOIN ses s USING (visitor_id)`;
  }
  if (accountDays === "bits") {
    return `
    SELECT u.account_id AS key, count(*) AS visitors, sum(u.minutes) AS minutes, bit_count(bit_or(u.day_bits)) AS days_active,
           sum(u.days) AS visitor_days, sum(u.events) AS events, sum(u.loads) AS loads, sum(u.clicks) AS clicks,
           sum(u.tracks) AS tracks, min(u.fv) AS fv, max(u.lv) AS lv, coalesce(sum(s.visits), 0) AS visits
    FROM per_unit u LEFT JOIN ses s USING (account_id, visitor_id)
    GROUP BY u.account_id`;
  }
  return `,
    acc_days AS (SELECT account_id, count(DISTINCT day) AS days FROM d GROUP BY account_id)
    SELECT u.account_id AS key, count(*) AS visitors, sum(u.minutes) AS minutes, any_value(a.days) AS days_active,
           sum(u.days) AS visitor_days, sum(u.events) AS events, sum(u.loads) AS loads, sum(u.clicks) AS clicks,
           sum(u.tracks) AS tracks, min(u.fv) AS fv, max(u.lv) AS lv, coalesce(sum(s.visits), 0) AS visits
    FROM per_unit u LEFT JOIN ses s USING (account_id, visitor_id) JOIN acc_days a USING (account_id)
    GROUP BY u.account_id`;
}

/** The core query (one row per key with activity in the range). */
export function coreSql(source: Source, scope: ReportScope): string {
  if (source === "raw") return rawCore(scope);
  // The links are per account × visitor: a visitor report merging accounts needs the window.
  return scope.level === "account" || scope.accountId !== undefined ? rollupLinkedCore(scope) : rollupCore(scope);
}

type Breakdown = "pages" | "features" | "tracks";

/** One row per key × page, feature or track name: (key, item, n). `$items` filters when bound. */
export function breakdownSql(source: Source, scope: ReportScope, kind: Breakdown, filtered: boolean): string {
  const key = keyCol(scope.level);
  const { range } = scope;
  const inRange =
    source === "rollup"
      ? `r.app_id = $app AND r.slot >= ${range.startSlot} AND r.slot < ${range.endSlot}`
      : `r.app_id = $app AND r.ts >= ${range.startMs} AND r.ts < ${range.endMs}`;
  const where = inRange + accountFilter(scope, "r.");
  const only = (col: string): string => (filtered ? ` AND ${col} IN (SELECT unnest($items::VARCHAR[]))` : "");
  if (kind === "pages" || kind === "features") {
    const [map, id, col] = kind === "pages" ? ["page_urls", "page_id", "url_id"] : ["feature_elements", "feature_id", "element_id"];
    const [from, n] =
      source === "raw"
        ? ["events r", "count(*)"]
        : kind === "pages"
          ? ["rollup_urls r", "sum(r.loads)"]
          : ["rollup_elements r", "sum(r.clicks)"];
    const typeFilter = source === "raw" ? ` AND r.type = '${kind === "pages" ? "load" : "click"}'` : "";
    if (source === "rollup" && filtered) {
      // Grouping by the id's position in $items (an integer, computed on the small mapping side)
      // instead of the id string cuts about a third of the time of the aggregation.
      return `SELECT key, list_extract($items::VARCHAR[], idx) AS item, n FROM (
                SELECT r.${key} AS key, m.idx, ${n} AS n FROM ${from}
                JOIN (SELECT ${col}, list_position($items::VARCHAR[], ${id})::INTEGER AS idx FROM ${map}
                      WHERE ${id} IN (SELECT unnest($items::VARCHAR[]))) m ON m.${col} = r.${col}
                WHERE ${where} GROUP BY ALL)`;
    }
    return `SELECT r.${key} AS key, m.${id} AS item, ${n} AS n FROM ${from} JOIN ${map} m ON m.${col} = r.${col}
            WHERE ${where}${typeFilter}${only(`m.${id}`)} GROUP BY ALL`;
  }
  const [from, n] = source === "rollup" ? ["rollup_tracks r", "sum(r.events)"] : ["events r", "count(*)"];
  const typeFilter = source === "raw" ? " AND r.type = 'track' AND r.name IS NOT NULL" : "";
  return `SELECT r.${key} AS key, r.name AS item, ${n} AS n FROM ${from} WHERE ${where}${typeFilter}${only("r.name")} GROUP BY ALL`;
}

/** Elements some feature's rule matches (any app's: the same as the per-feature breakdowns join). */
const FEATURE_ELEMENTS = "(SELECT DISTINCT element_id FROM feature_elements)";

/**
 * Feature clicks per key: clicks on an element that matches at least one feature, each counted
 * once however many features match it (SPEC; issue 16). Clicks matching none are in `clicks` only.
 * One row per key with such clicks: (key, n); keyed account reports group by `account_key`.
 */
export function featureClicksSql(source: Source, scope: ReportScope): string {
  const { range } = scope;
  const keyed = source === "rollup" && scope.keyed === true && scope.level === "account";
  if (keyed) {
    const where = `${appWhere(scope, "r.")}r.slot >= ${range.startSlot} AND r.slot < ${range.endSlot}${keyedAccountFilter("r.")}`;
    return `SELECT r.account_key AS key, sum(r.clicks)::DOUBLE AS n FROM rollup_elements r
            WHERE ${where} AND r.element_id IN ${FEATURE_ELEMENTS} GROUP BY ALL`;
  }
  const key = keyCol(scope.level);
  if (source === "rollup") {
    const where = `r.app_id = $app AND r.slot >= ${range.startSlot} AND r.slot < ${range.endSlot}${accountFilter(scope, "r.")}`;
    return `SELECT r.${key} AS key, sum(r.clicks) AS n FROM rollup_elements r WHERE ${where} AND r.element_id IN ${FEATURE_ELEMENTS} GROUP BY ALL`;
  }
  const where = `r.app_id = $app AND r.ts >= ${range.startMs} AND r.ts < ${range.endMs}${accountFilter(scope, "r.")}`;
  return `SELECT r.${key} AS key, count(*) AS n FROM events r WHERE ${where} AND r.type = 'click' AND r.element_id IN ${FEATURE_ELEMENTS} GROUP BY ALL`;
}

/** Up to this many asked-for items, rollup breakdowns use `wideBreakdownSql` (one row per key). */
export const WIDE_BREAKDOWN_MAX_ITEMS = 32;

/**
 * A breakdown over rollups for `count` asked-for items ($items), as one row per key: (key, v)
 * where v[i] is the sum for $items[i + 1], NULL when none (a repeated item counts at its first
 * position only). Grouping by key alone, with one filtered sum per item, gives ten times fewer
 * groups than (key, item) for ten items; that hash aggregate was most of a breakdown's time
 * (ADR 0004). The filters cost one comparison per row and item, hence the item limit.
 */
export function wideBreakdownSql(scope: ReportScope, kind: Breakdown, count: number): string {
  const keyed = scope.keyed === true && scope.level === "account";
  const key = keyed ? "account_key" : keyCol(scope.level);
  const { range } = scope;
  const where = `${appWhere(scope, "r.")}r.slot >= ${range.startSlot} AND r.slot < ${range.endSlot}${keyed ? keyedAccountFilter("r.") : accountFilter(scope, "r.")}`;
  let rows: string;
  if (kind === "tracks") {
    rows = `SELECT r.${key} AS key, list_position($items::VARCHAR[], r.name)::INTEGER AS idx, r.events AS n FROM rollup_tracks r
            WHERE ${where} AND r.name IN (SELECT unnest($items::VARCHAR[]))`;
  } else {
    const [from, map, id, col, n] =
      kind === "pages" ? ["rollup_urls", "page_urls", "page_id", "url_id", "loads"] : ["rollup_elements", "feature_elements", "feature_id", "element_id", "clicks"];
    rows = `SELECT r.${key} AS key, m.idx, r.${n} AS n FROM ${from} r
            JOIN (SELECT ${col}, list_position($items::VARCHAR[], ${id})::INTEGER AS idx FROM ${map}
                  WHERE ${id} IN (SELECT unnest($items::VARCHAR[]))) m ON m.${col} = r.${col}
            WHERE ${where}`;
  }
  const sums = Array.from({ length: count }, (_, i) => `sum(n) FILTER (WHERE idx = ${i + 1})`);
  return `SELECT key, [${sums.join(", ")}]${keyed ? "::DOUBLE[]" : ""} AS v FROM (${rows}) GROUP BY key`;
}

/** Every key the report lists (accounts or visitors ever seen), with the all-time visitor count. */
export function keysSql(source: Source, scope: ReportScope): string {
  const key = keyCol(scope.level);
  // rollup_account_visitors holds each app × account × visitor once: per account, a plain count is distinct.
  if (source === "rollup") {
    const n = scope.level === "account" ? "count(*)" : "count(DISTINCT visitor_id)";
    return `SELECT ${key} AS key, ${n} AS n FROM rollup_account_visitors WHERE app_id = $app${accountFilter(scope, "")} GROUP BY ${key}`;
  }
  return `SELECT ${key} AS key, count(DISTINCT visitor_id) AS n FROM events WHERE app_id = $app AND type IN ${ROLLED_UP_TYPES}${accountFilter(scope, "")} GROUP BY ${key}`;
}

/**
 * Keyed account reports (`scope.keyed`): the rollups' integer `account_key` and the mapping
 * tables' `page_key` / `feature_key` are stored columns whose ranges DuckDB knows from table
 * statistics, so grouping by them (with `perfect_ht_threshold` raised, events-duckdb.ts) uses an
 * array indexed by the keys instead of a hash table: about three times faster than grouping by
 * the id strings at 5,000 accounts × 10 pages (ADR 0004). Results come back as integers and the
 * caller maps keys to ids with `accountKeysSql` and `itemKeysSql`.
 */

/**
 * Whether every rollup row belongs to app `$app`: rollup_account_visitors lists each app ×
 * account × visitor that has rollup rows (updateRollups writes the tail of every key it writes),
 * and it is small next to the rollups.
 */
export function onlyAppSql(): string {
  return "SELECT NOT EXISTS (SELECT 1 FROM rollup_account_visitors WHERE app_id <> $app)";
}

/** Every account of the app ever seen, as (key, id, visitors ever). */
export function accountKeysSql(): string {
  // Counted first, then joined: the join then sees one row per account (3× faster than after).
  return `SELECT k.account_key AS key, v.account_id AS id, v.n::DOUBLE AS n
          FROM (SELECT account_id, count(*) AS n FROM rollup_account_visitors WHERE app_id = $app AND account_id <> '' GROUP BY account_id) v
          JOIN rollup_account_keys k ON k.account_id = v.account_id`;
}

/** Page, feature or track-name breakdown as (account key, item key, n); `$items` filters when bound. */
export function keyedBreakdownSql(scope: ReportScope, kind: Breakdown, filtered: boolean): string {
  const { range } = scope;
  const where = `${appWhere(scope, "r.")}r.slot >= ${range.startSlot} AND r.slot < ${range.endSlot}${keyedAccountFilter("r.")}`;
  const only = (col: string): string => (filtered ? ` AND ${col} IN (SELECT unnest($items::VARCHAR[]))` : "");
  if (kind === "tracks") {
    // Names have no integer key: asked-for names go through wideBreakdownSql instead.
    return `SELECT r.account_key AS key, r.name AS item, sum(r.events)::DOUBLE AS n FROM rollup_tracks r
            WHERE ${where}${only("r.name")} GROUP BY ALL`;
  }
  const [from, map, id, itemKey, col, n] =
    kind === "pages"
      ? ["rollup_urls", "page_urls", "page_id", "page_key", "url_id", "loads"]
      : ["rollup_elements", "feature_elements", "feature_id", "feature_key", "element_id", "clicks"];
  return `SELECT r.account_key AS key, m.${itemKey} AS item, sum(r.${n})::DOUBLE AS n FROM ${from} r
          JOIN ${map} m ON m.${col} = r.${col}
          WHERE ${where}${only(`m.${id}`)} GROUP BY ALL`;
}

/** The item keys of pages or features, as (key, id); `$items` filters when bound. */
export function itemKeysSql(kind: "pages" | "features", filtered: boolean): string {
  return `SELECT item_key AS key, item_id AS id FROM rule_item_keys WHERE kind = '${kind === "pages" ? "page" : "feature"}'${
    filtered ? " AND item_id IN (SELECT unnest($items::VARCHAR[]))" : ""
  }`;
}
