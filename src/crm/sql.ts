import { CompiledQuery, type Kysely } from "kysely";
import { engineOf, PREPARED_MARK } from "../store/index.js";

/** Any Kysely handle (the records database or a transaction in it). */
export type Db = Kysely<object> | Kysely<unknown>;

/** A row as the database returns it. */
export type Row = Record<string, unknown>;

/**
 * The CRM writes its SQL by hand with `?` placeholders (SQLite's spelling). On PostgreSQL they
 * become `$1, $2, …`; a `?` inside a quoted string or identifier is left alone.
 */
export function numberedPlaceholders(text: string): string {
  let n = 0;
  let out = "";
  let quote: string | undefined;
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = undefined;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else if (ch === "?") {
      out += `$${++n}`;
    } else {
      out += ch;
    }
  }
  return out;
}

/** Runs one statement with bound parameters; identifiers in `text` are quoted by the caller from checked names. */
export async function exec(db: Db, text: string, params: readonly unknown[] = []): Promise<{ rows: Row[]; changes: number }> {
  const k = db as Kysely<object>;
  const sqlText = engineOf(k) === "postgres" ? numberedPlaceholders(text) : text;
  const res = await k.executeQuery<Row>(CompiledQuery.raw(sqlText, [...params]));
  return { rows: res.rows, changes: Number(res.numAffectedRows ?? 0n) };
}

/**
 * exec for a statement whose text repeats verbatim from call to call (a Collections call's
 * multi-row write): on PostgreSQL each pool connection parses it once (a named prepared
 * statement), then only binds and executes it.
 */
export async function execPrepared(db: Db, text: string, params: readonly unknown[] = []): Promise<{ rows: Row[]; changes: number }> {
  return exec(db, onPostgres(db) ? `${PREPARED_MARK}${text}` : text, params);
}

/**
 * Runs one statement that may be refused (a unique index) while the transaction goes on: the
 * caller reports the refusal per record. SQLite undoes just that statement; PostgreSQL aborts the
 * whole transaction unless the statement runs under a savepoint, so there it does.
 */
export async function execUndoable(db: Db, text: string, params: readonly unknown[] = []): Promise<{ rows: Row[]; changes: number }> {
  if (!onPostgres(db) || !(db as Kysely<object>).isTransaction) return exec(db, text, params);
  await exec(db, "SAVEPOINT crm_one");
  try {
    const result = await exec(db, text, params);
    await exec(db, "RELEASE crm_one");
    return result;
  } catch (e) {
    await exec(db, "ROLLBACK TO crm_one");
    await exec(db, "RELEASE crm_one");
    throw e;
  }
}

/** Runs a query and returns its rows. */
export async function all(db: Db, text: string, params: readonly unknown[] = []): Promise<Row[]> {
  return (await exec(db, text, params)).rows;
}

/** Whether `db` keeps the CRM on PostgreSQL (where a few statements are spelled differently). */
export function onPostgres(db: Db): boolean {
  return engineOf(db as Kysely<object>) === "postgres";
}

/**
 * The column that orders a table's rows as they were inserted: SQLite's rowid; on PostgreSQL
 * a `_row` bigserial every CRM table carries (PostgreSQL rows have no stable insertion order).
 */
export function rowOrder(db: Db): string {
  return onPostgres(db) ? `"_row"` : "rowid";
}

/** The case-insensitive text collation on PostgreSQL (SQLite's NOCASE elsewhere); created by ensureCrmSchema. */
export const PG_NOCASE = "pendulum_nocase";

/**
 * The column that failed a unique index, from either engine's message: SQLite names the column
 * ("UNIQUE constraint failed: crm_account.Key__c"); PostgreSQL names the index, which the CRM
 * calls `<table>_<column lower-cased>` (see addCustomField), and gives the key in the detail.
 */
export function uniqueViolationColumn(e: unknown): string | undefined {
  if (!(e instanceof Error)) return undefined;
  const sqlite = /UNIQUE constraint failed: \w+\.(\w+)/.exec(e.message);
  if (sqlite) return sqlite[1];
  const detail = (e as { detail?: string; code?: string }).code === "23505" ? (e as { detail?: string }).detail : undefined;
  const pg = detail ? /^Key \("?([^")]+)"?\)=/.exec(detail) : null;
  return pg?.[1];
}
