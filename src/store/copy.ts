import { CompiledQuery, type Kysely } from "kysely";
import { engineOf, type AnyDb } from "./dialect.js";

/**
 * Copying records from one engine to another (`pendulum migrate-records`): the tables of a
 * database in foreign-key order, whether a target holds rows, a table copied in batches of
 * multi-row INSERTs, and id sequences carried past the copied ids. The schema on the target comes
 * from the modules' own migrations, so these functions move rows, never declare tables.
 */

type Row = Record<string, unknown>;
/** A handle to run raw statements on: the records database or a transaction in it. */
type Db = Kysely<object> | Kysely<unknown>;

/** Kysely's own bookkeeping: each engine records the migrations it ran itself. */
export const MIGRATION_TABLES: ReadonlySet<string> = new Set(["kysely_migration", "kysely_migration_lock"]);

/** PostgreSQL refuses a statement with more than 65,535 bound parameters; stay well under it. */
const MAX_PARAMETERS = 60_000;

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

async function rows(db: Db, text: string, params: readonly unknown[] = []): Promise<Row[]> {
  return (await (db as Kysely<object>).executeQuery<Row>(CompiledQuery.raw(text, [...params]))).rows;
}

/** The record tables of a database (not the engine's own, not the migration bookkeeping), by name. */
export async function recordTables(db: Db): Promise<string[]> {
  const found =
    engineOf(db as AnyDb) === "postgres"
      ? await rows(db, `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`)
      : await rows(db, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'`);
  return found
    .map((r) => String(r["name"]))
    .filter((n) => !MIGRATION_TABLES.has(n))
    .sort();
}

/**
 * The tables of a SQLite database ordered so a table comes after every table its foreign keys
 * reference (inserting in this order never breaks a constraint). A table that references itself
 * is copied in insertion order, which puts a parent row before its children. Tables caught in a
 * cycle (none today) go last, by name.
 */
export async function foreignKeyOrder(source: Db, tables: readonly string[]): Promise<string[]> {
  const needs = new Map<string, Set<string>>();
  for (const t of tables) {
    const refs = await rows(source, `SELECT "table" AS parent FROM pragma_foreign_key_list(?)`, [t]);
    needs.set(t, new Set(refs.map((r) => String(r["parent"])).filter((p) => p !== t && tables.includes(p))));
  }
  const ordered: string[] = [];
  const done = new Set<string>();
  let progressed = true;
  while (progressed) {
    progressed = false;
    for (const t of tables) {
      if (done.has(t)) continue;
      if ([...(needs.get(t) ?? [])].every((p) => done.has(p))) {
        ordered.push(t);
        done.add(t);
        progressed = true;
      }
    }
  }
  return [...ordered, ...tables.filter((t) => !done.has(t))];
}

/** How many rows a table holds. */
export async function countRows(db: Db, table: string): Promise<number> {
  return Number((await rows(db, `SELECT count(*) AS n FROM ${quote(table)}`))[0]?.["n"] ?? 0);
}

/** The tables among `tables` that hold at least one row. */
export async function tablesWithRows(db: Db, tables: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const t of tables) {
    if ((await rows(db, `SELECT 1 AS x FROM ${quote(t)} LIMIT 1`)).length > 0) out.push(t);
  }
  return out;
}

/** Deletes every row of the given tables, last table first (the reverse of a foreign-key order). */
export async function emptyTables(db: Db, tables: readonly string[]): Promise<void> {
  for (const t of [...tables].reverse()) await rows(db, `DELETE FROM ${quote(t)}`);
}

/** A table's column names, in declaration order. */
export async function columnsOf(db: Db, table: string): Promise<string[]> {
  const found =
    engineOf(db as AnyDb) === "postgres"
      ? await rows(db, `SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, [table])
      : await rows(db, `SELECT name FROM pragma_table_info(?)`, [table]);
  return found.map((r) => String(r["name"]));
}

export type CopyOptions = {
  /** Rows per INSERT at most (fewer for wide tables, to stay under PostgreSQL's parameter limit). */
  batchRows?: number;
  /** Called after each batch with the rows of this table copied so far. */
  onRows?(copied: number): void;
};

/**
 * Copies every row of a SQLite table into the same table on PostgreSQL, in insertion (rowid)
 * order so the target's own insertion-order columns (the CRM's `_row`) number them alike. Rows
 * are read a page at a time by rowid and written as one multi-row INSERT per page: a statement
 * per batch, never per row. Columns the target adds (such a `_row`) take their defaults; a source
 * column the target lacks stops the copy, naming it, since its values would otherwise be lost.
 */
export async function copyTable(source: Db, target: Db, table: string, options: CopyOptions = {}): Promise<number> {
  const columns = await columnsOf(source, table);
  const targetColumns = new Set(await columnsOf(target, table));
  if (targetColumns.size === 0) throw new Error(`Table ${table} is in the SQLite records but the migrations did not create it on PostgreSQL`);
  const missing = columns.filter((c) => !targetColumns.has(c));
  if (missing.length > 0) throw new Error(`Table ${table}: column${missing.length > 1 ? "s" : ""} ${missing.join(", ")} exist${missing.length > 1 ? "" : "s"} in SQLite but not on PostgreSQL`);
  const perBatch = Math.max(1, Math.min(options.batchRows ?? 1_000, Math.floor(MAX_PARAMETERS / Math.max(1, columns.length))));
  const list = columns.map(quote).join(", ");
  const definition = String((await rows(source, `SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`, [table]))[0]?.["sql"] ?? "");
  const hasRowid = !/without\s+rowid/i.test(definition);
  let copied = 0;
  let after = Number.MIN_SAFE_INTEGER;
  for (;;) {
    // Keyset paging by rowid costs the same on the last page as the first; a WITHOUT ROWID table pages by position.
    const page = hasRowid
      ? await rows(source, `SELECT rowid AS pendulum_copy_rowid, ${list} FROM ${quote(table)} WHERE rowid > ? ORDER BY rowid LIMIT ?`, [after, perBatch])
      : await rows(source, `SELECT ${list} FROM ${quote(table)} ORDER BY 1 LIMIT ? OFFSET ?`, [perBatch, copied]);
    if (page.length === 0) break;
    const params: unknown[] = [];
    const tuples: string[] = [];
    for (const row of page) {
      const marks: string[] = [];
      for (const c of columns) {
        params.push(row[c] ?? null);
        marks.push(`$${params.length}`);
      }
      tuples.push(`(${marks.join(", ")})`);
    }
    await rows(target, `INSERT INTO ${quote(table)} (${list}) VALUES ${tuples.join(", ")}`, params);
    copied += page.length;
    if (hasRowid) after = Number(page[page.length - 1]?.["pendulum_copy_rowid"]);
    options.onRows?.(copied);
    if (page.length < perBatch) break;
  }
  return copied;
}

/**
 * Moves every id sequence of the copied tables past the ids now in them, so the next row
 * PostgreSQL numbers continues after the copied ones. SQLite's AUTOINCREMENT never reuses an id
 * even after its row is deleted (sqlite_sequence keeps the highest handed out); that high-water
 * mark is carried too. Returns the sequences it moved.
 */
export async function carrySequences(source: Db, target: Db, tables: readonly string[]): Promise<{ table: string; column: string; next: number }[]> {
  const highWater = new Map<string, number>();
  const hasSequenceTable = (await rows(source, `SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'`)).length > 0;
  if (hasSequenceTable) for (const r of await rows(source, `SELECT name, seq FROM sqlite_sequence`)) highWater.set(String(r["name"]), Number(r["seq"]));
  const sequences = await rows(
    target,
    `SELECT table_name AS t, column_name AS c, pg_get_serial_sequence(quote_ident(table_name), column_name) AS s
       FROM information_schema.columns
      WHERE table_schema = current_schema() AND column_default LIKE 'nextval(%'`,
  );
  const moved: { table: string; column: string; next: number }[] = [];
  for (const s of sequences) {
    const table = String(s["t"]);
    const column = String(s["c"]);
    if (!tables.includes(table) || s["s"] === null) continue;
    const max = Number((await rows(target, `SELECT coalesce(max(${quote(column)}), 0) AS m FROM ${quote(table)}`))[0]?.["m"] ?? 0);
    const last = Math.max(max, highWater.get(table) ?? 0);
    // setval(seq, n, true) makes the next value n + 1; with nothing copied the sequence starts at 1.
    if (last > 0) await rows(target, `SELECT setval($1, $2, true)`, [s["s"], last]);
    else await rows(target, `SELECT setval($1, 1, false)`, [s["s"]]);
    moved.push({ table, column, next: last + 1 });
  }
  return moved;
}
