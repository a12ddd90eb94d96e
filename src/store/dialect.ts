import { PostgresAdapter, sql, type DialectAdapter, type Expression, type RawBuilder } from "kysely";
import type { RecordsEngine } from "./records.js";

/**
 * The few SQL fragments whose spelling differs between SQLite and PostgreSQL, kept here so a
 * module's queries stay one Kysely query for both engines. Each takes the handle it runs on (the
 * records database or a transaction in it) and picks the engine from its adapter.
 */
export function engineOf(db: AnyDb): RecordsEngine {
  return db.getExecutor().adapter instanceof PostgresAdapter ? "postgres" : "sqlite";
}

/** Any Kysely handle, whatever its tables: the database, a transaction, a `withTables` view. */
export type AnyDb = { getExecutor(): { readonly adapter: DialectAdapter } };

/** The smaller of two values (SQLite's two-argument min, PostgreSQL's least). */
export function least<T>(db: AnyDb, a: Expression<T>, b: Expression<T>): RawBuilder<T> {
  return engineOf(db) === "postgres" ? sql<T>`least(${a}, ${b})` : sql<T>`min(${a}, ${b})`;
}

/** The larger of two values (SQLite's two-argument max, PostgreSQL's greatest). */
export function greatest<T>(db: AnyDb, a: Expression<T>, b: Expression<T>): RawBuilder<T> {
  return engineOf(db) === "postgres" ? sql<T>`greatest(${a}, ${b})` : sql<T>`max(${a}, ${b})`;
}

/**
 * A JSON object stored as text with another merged over it, where a null in `patch` removes the
 * key (RFC 7396 for the flat objects Pendulum keeps: metadata groups, usage measures). SQLite's
 * json_patch does exactly that; on PostgreSQL jsonb `||` merges and jsonb_strip_nulls drops the
 * removed keys (stored objects hold no nulls, since a null always meant "remove").
 */
export function jsonMerge(db: AnyDb, target: Expression<string | null>, patch: Expression<string | null>): RawBuilder<string> {
  return engineOf(db) === "postgres" ? sql<string>`jsonb_strip_nulls((${target})::jsonb || (${patch})::jsonb)::text` : sql<string>`json_patch(${target}, ${patch})`;
}

/** True when any top-level value of the JSON object in `column`, as lower-case text, is LIKE `pattern` (escaped with a backslash). */
export function jsonValueLike(db: AnyDb, column: Expression<string | null>, pattern: string): RawBuilder<boolean> {
  return engineOf(db) === "postgres"
    ? sql<boolean>`exists (select 1 from jsonb_each_text((${column})::jsonb) AS j where lower(j.value) like ${pattern} escape '\\')`
    : sql<boolean>`exists (select 1 from json_each(${column}) where lower(cast(value as text)) like ${pattern} escape '\\')`;
}

/** `value LIKE pattern` ignoring ASCII case on both engines (SQLite's LIKE does; PostgreSQL needs ILIKE). */
export function likeIgnoringCase(db: AnyDb, value: Expression<string | null>, pattern: string): RawBuilder<boolean> {
  return engineOf(db) === "postgres" ? sql<boolean>`${value} ilike ${pattern}` : sql<boolean>`${value} like ${pattern}`;
}
