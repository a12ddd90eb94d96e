import { chList, chLiteral, type ClickHouseEventStore, type DictionaryEntry } from "../../store/index.js";
import { SLOT_MS, type LocalRange } from "../metrics/time-zone.js";
import type { ApplyResult, FeatureRuleError, PageRuleError, RuleSet } from "../tagging/index.js";
import { applyClickHouseFeatureRule, applyClickHousePageRule, currentMappingSql, mapNewClickHouseEntries, mappedIds, nextVersion, removeClickHouseItem } from "./mapping.js";

/**
 * Day rollups on ClickHouse: the slot rollups (rollups.ts) summed per UTC day, so a month's
 * account report reads about a day's row where it read every active 15-minute slot (ADR 0017).
 *
 * - `rollup_visitor_days`: per app × account × visitor × UTC day, what the report's core needs
 *   (counts, first and last visit, minutes, and for visits the day's first and last active minute
 *   plus the gaps of more than 30 minutes inside the day), once with track events counted as
 *   activity (`_t`) and once without (`_a`). Local days in any time zone come from the day's first
 *   and last slot: a UTC day overlaps at most two local days, and a slot's local day grows with
 *   the slot, so the local days a visitor was active on that UTC day are exactly those of its
 *   first and last slot.
 * - `rollup_page_days` / `rollup_feature_days`: page loads per page and clicks per feature per
 *   app × account × UTC day, mapped by the current rules (feature `''`: clicks on an element that
 *   some feature matches, each once), rewritten when a rule changes; `rollup_track_days`: track
 *   events per name.
 *
 * A report range cut at local midnights is whole UTC days plus at most two partial days at its
 * edges; the edges are computed from the slot rollups with the same SQL that fills these tables
 * (`visitorDaysSql`, `mappedDaysSql`), so both parts give the same shape and the report stays
 * exact in every time zone. The tables are ReplacingMergeTree(version) like the slot rollups: a
 * rewrite of a day replaces its rows; a mapped day's rows that no longer match get a zero row.
 */

const SLOTS_PER_DAY = 86_400_000 / SLOT_MS;
const VISIT_GAP_MINUTES = 30;
const PARTITION = "toYYYYMM(toDateTime(day * 86400))";

export const CLICKHOUSE_DAY_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS rollup_visitor_days (app_id String, account_id String, visitor_id String, day Int32,
     first_slot Int32, last_slot Int32, events UInt32, loads UInt32, clicks UInt32, tracks UInt32, fv Int64, lv Int64, hv UInt32,
     minutes_a UInt32, first_a Int64, last_a Int64, gaps_a UInt32, minutes_t UInt32, first_t Int64, last_t Int64, gaps_t UInt32, version UInt64)
   ENGINE = ReplacingMergeTree(version) PARTITION BY ${PARTITION} ORDER BY (app_id, day, account_id, visitor_id)`,
  `CREATE TABLE IF NOT EXISTS rollup_page_days (app_id String, account_id String, day Int32, page_id String, loads UInt64, version UInt64)
   ENGINE = ReplacingMergeTree(version) PARTITION BY ${PARTITION} ORDER BY (app_id, day, account_id, page_id)`,
  `CREATE TABLE IF NOT EXISTS rollup_track_days (app_id String, account_id String, day Int32, name String, events UInt64, version UInt64)
   ENGINE = ReplacingMergeTree(version) PARTITION BY ${PARTITION} ORDER BY (app_id, day, account_id, name)`,
  `CREATE TABLE IF NOT EXISTS rollup_feature_days (app_id String, account_id String, day Int32, feature_id String, clicks UInt64, version UInt64)
   ENGINE = ReplacingMergeTree(version) PARTITION BY ${PARTITION} ORDER BY (app_id, day, account_id, feature_id)`,
];

/** The UTC day of a slot column, as the day tables store it. */
export const dayOfSlot = (slot: string): string => `toInt32(intDiv(${slot}, ${SLOTS_PER_DAY}))`;

/**
 * The absolute minute of a slot's first (1) or last (-1) active minute in `mask`. A visit cannot
 * end inside a 15-minute slot (a gap there is at most 14 minutes), so visits only need each active
 * slot's first and last minute: per row, not per minute.
 */
export const maskEdge = (mask: string, at: 1 | -1, slot = "slot"): string => `(toInt64(${slot}) * 15 + toInt64(log2(arrayElement(bitmaskToArray(${mask}), ${at}))))`;

/** Gaps of more than 30 minutes between consecutive stretches, given their sorted first and last minutes. */
export const gapCount = (firsts: string, lasts: string): string =>
  `arrayCount(d -> d > ${VISIT_GAP_MINUTES}, arrayMap((x, y) -> x - y, arrayPopFront(${firsts}), arrayPopBack(${lasts})))`;

const TRACK_MASK = "bitOr(agent_mask, track_mask)";

/** The columns of a visitor-day row after its key, in the table's order. */
const VISITOR_DAY_VALUES =
  "first_slot, last_slot, events, loads, clicks, tracks, fv, lv, hv, minutes_a, first_a, last_a, gaps_a, minutes_t, first_t, last_t, gaps_t";

/**
 * Visitor-day rows (app_id, account_id, visitor_id, day, then VISITOR_DAY_VALUES) from the
 * rollup_activity rows that `where` selects (a condition on its columns; key columns only, as it
 * is applied under FINAL). Aliases differ from column names: ClickHouse would read `sum(events)
 * AS events` as an aggregate inside an aggregate.
 */
export function visitorDaysSql(where: string): string {
  return `SELECT app_id, account_id, visitor_id, day, first_slot, last_slot, s_events AS events, s_loads AS loads, s_clicks AS clicks, s_tracks AS tracks,
            s_fv AS fv, s_lv AS lv, s_hv AS hv,
            s_minutes_a AS minutes_a, toInt64(f_a[1]) AS first_a, toInt64(l_a[-1]) AS last_a, toUInt32(${gapCount("f_a", "l_a")}) AS gaps_a,
            s_minutes_t AS minutes_t, toInt64(f_t[1]) AS first_t, toInt64(l_t[-1]) AS last_t, toUInt32(${gapCount("f_t", "l_t")}) AS gaps_t
          FROM (SELECT app_id, account_id, visitor_id, ${dayOfSlot("slot")} AS day, toInt32(min(slot)) AS first_slot, toInt32(max(slot)) AS last_slot,
                  toUInt32(sum(events)) AS s_events, toUInt32(sum(loads)) AS s_loads, toUInt32(sum(clicks)) AS s_clicks, toUInt32(sum(tracks)) AS s_tracks,
                  toInt64(minIf(first_visit, first_visit > 0)) AS s_fv, toInt64(maxIf(last_visit, first_visit > 0)) AS s_lv, toUInt32(countIf(first_visit > 0)) AS s_hv,
                  toUInt32(sum(length(bitmaskToArray(agent_mask)))) AS s_minutes_a,
                  arraySort(groupArrayIf(${maskEdge("agent_mask", 1)}, agent_mask != 0)) AS f_a, arraySort(groupArrayIf(${maskEdge("agent_mask", -1)}, agent_mask != 0)) AS l_a,
                  toUInt32(sum(length(bitmaskToArray(${TRACK_MASK})))) AS s_minutes_t,
                  arraySort(groupArrayIf(${maskEdge(TRACK_MASK, 1)}, ${TRACK_MASK} != 0)) AS f_t, arraySort(groupArrayIf(${maskEdge(TRACK_MASK, -1)}, ${TRACK_MASK} != 0)) AS l_t
                FROM rollup_activity FINAL WHERE ${where} GROUP BY app_id, account_id, visitor_id, day)`;
}

/** Day rows per item: pages and features (mapped by their rules), and track event names. */
export type MappedKind = "page" | "feature" | "track";
/** The kinds whose day rows follow rules. */
type RuleKind = "page" | "feature";
const MAPPED = {
  page: { table: "rollup_page_days", item: "page_id", n: "loads", source: "rollup_urls", dict: "url_id" },
  feature: { table: "rollup_feature_days", item: "feature_id", n: "clicks", source: "rollup_elements", dict: "element_id" },
  track: { table: "rollup_track_days", item: "name", n: "events", source: "rollup_tracks", dict: "name" },
} as const;

/** The item that stands for "any feature" in rollup_feature_days. */
export const ANY_FEATURE = "";

/**
 * Mapped day rows (app_id, account_id, day, item, n) from the slot rollup rows `where` selects
 * (key columns only): loads per page, or clicks per feature plus ANY_FEATURE (an element matching
 * several features counted once). `items`: only these items (ANY_FEATURE among them for the any-
 * feature rows); all when absent.
 */
export function mappedDaysSql(kind: MappedKind, where: string, items?: readonly string[]): string {
  const { n, source, dict } = MAPPED[kind];
  const rows = `(SELECT app_id, account_id, ${dayOfSlot("slot")} AS day, ${dict}, ${n} AS n FROM ${source} FINAL WHERE ${where})`;
  if (kind === "track") {
    const only = items === undefined ? "" : ` WHERE name IN ${chList(items)}`;
    return `SELECT app_id, account_id, day, name AS item, sum(n) AS n FROM ${rows}${only} GROUP BY app_id, account_id, day, item`;
  }
  if (kind === "page") {
    return `SELECT app_id, account_id, day, page_id AS item, sum(n) AS n FROM ${rows} ALL INNER JOIN ${currentMappingSql("page", items)} USING url_id GROUP BY app_id, account_id, day, item`;
  }
  return featureItemsSql(rows, "app_id, account_id, day", items);
}

/**
 * Clicks per feature and ANY_FEATURE (each click once, however many features match its element)
 * by `keys`, from `rows`: a subquery of `keys`, element_id and n (clicks). One read of the rows:
 * each is joined to the array of features matching its element (an element with no feature has
 * no row), then array-joined to one entry per item; ClickHouse runs ARRAY JOIN before JOIN in one
 * SELECT, hence the subquery. `items` as in mappedDaysSql. The day rollups and the slot report
 * (report.ts) both count features this way.
 */
export function featureItemsSql(rows: string, keys: string, items?: readonly string[]): string {
  const features = items?.filter((i) => i !== ANY_FEATURE);
  const any = items === undefined || items.includes(ANY_FEATURE) ? `['${ANY_FEATURE}']` : "emptyArrayString()";
  const asked = features === undefined ? "fs" : features.length === 0 ? "emptyArrayString()" : `arrayFilter(f -> has(${chLiteral(features)}, f), fs)`;
  const byElement = `(SELECT element_id, groupArray(feature_id) AS fs FROM ${currentMappingSql("feature")} GROUP BY element_id)`;
  return `SELECT ${keys}, item, sum(n) AS n
          FROM (SELECT ${keys}, n, fs FROM ${rows} ALL INNER JOIN ${byElement} USING element_id)
          ARRAY JOIN arrayConcat(${any}, ${asked}) AS item
          GROUP BY ${keys}, item`;
}

/**
 * Which days to rewrite: `days` is a subquery of (app_id, account_id, day) tuples or, for visitor
 * days, (app_id, account_id, visitor_id, day); `fromSlot`/`toSlot` bound the slots read (they
 * let ClickHouse skip partitions). GLOBAL IN: the subquery may read a Memory table that exists
 * only on the server queried (on a sharded store it is sent to each shard).
 */
export type DaySelection = { days: string; fromSlot: number; toSlot: number };

/** The slot rollup rows of the selected days (all rows without a selection); `key` names the columns the selection's tuples start with. */
const selectedSlots = (s: DaySelection | undefined, key: string): string =>
  s === undefined ? "1" : `slot >= ${chLiteral(s.fromSlot)} AND slot < ${chLiteral(s.toSlot)} AND (${key}, ${dayOfSlot("slot")}) GLOBAL IN ${s.days}`;

/** Rewrites the visitor-day rows of the selected visitor days (all, without a selection) from the slot rollups. */
export async function refreshVisitorDays(store: ClickHouseEventStore, selection?: DaySelection): Promise<void> {
  const where = selectedSlots(selection, "app_id, account_id, visitor_id");
  await store.command(`INSERT INTO rollup_visitor_days SELECT *, ${chLiteral(nextVersion())} FROM (${visitorDaysSql(where)})`);
}

let tableSeq = 0;

/**
 * Rewrites mapped day rows of `kind`: those of `items` (all items when absent) on the selected
 * account days (every day when absent), from the slot rollups and the current mapping. Only rows
 * that change are written: a new or changed count, and a zero for a row that no longer matches.
 * A rule edit touches every day of its item, and rows written again unchanged would be versions
 * for every report's FINAL to merge until ClickHouse merges the parts.
 */
export async function refreshMappedDays(store: ClickHouseEventStore, kind: MappedKind, options: { items?: readonly string[]; selection?: DaySelection } = {}): Promise<void> {
  const { table, item, n } = MAPPED[kind];
  const { items, selection } = options;
  if (items !== undefined && items.length === 0) return;
  const onItems = items === undefined ? "" : ` AND ${item} IN ${chList(items)}`;
  const onDays =
    selection === undefined
      ? ""
      : ` AND day >= ${chLiteral(Math.floor(selection.fromSlot / SLOTS_PER_DAY))} AND day < ${chLiteral(Math.ceil(selection.toSlot / SLOTS_PER_DAY))} AND (app_id, account_id, day) GLOBAL IN ${selection.days}`;
  // The rows there now (non-zero; the count filter runs after FINAL, outside it).
  const current = `(SELECT app_id, account_id, day, item, old_n FROM (SELECT app_id, account_id, day, ${item} AS item, ${n} AS old_n FROM ${table} FINAL WHERE 1${onItems}${onDays}) WHERE old_n > 0)`;
  const where = selectedSlots(selection, "app_id, account_id");
  // The counts as they should be, once, in a Memory table of this call (on the server queried: GLOBAL below).
  const fresh = `tmp_days_${process.pid}_${Date.now()}_${tableSeq++}`;
  try {
    await store.command(`CREATE TABLE ${fresh} ENGINE = Memory AS SELECT app_id, account_id, day, item, toUInt64(n) AS n FROM (${mappedDaysSql(kind, where, items)})`);
    const version = chLiteral(nextVersion());
    await store.command(
      `INSERT INTO ${table} SELECT app_id, account_id, day, item, 0, ${version} FROM ${current}
       WHERE (app_id, account_id, day, item) GLOBAL NOT IN (SELECT app_id, account_id, day, item FROM ${fresh})`,
    );
    await store.command(
      `INSERT INTO ${table} SELECT app_id, account_id, day, item, n, ${version} FROM ${fresh} ALL LEFT JOIN ${current} USING (app_id, account_id, day, item) WHERE n != old_n`,
    );
  } finally {
    await store.command(`DROP TABLE IF EXISTS ${fresh}`);
  }
}

/**
 * After new dictionary entries were mapped: the account days with loads (clicks) of those
 * entries get their mapped rows rewritten. The flusher maps a flush's new entries before it
 * updates that flush's rollups, which rewrites the same days; this is for the other callers.
 */
export async function refreshMappedDaysOfEntries(store: ClickHouseEventStore, kind: RuleKind, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  const { source, dict } = MAPPED[kind];
  const [bounds] = await store.rows<{ n: unknown; lo: unknown; hi: unknown }>(`SELECT count() AS n, min(slot) AS lo, max(slot) AS hi FROM ${source} WHERE ${dict} IN ${chList(ids)}`);
  if (bounds === undefined || Number(bounds.n) === 0) return;
  const days = `(SELECT DISTINCT app_id, account_id, ${dayOfSlot("slot")} FROM ${source} WHERE ${dict} IN ${chList(ids)})`;
  await refreshMappedDays(store, kind, { selection: { days, ...daySlots(Number(bounds.lo), Number(bounds.hi)) } });
}

/** Maps new dictionary entries (mapping.ts), then rewrites the mapped day rows of the days that used them. */
export async function mapNewClickHouseEntriesAndDays(
  store: ClickHouseEventStore,
  urls: readonly DictionaryEntry[],
  elements: readonly DictionaryEntry[],
  rules: RuleSet,
): Promise<{ pageRows: number; featureRows: number }> {
  const mapped = await mapNewClickHouseEntries(store, urls, elements, rules);
  await refreshMappedDaysOfEntries(store, "page", urls.map((u) => u.id));
  await refreshMappedDaysOfEntries(store, "feature", elements.map((e) => e.id));
  return mapped;
}

/** A page rule applied (mapping.ts), then that page's day rows rewritten from every slot row. */
export async function applyClickHousePageRuleAndDays(store: ClickHouseEventStore, pageId: string, rules: readonly string[]): Promise<ApplyResult<PageRuleError>> {
  const before = await mappedIds(store, "page", pageId);
  const applied = await applyClickHousePageRule(store, pageId, rules);
  if (applied.ok && !sameIds(before, await mappedIds(store, "page", pageId))) await refreshMappedDays(store, "page", { items: [pageId] });
  return applied;
}

/** A rule saved again with the same matches (or edited without changing them) leaves its day rows as they are. */
const sameIds = (a: readonly number[], b: readonly number[]): boolean => {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((id) => set.has(id));
};

/** A feature rule applied, then that feature's day rows and the any-feature rows rewritten. */
export async function applyClickHouseFeatureRuleAndDays(store: ClickHouseEventStore, featureId: string, selector: string): Promise<ApplyResult<FeatureRuleError>> {
  const before = await mappedIds(store, "feature", featureId);
  const applied = await applyClickHouseFeatureRule(store, featureId, selector);
  if (applied.ok && !sameIds(before, await mappedIds(store, "feature", featureId))) await refreshMappedDays(store, "feature", { items: [featureId, ANY_FEATURE] });
  return applied;
}

/** A page or feature removed: its day rows become zero (and the any-feature rows are rewritten). */
export async function removeClickHouseItemAndDays(store: ClickHouseEventStore, kind: RuleKind, itemId: string): Promise<void> {
  await removeClickHouseItem(store, kind, itemId);
  await refreshMappedDays(store, kind, { items: kind === "page" ? [itemId] : [itemId, ANY_FEATURE] });
}

/** The slots of the whole UTC days from the day of slot `lo` to the day of slot `hi`. */
export function daySlots(lo: number, hi: number): { fromSlot: number; toSlot: number } {
  return { fromSlot: Math.floor(lo / SLOTS_PER_DAY) * SLOTS_PER_DAY, toSlot: (Math.floor(hi / SLOTS_PER_DAY) + 1) * SLOTS_PER_DAY };
}

/** Every day table rewritten from the slot rollups (a rebuild, or day tables added to a store that had rollups). */
export async function rebuildDays(store: ClickHouseEventStore): Promise<void> {
  await refreshVisitorDays(store);
  await refreshMappedDays(store, "page");
  await refreshMappedDays(store, "feature");
  await refreshMappedDays(store, "track");
}

const DAY_TABLES = ["rollup_visitor_days", "rollup_page_days", "rollup_feature_days", "rollup_track_days"] as const;

/**
 * Creates the day tables; those that did not exist yet are filled from the slot rollups when there
 * are any (a store whose rollups predate them). Returns the tables filled.
 */
export async function createDayTables(store: ClickHouseEventStore): Promise<string[]> {
  const existing = await store.rows<{ name: string }>(`SELECT name FROM system.tables WHERE database = ${chLiteral(store.database)} AND name IN ${chList(DAY_TABLES)}`);
  await store.createTables(CLICKHOUSE_DAY_SCHEMA);
  const missing = DAY_TABLES.filter((t) => !existing.some((e) => e.name === t));
  if (missing.length === 0) return [];
  const [r] = await store.rows<{ n: unknown }>("SELECT count() AS n FROM (SELECT 1 FROM rollup_activity LIMIT 1)");
  if (Number(r?.n ?? 0) === 0) return [];
  for (const table of missing) {
    if (table === "rollup_visitor_days") await refreshVisitorDays(store);
    else await refreshMappedDays(store, table === "rollup_page_days" ? "page" : table === "rollup_feature_days" ? "feature" : "track");
  }
  return missing;
}

/**
 * A report range as whole UTC days [fromDay, toDay) plus the slot ranges at its edges; `null`
 * when the range holds no whole UTC day (then the report reads slots only).
 */
export type DaySplit = { fromDay: number; toDay: number; edges: string };

export function splitRange(range: LocalRange): DaySplit | null {
  const fromDay = Math.ceil(range.startSlot / SLOTS_PER_DAY);
  const toDay = Math.floor(range.endSlot / SLOTS_PER_DAY);
  if (fromDay >= toDay) return null;
  const edges = `((slot >= ${range.startSlot} AND slot < ${fromDay * SLOTS_PER_DAY}) OR (slot >= ${toDay * SLOTS_PER_DAY} AND slot < ${range.endSlot}))`;
  return { fromDay, toDay, edges };
}

export const VISITOR_DAY_COLUMNS = `app_id, account_id, visitor_id, day, ${VISITOR_DAY_VALUES}`;
