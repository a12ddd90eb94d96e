import { chList, chLiteral, type ClickHouseEventStore, type DictionaryEntry } from "../../store/index.js";
import {
  compilePage,
  elementMatches,
  matchNewEntries,
  parseFeatureRule,
  urlMatchesAny,
  type ApplyResult,
  type FeatureRuleError,
  type PageRuleError,
  type RuleSet,
} from "../tagging/index.js";

/**
 * Page and feature mappings on ClickHouse: the same pairs as DuckDB's (tagging/mapping.ts), rules
 * evaluated in TypeScript over the dictionaries. ClickHouse has no transactional DELETE (18.16's
 * ALTER … DELETE is an asynchronous mutation), so a pair is never deleted: each write is a row
 * (item, dictionary id, version, present) in a ReplacingMergeTree, and the current mapping is
 * the latest version of each pair with present = 1 (`currentMappingSql`, read with FINAL).
 */
export const CLICKHOUSE_MAPPING_SCHEMA = [
  "CREATE TABLE IF NOT EXISTS page_urls (page_id String, url_id UInt64, version UInt64, present UInt8) ENGINE = ReplacingMergeTree(version) ORDER BY (page_id, url_id)",
  "CREATE TABLE IF NOT EXISTS feature_elements (feature_id String, element_id UInt64, version UInt64, present UInt8) ENGINE = ReplacingMergeTree(version) ORDER BY (feature_id, element_id)",
];

type Kind = "page" | "feature";
const SHAPE = {
  page: { table: "page_urls", item: "page_id", dict: "url_id", dictionary: "urls" },
  feature: { table: "feature_elements", item: "feature_id", dict: "element_id", dictionary: "elements" },
} as const;

/** The current (item id, dictionary id) pairs of a kind, optionally only some items. */
export function currentMappingSql(kind: Kind, items?: readonly string[]): string {
  const { table, item, dict } = SHAPE[kind];
  const only = items === undefined ? "" : ` AND ${item} IN ${chList(items)}`;
  return `(SELECT ${item}, ${dict} FROM ${table} FINAL WHERE present = 1${only})`;
}

/**
 * Versions grow with every write of this process (milliseconds × 1000 plus a counter). Several
 * processes editing the same rule in the same millisecond is the one case left to the later
 * insert; rule edits come from admins, one at a time.
 */
let last = 0;
export const nextVersion = (): number => {
  last = Math.max(last + 1, Date.now() * 1000);
  return last;
};

/** The dictionary ids one page or feature currently matches. */
export async function mappedIds(store: ClickHouseEventStore, kind: Kind, itemId: string): Promise<number[]> {
  const { table, item, dict } = SHAPE[kind];
  const rows = await store.rows<{ d: number }>(`SELECT ${dict} AS d FROM ${table} FINAL WHERE present = 1 AND ${item} = ${chLiteral(itemId)}`);
  return rows.map((r) => Number(r.d));
}

/** Makes `ids` the whole mapping of one item: new pairs present, pairs no longer matching absent. */
async function replaceItem(store: ClickHouseEventStore, kind: Kind, itemId: string, ids: readonly number[]): Promise<void> {
  const { table, item, dict } = SHAPE[kind];
  const keep = new Set(ids);
  const version = nextVersion();
  const gone = (await mappedIds(store, kind, itemId)).filter((id) => !keep.has(id));
  await store.insert(table, [
    ...ids.map((id) => ({ [item]: itemId, [dict]: id, version, present: 1 })),
    ...gone.map((id) => ({ [item]: itemId, [dict]: id, version, present: 0 })),
  ]);
}

/** Streams a dictionary's values (ids and values) without holding every entry in a JSON array. */
async function scanDictionary(store: ClickHouseEventStore, kind: Kind, visit: (id: number, value: string) => void): Promise<number> {
  const result = await store.client.query({ query: `SELECT id, any(value) AS value FROM ${SHAPE[kind].dictionary} GROUP BY id`, format: "JSONEachRow" });
  let scanned = 0;
  for await (const rows of result.stream<{ id: number; value: string }>()) {
    for (const row of rows) {
      const { id, value } = row.json();
      visit(Number(id), String(value));
      scanned++;
    }
  }
  return scanned;
}

export async function applyClickHousePageRule(store: ClickHouseEventStore, pageId: string, rules: readonly string[]): Promise<ApplyResult<PageRuleError>> {
  const compiled = compilePage(rules);
  if (!compiled.ok) return compiled;
  const ids: number[] = [];
  const scanned = await scanDictionary(store, "page", (id, url) => {
    if (urlMatchesAny(compiled.value, url)) ids.push(id);
  });
  await replaceItem(store, "page", pageId, ids);
  return { ok: true, value: { scanned, matched: ids.length } };
}

export async function applyClickHouseFeatureRule(store: ClickHouseEventStore, featureId: string, selector: string): Promise<ApplyResult<FeatureRuleError>> {
  const parsed = parseFeatureRule(selector);
  if (!parsed.ok) return parsed;
  const ids: number[] = [];
  const scanned = await scanDictionary(store, "feature", (id, json) => {
    if (elementMatches(parsed.value, json)) ids.push(id);
  });
  await replaceItem(store, "feature", featureId, ids);
  return { ok: true, value: { scanned, matched: ids.length } };
}

export const removeClickHouseItem = (store: ClickHouseEventStore, kind: Kind, itemId: string): Promise<void> => replaceItem(store, kind, itemId, []);

/** Maps new dictionary entries against every rule; pairs of those entries that no longer match are marked absent (a replay is harmless). */
export async function mapNewClickHouseEntries(
  store: ClickHouseEventStore,
  newUrls: readonly DictionaryEntry[],
  newElements: readonly DictionaryEntry[],
  rules: RuleSet,
): Promise<{ pageRows: number; featureRows: number }> {
  const { pagePairs, featurePairs } = matchNewEntries(newUrls, newElements, rules);
  const write = async (kind: Kind, entries: readonly DictionaryEntry[], pairs: readonly [string, number][]): Promise<void> => {
    if (entries.length === 0) return;
    const { table, item, dict } = SHAPE[kind];
    const version = nextVersion();
    const now = new Set(pairs.map(([i, d]) => `${d}\u0000${i}`));
    const before = await store.rows<{ i: string; d: number }>(
      `SELECT ${item} AS i, ${dict} AS d FROM ${table} FINAL WHERE present = 1 AND ${dict} IN ${chList(entries.map((e) => e.id))}`,
    );
    const gone = before.filter((r) => !now.has(`${Number(r.d)}\u0000${r.i}`));
    await store.insert(table, [
      ...pairs.map(([i, d]) => ({ [item]: i, [dict]: d, version, present: 1 })),
      ...gone.map((r) => ({ [item]: r.i, [dict]: Number(r.d), version, present: 0 })),
    ]);
  };
  await write("page", newUrls, pagePairs);
  await write("feature", newElements, featurePairs);
  return { pageRows: pagePairs.length, featureRows: featurePairs.length };
}
