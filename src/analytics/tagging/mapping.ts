import { listValue, type DuckDBConnection } from "@duckdb/node-api";
import type { DictionaryEntry } from "../../store/index.js";
import { buildElementChain, matchElementChain, parseFeatureRule, parseStoredPath, type FeatureRule, type FeatureRuleError } from "./feature-rule.js";
import { matchUrlParts, parseUrlRule, splitUrl, type RuleError, type UrlRule } from "./url-rule.js";

/**
 * Retroactive rules: a rule is evaluated over the dictionaries (distinct URLs, distinct click
 * paths), never over events, and the answer is kept in two small mapping tables that metrics
 * join on. Editing a rule rewrites one page's (or feature's) rows; events are never touched.
 */

export type PageDefinition = { pageId: string; rules: readonly string[] };
export type FeatureDefinition = { featureId: string; selector: string };
/** Every page and feature of the installation: what new dictionary entries are mapped against. */
export type RuleSet = { pages: readonly PageDefinition[]; features: readonly FeatureDefinition[] };

export type PageRuleError = RuleError & { ruleIndex: number };
export type ApplyResult<E> = { ok: true; value: { scanned: number; matched: number } } | { ok: false; error: E };

const MAPPING_SCHEMA = `
CREATE TABLE IF NOT EXISTS page_urls (page_id VARCHAR NOT NULL, url_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS feature_elements (feature_id VARCHAR NOT NULL, element_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS rule_item_keys (kind VARCHAR NOT NULL, item_id VARCHAR NOT NULL, item_key INTEGER NOT NULL);
`;

type MappingTable = "page_urls" | "feature_elements";

/**
 * Each mapping row also carries a small integer key of its page or feature (`page_key`,
 * `feature_key`), numbered from 1 per kind in `rule_item_keys` and never reused. Reports group
 * clicks and page views by account key × item key: two stored integer columns whose ranges
 * DuckDB knows from the table statistics, which lets it aggregate into a directly indexed array
 * (a perfect hash) instead of a hash table (ADR 0004).
 */
const TABLES: Record<MappingTable, { kind: "page" | "feature"; idColumn: string; keyColumn: string; dictColumn: string }> = {
  page_urls: { kind: "page", idColumn: "page_id", keyColumn: "page_key", dictColumn: "url_id" },
  feature_elements: { kind: "feature", idColumn: "feature_id", keyColumn: "feature_key", dictColumn: "element_id" },
};

/** Connections already checked for the current schema (the check is a catalog query). */
const ready = new WeakSet<DuckDBConnection>();

/** Creates the mapping tables when missing and adds (and fills) the item keys (idempotent). */
export async function ensureMappingTables(conn: DuckDBConnection): Promise<void> {
  if (ready.has(conn)) return;
  await conn.run(MAPPING_SCHEMA);
  const existing = await conn.runAndReadAll(
    "SELECT table_name, column_name FROM duckdb_columns() WHERE table_name IN ('page_urls', 'feature_elements') AND NOT internal",
  );
  const have = new Set(existing.getRowsJS().map(([t, c]) => `${String(t)}.${String(c)}`));
  const missing = (Object.keys(TABLES) as MappingTable[]).filter((t) => !have.has(`${t}.${TABLES[t].keyColumn}`));
  if (missing.length > 0) {
    await conn.run("BEGIN TRANSACTION");
    try {
      for (const t of missing) await conn.run(`ALTER TABLE ${t} ADD COLUMN ${TABLES[t].keyColumn} INTEGER`);
      for (const t of missing) {
        const { kind, idColumn, keyColumn } = TABLES[t];
        const ids = await conn.runAndReadAll(`SELECT DISTINCT ${idColumn} FROM ${t} ORDER BY 1`);
        const keys = await itemKeys(conn, kind, ids.getRowsJS().map((r) => String(r[0])));
        for (const [id, key] of keys) await conn.run(`UPDATE ${t} SET ${keyColumn} = $1 WHERE ${idColumn} = $2`, [key, id]);
      }
      await conn.run("COMMIT");
    } catch (err) {
      await conn.run("ROLLBACK");
      throw err;
    }
  }
  ready.add(conn);
}

/** The keys of the given pages or features, assigning the next free ones to ids without one. */
async function itemKeys(conn: DuckDBConnection, kind: "page" | "feature", ids: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (ids.length === 0) return out;
  const found = await conn.runAndReadAll(
    "SELECT item_id, item_key FROM rule_item_keys WHERE kind = $1 AND item_id IN (SELECT unnest($2::VARCHAR[]))",
    [kind, listValue([...ids])],
  );
  for (const [id, key] of found.getRowsJS()) out.set(String(id), Number(key));
  const fresh = [...new Set(ids)].filter((id) => !out.has(id));
  if (fresh.length > 0) {
    const max = await conn.runAndReadAll("SELECT coalesce(max(item_key), 0)::INTEGER FROM rule_item_keys WHERE kind = $1", [kind]);
    let next = Number(max.getRowsJS()[0]?.[0] ?? 0);
    for (const id of fresh) {
      next += 1;
      await conn.run("INSERT INTO rule_item_keys VALUES ($1, $2, $3)", [kind, id, next]);
      out.set(id, next);
    }
  }
  return out;
}

/** Streams a dictionary in chunks so a million entries never sit in memory as one array. */
async function scanDictionary(conn: DuckDBConnection, table: "urls" | "elements", visit: (id: number, value: string) => void): Promise<number> {
  const result = await conn.stream(`SELECT id, value FROM ${table}`);
  let scanned = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const ids = chunk.getColumnValues(0);
    const values = chunk.getColumnValues(1);
    for (let i = 0; i < chunk.rowCount; i++) visit(Number(ids[i]), String(values[i]));
    scanned += chunk.rowCount;
  }
  return scanned;
}

/** Replaces one page's or feature's rows in a mapping table inside one transaction. */
async function replaceMapping(conn: DuckDBConnection, table: MappingTable, itemId: string, ids: readonly number[]): Promise<void> {
  await conn.run("BEGIN TRANSACTION");
  try {
    await conn.run(`DELETE FROM ${table} WHERE ${TABLES[table].idColumn} = $1`, [itemId]);
    await appendPairs(conn, table, ids.map((id) => [itemId, id]));
    await conn.run("COMMIT");
  } catch (err) {
    await conn.run("ROLLBACK");
    throw err;
  }
}

/** Appends (item id, dictionary id) pairs with their item keys; the caller holds a transaction. */
async function appendPairs(conn: DuckDBConnection, table: MappingTable, pairs: readonly (readonly [string, number])[]): Promise<void> {
  if (pairs.length === 0) return;
  const keys = await itemKeys(conn, TABLES[table].kind, [...new Set(pairs.map(([itemId]) => itemId))]);
  // An appender fills every column in table order: item id, dictionary id, then the key (added
  // by ALTER in ensureMappingTables, on new tables too, so it is always last).
  const appender = await conn.createAppender(table);
  try {
    for (const [itemId, id] of pairs) {
      appender.appendVarchar(itemId);
      appender.appendInteger(id);
      appender.appendInteger(keys.get(itemId) as number);
      appender.endRow();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

export function compilePage(rules: readonly string[]): { ok: true; value: UrlRule[] } | { ok: false; error: PageRuleError } {
  const out: UrlRule[] = [];
  for (let r = 0; r < rules.length; r++) {
    const parsed = parseUrlRule(rules[r] as string);
    if (!parsed.ok) return { ok: false, error: { ...parsed.error, ruleIndex: r } };
    out.push(parsed.value);
  }
  return { ok: true, value: out };
}

export const urlMatchesAny = (rules: readonly UrlRule[], url: string): boolean => {
  const parts = splitUrl(url);
  return rules.some((r) => matchUrlParts(r, parts));
};

export function elementMatches(rule: FeatureRule, json: string): boolean {
  const path = parseStoredPath(json);
  return path !== null && path.length > 0 && matchElementChain(rule, buildElementChain(path));
}

/** Defines or edits a page (its rules are OR-ed) and maps it over every stored URL: retroactive. */
export async function applyPageRule(conn: DuckDBConnection, pageId: string, rules: readonly string[]): Promise<ApplyResult<PageRuleError>> {
  const compiled = compilePage(rules);
  if (!compiled.ok) return compiled;
  await ensureMappingTables(conn);
  const ids: number[] = [];
  const scanned = await scanDictionary(conn, "urls", (id, url) => {
    if (urlMatchesAny(compiled.value, url)) ids.push(id);
  });
  await replaceMapping(conn, "page_urls", pageId, ids);
  return { ok: true, value: { scanned, matched: ids.length } };
}

/** Defines or edits a feature and maps it over every stored click path: retroactive. */
export async function applyFeatureRule(conn: DuckDBConnection, featureId: string, selector: string): Promise<ApplyResult<FeatureRuleError>> {
  const parsed = parseFeatureRule(selector);
  if (!parsed.ok) return parsed;
  await ensureMappingTables(conn);
  const ids: number[] = [];
  const scanned = await scanDictionary(conn, "elements", (id, json) => {
    if (elementMatches(parsed.value, json)) ids.push(id);
  });
  await replaceMapping(conn, "feature_elements", featureId, ids);
  return { ok: true, value: { scanned, matched: ids.length } };
}

/** Deletes a page's mapping: its page views disappear from every report. */
export async function removePage(conn: DuckDBConnection, pageId: string): Promise<void> {
  await ensureMappingTables(conn);
  await conn.run("DELETE FROM page_urls WHERE page_id = $1", [pageId]);
}

/** Deletes a feature's mapping: its clicks disappear from every report. */
export async function removeFeature(conn: DuckDBConnection, featureId: string): Promise<void> {
  await ensureMappingTables(conn);
  await conn.run("DELETE FROM feature_elements WHERE feature_id = $1", [featureId]);
}

/**
 * Maps dictionary entries created by one flush against every page and feature. The flusher
 * calls it after appending; rules that fail to parse are skipped here (they were refused when
 * saved). Entries already mapped are not duplicated, so a replayed flush is harmless.
 */
export async function mapNewDictionaryEntries(
  conn: DuckDBConnection,
  newUrls: readonly DictionaryEntry[],
  newElements: readonly DictionaryEntry[],
  rules: RuleSet,
): Promise<{ pageRows: number; featureRows: number }> {
  await ensureMappingTables(conn);
  const { pagePairs, featurePairs } = matchNewEntries(newUrls, newElements, rules);
  if (newUrls.length === 0 && newElements.length === 0) return { pageRows: 0, featureRows: 0 };
  await conn.run("BEGIN TRANSACTION");
  try {
    await replaceForIds(conn, "page_urls", newUrls.map((e) => e.id), pagePairs);
    await replaceForIds(conn, "feature_elements", newElements.map((e) => e.id), featurePairs);
    await conn.run("COMMIT");
  } catch (err) {
    await conn.run("ROLLBACK");
    throw err;
  }
  return { pageRows: pagePairs.length, featureRows: featurePairs.length };
}

/**
 * The (page, URL id) and (feature, element id) pairs of new dictionary entries under every rule
 * of the installation; rules that fail to parse are skipped (they were refused when saved).
 * Shared by the engines: matching is TypeScript, only the writing of the pairs differs.
 */
export function matchNewEntries(
  newUrls: readonly DictionaryEntry[],
  newElements: readonly DictionaryEntry[],
  rules: RuleSet,
): { pagePairs: [string, number][]; featurePairs: [string, number][] } {
  const pagePairs: [string, number][] = [];
  if (newUrls.length > 0) {
    const pages = rules.pages.flatMap((p) => {
      const c = compilePage(p.rules);
      return c.ok ? [{ pageId: p.pageId, rules: c.value }] : [];
    });
    for (const entry of newUrls) {
      const parts = splitUrl(entry.value);
      for (const p of pages) if (p.rules.some((r) => matchUrlParts(r, parts))) pagePairs.push([p.pageId, entry.id]);
    }
  }
  const featurePairs: [string, number][] = [];
  if (newElements.length > 0) {
    const features = rules.features.flatMap((f) => {
      const c = parseFeatureRule(f.selector);
      return c.ok ? [{ featureId: f.featureId, rule: c.value }] : [];
    });
    for (const entry of newElements) {
      const path = parseStoredPath(entry.value);
      if (!path || path.length === 0) continue;
      const chain = buildElementChain(path);
      for (const f of features) if (matchElementChain(f.rule, chain)) featurePairs.push([f.featureId, entry.id]);
    }
  }
  return { pagePairs, featurePairs };
}

/** Replaces every row of the given dictionary ids, so a repeated call leaves one row per pair. */
async function replaceForIds(
  conn: DuckDBConnection,
  table: MappingTable,
  ids: readonly number[],
  pairs: readonly (readonly [string, number])[],
): Promise<void> {
  if (ids.length === 0) return;
  const idColumn = TABLES[table].dictColumn;
  // Ids of new entries are few per flush; deleting their rows first makes a replay idempotent.
  await conn.run(`DELETE FROM ${table} WHERE ${idColumn} IN (SELECT unnest($1::INTEGER[]))`, [listValue([...ids])]);
  await appendPairs(conn, table, pairs);
}
