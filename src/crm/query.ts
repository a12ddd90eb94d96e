import crypto from "node:crypto";
import type { CrmData } from "./data.js";
import { SfError } from "./errors.js";
import { columnsOf, type QueryColumns } from "./columns.js";
import { translateSoql, type ChildLookup, type SoqlPlan } from "./soql.js";
import { q, childRelationshipsOf } from "./metadata.js";
import { all, onPostgres, rowOrder, type Db } from "./sql.js";
import { fromCell, recordUrl } from "./values.js";

/** A page of query results as `/query` answers it. */
export type QueryPage = { totalSize: number; done: boolean; records: Array<Record<string, unknown>>; nextRecordsUrl?: string };

/**
 * A query's server-side state. `resume` maps where each page served so far ended (the `from` of
 * its nextRecordsUrl) to its last row's insertion-order key, for a statement without ORDER BY:
 * the next page, or a retry of it, starts after that key instead of skipping
 * `from` rows with OFFSET, which PostgreSQL does by reading every skipped row through the index
 * (a full read of 50,000 records in 2,000-record pages read 650,000 rows).
 */
type Cursor = { plan: SoqlPlan; total: number; batchSize: number; expiresAt: number; resume: Map<number, number> };

const CURSOR_TTL_MS = 15 * 60_000;
const MAX_CURSORS = 1000;

/** Runs SOQL over the records store and keeps server-side cursors for `nextRecordsUrl` paging. */
export type QueryEngine = ReturnType<typeof createQueryEngine>;

/** Builds the query engine; `clock` anchors date literals and cursor expiry. */
export function createQueryEngine(data: CrmData, clock: () => number) {
  const cursors = new Map<string, Cursor>();
  const children: ChildLookup = (parent) => childRelationshipsOf(parent, data.objects());

  function selectSql(plan: SoqlPlan, extra: string[] = []): string {
    // The record's own Id always comes along: attributes.url names it even when Id is not selected.
    const cols = [`t."Id" AS rid`, ...extra, ...plan.columns.map((c, i) => `${c.sql} AS c${i}`)];
    plan.columns.forEach((c, i) => {
      if (c.relationship) cols.push(`${c.sql.split(".")[0]}."Id" AS p${i}`);
    });
    // rowid breaks ties so pages never overlap or skip when ORDER BY values repeat.
    const tie = `t.${rowOrder(data.db)}`;
    const order = plan.orderBy ? `${plan.orderBy}, ${tie}` : tie;
    return `SELECT ${cols.join(", ")} FROM ${plan.from} WHERE ${plan.where} ORDER BY ${order} LIMIT ? OFFSET ?`;
  }

  /** One result row as a record: its fields, parent relationships as nested records, and attributes. */
  function recordOf(plan: SoqlPlan, version: string, row: Record<string, unknown>): Record<string, unknown> {
    const rec: Record<string, unknown> = { attributes: { type: plan.obj.name, url: recordUrl(version, plan.obj, String(row["rid"])) } };
    plan.columns.forEach((c, i) => {
      const value = fromCell(c.field, row[`c${i}`]);
      if (!c.relationship) {
        rec[c.field.name] = value;
        return;
      }
      const parentId = row[`p${i}`];
      if (parentId === null || parentId === undefined) {
        rec[c.relationship.name] = null;
        return;
      }
      const parent = (rec[c.relationship.name] as Record<string, unknown> | undefined) ?? {
        attributes: { type: c.relationship.obj.name, url: recordUrl(version, c.relationship.obj, String(parentId)) },
      };
      parent[c.field.name] = value;
      rec[c.relationship.name] = parent;
    });
    return rec;
  }

  /**
   * Fills each sub-query of a page's records: one query per sub-query for the whole page (per 900
   * parents), grouped by parent, the sub-query's LIMIT applied per parent; no children is null.
   */
  async function attachChildren(plan: SoqlPlan, records: Array<Record<string, unknown>>, ids: string[], version: string, db: Db): Promise<void> {
    for (const child of plan.children) {
      const byParent = new Map<string, Array<Record<string, unknown>>>();
      for (let at = 0; at < ids.length; at += 900) {
        const slice = ids.slice(at, at + 900);
        const link = `t.${q(child.lookup.name)}`;
        const scoped: SoqlPlan = { ...child.plan, where: `${child.plan.where} AND ${link} IN (${slice.map(() => "?").join(", ")})`, params: [...child.plan.params, ...slice] };
        // No limit: -1 on SQLite, NULL on PostgreSQL (which refuses a negative LIMIT).
        const rows = await all(db, selectSql(scoped, [`${link} AS parent`]), [...scoped.params, onPostgres(db) ? null : -1, 0]);
        for (const row of rows) {
          const key = String(row["parent"]);
          const list = byParent.get(key) ?? [];
          if (child.plan.limit === undefined || list.length < child.plan.limit) list.push(recordOf(child.plan, version, row));
          byParent.set(key, list);
        }
      }
      records.forEach((rec, k) => {
        const list = byParent.get(ids[k] as string);
        rec[child.relationshipName] = list ? { totalSize: list.length, done: true, records: list } : null;
      });
    }
  }

  async function page(plan: SoqlPlan, version: string, from: number, count: number, db: Db = data.db): Promise<Array<Record<string, unknown>>> {
    return (await pageRows(plan, version, from, count, db)).records;
  }

  /**
   * One page and, for a statement in insertion order (no ORDER BY), the order key of its last
   * row; `after` (such a key, where the page at `from` begins) replaces OFFSET with `key > after`.
   */
  async function pageRows(plan: SoqlPlan, version: string, from: number, count: number, db: Db = data.db, after?: number): Promise<{ records: Array<Record<string, unknown>>; lastKey?: number }> {
    const keyed = !plan.orderBy;
    const key = `t.${rowOrder(data.db)}`;
    const rows =
      keyed && after !== undefined
        ? await all(db, selectSql({ ...plan, where: `(${plan.where}) AND ${key} > ?` }, [`${key} AS rk`]), [...plan.params, after, count, 0])
        : await all(db, selectSql(plan, keyed ? [`${key} AS rk`] : []), [...plan.params, count, plan.offset + from]);
    const records = rows.map((row) => recordOf(plan, version, row));
    if (plan.children.length > 0) await attachChildren(plan, records, rows.map((r) => String(r["rid"])), version, db);
    const last = rows[rows.length - 1]?.["rk"];
    return { records, lastKey: keyed && last !== undefined && last !== null ? Number(last) : undefined };
  }

  async function count(plan: SoqlPlan, db: Db = data.db): Promise<number> {
    const rows = await all(db, `SELECT count(*) AS n FROM ${plan.from} WHERE ${plan.where}`, plan.params);
    const n = Math.max(0, Number(rows[0]?.["n"] ?? 0) - plan.offset);
    return plan.limit === undefined ? n : Math.min(n, plan.limit);
  }

  function sweep(now: number): void {
    for (const [k, c] of cursors) if (c.expiresAt < now) cursors.delete(k);
    while (cursors.size > MAX_CURSORS) cursors.delete(cursors.keys().next().value as string);
  }

  async function serve(locatorId: string, cursor: Cursor, from: number, version: string, db: Db = data.db): Promise<QueryPage> {
    const n = Math.min(cursor.batchSize, cursor.total - from);
    // A locator this cursor never handed out pages by OFFSET, as every page once did (and its end is not kept: it counts rows differently).
    const after = cursor.resume.get(from);
    const { records, lastKey } = n > 0 ? await pageRows(cursor.plan, version, from, n, db, after) : { records: [], lastKey: undefined };
    const next = from + records.length;
    if (lastKey !== undefined && (from === 0 || after !== undefined)) cursor.resume.set(next, lastKey);
    if (next >= cursor.total || records.length === 0) {
      cursors.delete(locatorId);
      return { totalSize: cursor.total, done: true, records };
    }
    cursor.expiresAt = clock() + CURSOR_TTL_MS;
    return { totalSize: cursor.total, done: false, nextRecordsUrl: `/services/data/v${version}/query/${locatorId}-${next}`, records };
  }

  async function runQuery(soql: string, opts: { version: string; batchSize: number; includeDeleted: boolean; db?: Db }): Promise<QueryPage> {
    const db = opts.db ?? data.db;
    const plan = translateSoql(soql, data.object, clock(), opts.includeDeleted, children, onPostgres(data.db) ? "postgres" : "sqlite");
    if (plan.kind === "count") return { totalSize: await count(plan, db), done: true, records: [] };
    if (plan.kind === "aggregate") {
      const rows = await all(db, `SELECT ${plan.aggregates.map((a, i) => `${a.sql} AS a${i}`).join(", ")} FROM ${plan.from} WHERE ${plan.where}`, plan.params);
      const rec: Record<string, unknown> = { attributes: { type: "AggregateResult" } };
      plan.aggregates.forEach((a, i) => (rec[a.alias] = rows[0]?.[`a${i}`] ?? null));
      return { totalSize: 1, done: true, records: [rec] };
    }
    const total = await count(plan, db);
    const now = clock();
    sweep(now);
    const id = `01g${crypto.randomBytes(9).toString("base64url").replace(/[-_]/g, "0").slice(0, 12)}`;
    const cursor: Cursor = { plan, total, batchSize: opts.batchSize, expiresAt: now + CURSOR_TTL_MS, resume: new Map() };
    cursors.set(id, cursor);
    return serve(id, cursor, 0, opts.version, db);
  }

  async function moreOf(locator: string, version: string): Promise<QueryPage> {
    const m = /^(01g[0-9A-Za-z]{12})-(\d+)$/.exec(locator);
    const cursor = m ? cursors.get(m[1] as string) : undefined;
    if (!m || !cursor || cursor.expiresAt < clock()) throw new SfError(400, "INVALID_QUERY_LOCATOR", "invalid query locator");
    return serve(m[1] as string, cursor, Number(m[2]), version);
  }

  async function everythingOf(soql: string, includeDeleted: boolean, version: string): Promise<{ plan: SoqlPlan; records: Array<Record<string, unknown>> }> {
    const plan = translateSoql(soql, data.object, clock(), includeDeleted, children, onPostgres(data.db) ? "postgres" : "sqlite");
    if (plan.kind !== "records") throw new SfError(400, "INVALIDJOB", "Bulk API query jobs do not support aggregate functions or count()");
    if (plan.children.length > 0) throw new SfError(400, "INVALIDJOB", "Bulk API query jobs do not support sub-queries; query the child object on its own");
    const total = await count(plan);
    return { plan, records: total > 0 ? await page(plan, version, 0, total) : [] };
  }

  return {
    /** Runs a SOQL statement and returns its first page. */
    run: (soql: string, opts: { version: string; batchSize: number; includeDeleted: boolean; db?: Db }): Promise<QueryPage> => asMalformed(() => runQuery(soql, opts)),
    /** The column metadata of a statement (`/query?columns=true`), without running it. */
    columns(soql: string, includeDeleted: boolean): QueryColumns {
      return columnsOf(translateSoql(soql, data.object, clock(), includeDeleted, children));
    },
    /**
     * The first `limit` records of a statement that also meet an extra SQL condition on its
     * table (aliased `t`): how a search returns each object of RETURNING.
     */
    async matching(soql: string, extra: { sql: string; params: unknown[] }, limit: number, version: string): Promise<Array<Record<string, unknown>>> {
      const plan = translateSoql(soql, data.object, clock(), false);
      if (plan.kind !== "records") throw new SfError(400, "MALFORMED_SEARCH", "Aggregate functions and count() are not allowed in RETURNING");
      const n = Math.min(limit, plan.limit ?? limit);
      if (n <= 0) return [];
      return page({ ...plan, where: `${plan.where} AND (${extra.sql})`, params: [...plan.params, ...extra.params] }, version, 0, n);
    },
    /** Serves the page a `nextRecordsUrl` locator points at. */
    more: (locator: string, version: string): Promise<QueryPage> => asMalformed(() => moreOf(locator, version)),
    /** Every matching row, for Bulk API 2.0 query jobs. */
    everything: (soql: string, includeDeleted: boolean, version: string) => asMalformed(() => everythingOf(soql, includeDeleted, version)),
  };
}

/** SQLite's refusals of a statement too large or too deep to run (its limits, not a fault of ours). */
const TOO_COMPLEX = /Expression tree is too large|parser stack overflow|too many terms in compound SELECT|too many SQL variables|LIKE or GLOB pattern too complex|string or blob too big|too many columns/i;

/**
 * A query too complex to run (a thousand ORs, parentheses nested past SQLite's parser stack, or
 * a statement whose translation ran out of call stack) is the caller's MALFORMED_QUERY, not a 500.
 */
async function asMalformed<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof SfError) throw e;
    const message = e instanceof Error ? e.message : String(e);
    if (e instanceof RangeError || TOO_COMPLEX.test(message)) {
      throw new SfError(400, "MALFORMED_QUERY", `The query is too complex for the built-in CRM (${message}); split it into several queries, or use IN (…) instead of many ORs`);
    }
    throw e;
  }
}
