import { listValue, type DuckDBConnection } from "@duckdb/node-api";
import type { DictionaryEntry } from "../../store/event-store.js";
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
`;

/** Creates the mapping tables when missing (idempotent). */
export async function ensureMappingTables(conn: DuckDBConnection): Promise<void> {
  await conn.run(MAPPING_SCHEMA);
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

/** Replaces one key's rows in a mapping table inside one transaction. */
async function replaceMapping(conn: DuckDBConnection, table: "page_urls" | "feature_elements", key: string, ids: readonly number[]): Promise<void> {
  const keyColumn = table === "page_urls" ? "page_id" : "feature_id";
  await conn.run("BEGIN TRANSACTION");
  try {
    await conn.run(`DELETE FROM ${table} WHERE ${keyColumn} = $1`, [key]);
    await appendPairs(conn, table, ids.map((id) => [key, id]));
    await conn.run("COMMIT");
  } catch (err) {
    await conn.run("ROLLBACK");
    throw err;
  }
}

async function appendPairs(conn: DuckDBConnection, table: "page_urls" | "feature_elements", pairs: readonly (readonly [string, number])[]): Promise<void> {
  if (pairs.length === 0) return;
  const appender = await conn.createAppender(table);
  try {
    for (const [key, id] of pairs) {
      appender.appendVarchar(key);
      appender.appendInteger(id);
      appender.endRow();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

function compilePage(rules: readonly string[]): { ok: true; value: UrlRule[] } | { ok: false; error: PageRuleError } {
  const out: UrlRule[] = [];
  for (let r = 0; r < rules.length; r++) {
    const parsed = parseUrlRule(rules[r] as string);
    if (!parsed.ok) return { ok: false, error: { ...parsed.error, ruleIndex: r } };
    out.push(parsed.value);
  }
  return { ok: true, value: out };
}

const urlMatchesAny = (rules: readonly UrlRule[], url: string): boolean => {
  const parts = splitUrl(url);
  return rules.some((r) => matchUrlParts(r, parts));
};

function elementMatches(rule: FeatureRule, json: string): boolean {
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

/** Replaces every row of the given dictionary ids, so a repeated call leaves one row per pair. */
async function replaceForIds(
  conn: DuckDBConnection,
  table: "page_urls" | "feature_elements",
  ids: readonly number[],
  pairs: readonly (readonly [string, number])[],
): Promise<void> {
  if (ids.length === 0) return;
  const idColumn = table === "page_urls" ? "url_id" : "element_id";
  // Ids of new entries are few per flush; deleting their rows first makes a replay idempotent.
  await conn.run(`DELETE FROM ${table} WHERE ${idColumn} IN (SELECT unnest($1::INTEGER[]))`, [listValue([...ids])]);
  await appendPairs(conn, table, pairs);
}
