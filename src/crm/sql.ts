import { CompiledQuery, type Kysely } from "kysely";

/** Any Kysely handle (the records database or a transaction in it). */
export type Db = Kysely<object> | Kysely<unknown>;

/** A row as SQLite returns it. */
export type Row = Record<string, unknown>;

/** Runs one statement with bound parameters; identifiers in `text` are quoted by the caller from checked names. */
export async function exec(db: Db, text: string, params: readonly unknown[] = []): Promise<{ rows: Row[]; changes: number }> {
  const res = await (db as Kysely<object>).executeQuery<Row>(CompiledQuery.raw(text, [...params]));
  return { rows: res.rows, changes: Number(res.numAffectedRows ?? 0n) };
}

/** Runs a query and returns its rows. */
export async function all(db: Db, text: string, params: readonly unknown[] = []): Promise<Row[]> {
  return (await exec(db, text, params)).rows;
}
