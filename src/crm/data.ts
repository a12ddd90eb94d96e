import type { Kysely, Transaction } from "kysely";
import { SfError } from "./errors.js";
import { makeId, normalizeId } from "./ids.js";
import { arrayParamOf, paramOf, q, type FieldDef, type ObjectDef } from "./metadata.js";
import { catchUpIdSequence, loadObjects, nextCounter, takeCounters } from "./schema.js";
import { lockKey } from "../store/index.js";
import { all, exec, execPrepared, execUndoable, onPostgres, uniqueViolationColumn, type Db, type Row } from "./sql.js";
import { fromCell, toCell, type Cell } from "./values.js";

/** The per-record outcome Collections, Composite and Bulk report. */
export type SaveResult = { id: string | null; success: boolean; errors: Array<{ statusCode: string; message: string; fields: string[] }>; created?: boolean };

/** Field values ready to store, keyed by field. */
export type Cells = Map<FieldDef, Cell>;

/** How a record body is being written. */
export type WriteMode = "insert" | "update" | "upsert";

/** How writeMany treats its items: all inserts, all updates by Id, or all upserts on one field. */
export type ManyMode = { kind: "insert" } | { kind: "update" } | { kind: "upsert"; field: FieldDef };

/** One record for writeMany: validated cells plus the Id (update) or key value (upsert) it names. */
export type ManyItem = { cells: Cells; rawId?: string; rawValue?: unknown };

/** writeMany's per-item answer, in item order; `error` is what the one-record path would have thrown. */
export type ManyOutcome = { ok: true; id: string; created: boolean } | { ok: false; error: unknown };

/** A write writeMany has decided on and not yet sent to SQLite. */
type Planned = { at: number; kind: "insert" | "update"; id: string; rawId: string; cells: Cells };

/** Bound parameters per multi-row statement: well under SQLite's 32,766 and cheap to compile. */
const MAX_PARAMS_PER_STATEMENT = 20_000;
const MAX_ROWS_PER_STATEMENT = 1000;
/** Key values per `IN (…)` lookup. */
const LOOKUP_CHUNK = 900;
/** Ids a process draws from a table's sequence at a time on PostgreSQL (the unused rest is a gap after a restart, as Salesforce's ids have). */
const ID_BLOCK = 20;

/** The first key of the upsert locks ("PDLU"); the second is the bucket. */
const UPSERT_LOCK_SPACE = 0x50444c55;
const UPSERT_LOCK_BUCKETS = 128;

/** The advisory lock (second key) that guards one external id value of one field; case-blind, as the lookup is. */
function upsertBucket(obj: ObjectDef, f: FieldDef, value: Cell): number {
  const key = `${obj.table}\u0000${f.name.toLowerCase()}\u0000${typeof value === "string" ? value.toLowerCase() : String(value)}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // The field picks a block of buckets, so two fields' upserts rarely share a lock.
  const field = lockKey(`${obj.table}.${f.name.toLowerCase()}`);
  return ((field & ~(UPSERT_LOCK_BUCKETS - 1)) | ((h >>> 0) % UPSERT_LOCK_BUCKETS)) | 0;
}

/** SQLite's NOCASE folds ASCII letters only; keys of text external ids must fold the same way. */
function nocaseKey(v: unknown): string {
  return typeof v === "string" ? v.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : `#${String(v)}`;
}

/** Thrown inside a transaction to undo it (allOrNone). */
export class Rollback extends Error {
  constructor() {
    super("rollback");
  }
}

/** The CRM's records: object metadata, validation and the SQL that stores sObjects. */
export type CrmData = ReturnType<typeof createCrmData>;

/** Builds the data layer over the records database. */
export function createCrmData(db: Kysely<object>, clock: () => number) {
  let objects = new Map<string, ObjectDef>();
  const pg = onPostgres(db);
  // Rows written per table since its statistics were refreshed (noteWrites), and how many it had then.
  const growth = new Map<string, { base: number; since: number }>();
  // Tables whose ANALYZE is running (noteWrites starts at most one per table).
  const analysing = new Set<string>();
  // SQLite: the next counter per table (this process owns the records). PostgreSQL: counters this
  // process drew from the table's sequence and has not used yet (other processes draw their own).
  const counters = new Map<string, number>();
  const drawn = new Map<string, { ids: number[]; at: number }>();
  let dataVersion: number | string = -1;

  async function reload(): Promise<void> {
    objects = await loadObjects(db);
    for (const o of objects.values()) {
      if (counters.has(o.table)) continue;
      if (pg) await catchUpIdSequence(db, o.table);
      counters.set(o.table, pg ? 0 : await nextCounter(db, o.table));
    }
  }

  /**
   * A fresh id of an object. On PostgreSQL, when this process holds none, it draws `want` (at
   * least ID_BLOCK) from the table's sequence in one statement, so a batch of inserts costs one
   * round trip and two processes never hand out the same id (ADR 0013).
   */
  async function newId(trx: Db, obj: ObjectDef, want = 1): Promise<string> {
    if (!pg) {
      const n = counters.get(obj.table) ?? 1;
      counters.set(obj.table, n + 1);
      return makeId(obj.keyPrefix, n);
    }
    let held = drawn.get(obj.table);
    if (!held || held.at >= held.ids.length) {
      const ids = await takeCounters(trx, obj.table, Math.max(want, ID_BLOCK));
      // Another insert of this process may have drawn meanwhile: keep both blocks.
      held = drawn.get(obj.table);
      if (held && held.at < held.ids.length) held.ids.push(...ids);
      else drawn.set(obj.table, (held = { ids, at: 0 }));
    }
    return makeId(obj.keyPrefix, held.ids[held.at++] as number);
  }

  function stamp(): string {
    return new Date(clock()).toISOString();
  }

  // Every record of a batch repeats the same few keys; lower-casing each once saves work per record.
  const lowered = new Map<string, string>();
  function lowerName(key: string): string {
    let v = lowered.get(key);
    if (v === undefined) {
      if (lowered.size >= 10_000) lowered.clear();
      v = key.toLowerCase();
      lowered.set(key, v);
    }
    return v;
  }

  /** Turns a client's record body into cells, refusing unknown, read-only and malformed fields. */
  function prepare(obj: ObjectDef, body: Record<string, unknown>, mode: WriteMode, csv = false): Cells {
    const cells: Cells = new Map();
    const readOnly: string[] = [];
    for (const key in body) {
      if (!Object.hasOwn(body, key) || key === "attributes") continue;
      const value = body[key];
      const f = obj.byLowerName.get(lowerName(key));
      if (!f) throw new SfError(400, "INVALID_FIELD", `No such column '${key}' on sobject of type ${obj.name}`, [key]);
      if (f.name === "Id") continue;
      if (f.system || (mode === "insert" && !f.createable) || (mode === "update" && !f.updateable)) {
        readOnly.push(f.name);
        continue;
      }
      if (csv && value === "") continue;
      cells.set(f, toCell(f, value, csv));
    }
    if (readOnly.length > 0) {
      throw new SfError(400, "INVALID_FIELD_FOR_INSERT_UPDATE", `Unable to create/update fields: ${readOnly.join(", ")}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`, readOnly);
    }
    if (!obj.writable) throw new SfError(400, "INVALID_TYPE_FOR_OPERATION", `entity type ${obj.name} does not support this operation`);
    return cells;
  }

  function missingRequired(obj: ObjectDef, cells: Cells, inserting: boolean): void {
    const missing = obj.fields.filter((f) => f.required && (inserting ? cells.get(f) == null : cells.has(f) && cells.get(f) === null)).map((f) => f.name);
    if (missing.length > 0) throw new SfError(400, "REQUIRED_FIELD_MISSING", `Required fields are missing: [${missing.join(", ")}]`, missing);
  }

  /** Maps a unique-index failure (either engine's) to DUPLICATE_VALUE naming the record that holds the value. */
  async function duplicateError(trx: Db, obj: ObjectDef, cells: Cells, e: unknown): Promise<never> {
    const column = uniqueViolationColumn(e);
    if (!column) throw e;
    const f = obj.byLowerName.get(column.toLowerCase());
    if (!f) throw e;
    const holder = await all(trx, `SELECT "Id" FROM ${q(obj.table)} WHERE ${q(f.name)} = ? LIMIT 1`, [cells.get(f) ?? null]);
    throw new SfError(400, "DUPLICATE_VALUE", `duplicate value found: ${f.name} duplicates value on record with id: ${String(holder[0]?.["Id"] ?? "")}`, [f.name]);
  }

  function contactName(obj: ObjectDef, cells: Cells): { expr: string; params: Cell[] } | undefined {
    if (obj.name !== "Contact") return undefined;
    const first = obj.byLowerName.get("firstname") as FieldDef;
    const last = obj.byLowerName.get("lastname") as FieldDef;
    if (!cells.has(first) && !cells.has(last)) return undefined;
    const params: Cell[] = [];
    const part = (f: FieldDef): string => {
      if (cells.has(f)) {
        params.push(cells.get(f) ?? null);
        return "coalesce(?, '')";
      }
      return `coalesce(${q(f.name)}, '')`;
    };
    const expr = `trim(${part(first)} || ' ' || ${part(last)})`;
    return { expr, params };
  }

  /** The columns and values of a new record (audit fields, default owner, Contact's Name). */
  function insertRow(obj: ObjectDef, cells: Cells, id: string, now: string, userId: string): { cols: string[]; vals: Cell[] } {
    const cols = ["Id", "CreatedDate", "CreatedById", "LastModifiedDate", "LastModifiedById", "SystemModstamp", "IsDeleted"];
    const vals: Cell[] = [id, now, userId, now, userId, now, 0];
    const owner = obj.byLowerName.get("ownerid");
    if (owner && !cells.has(owner)) {
      cols.push("OwnerId");
      vals.push(userId);
    }
    for (const [f, v] of cells) {
      cols.push(f.name);
      vals.push(v);
    }
    if (obj.name === "Contact") {
      cols.push("Name");
      vals.push([cells.get(obj.byLowerName.get("firstname") as FieldDef), cells.get(obj.byLowerName.get("lastname") as FieldDef)].filter((v) => v != null && v !== "").join(" "));
    }
    return { cols, vals };
  }

  /** Inserts one record; returns its 18-char id. */
  async function insert(trx: Db, obj: ObjectDef, cells: Cells, userId: string): Promise<string> {
    missingRequired(obj, cells, true);
    const id = await newId(trx, obj);
    const { cols, vals } = insertRow(obj, cells, id, stamp(), userId);
    try {
      await execUndoable(trx, `INSERT INTO ${q(obj.table)} (${cols.map(q).join(", ")}) VALUES (${vals.map(() => "?").join(", ")})`, vals);
    } catch (e) {
      await duplicateError(trx, obj, cells, e);
    }
    return id;
  }

  /** The canonical id an update names, after the checks the update makes before touching SQLite. */
  function checkedUpdateId(obj: ObjectDef, rawId: string, cells: Cells): string {
    const id = normalizeId(rawId);
    if (!id || id.slice(0, 3) !== obj.keyPrefix) throw new SfError(404, "NOT_FOUND", `Provided external ID field does not exist or is not accessible: ${rawId}`);
    missingRequired(obj, cells, false);
    return id;
  }

  /** Updates one live record; NOT_FOUND when there is none. */
  async function update(trx: Db, obj: ObjectDef, rawId: string, cells: Cells, userId: string): Promise<string> {
    const id = checkedUpdateId(obj, rawId, cells);
    const now = stamp();
    const sets = [`"LastModifiedDate" = ?`, `"LastModifiedById" = ?`, `"SystemModstamp" = ?`];
    const params: Cell[] = [now, userId, now];
    const name = contactName(obj, cells);
    if (name) {
      sets.push(`"Name" = ${name.expr}`);
      params.push(...name.params);
    }
    for (const [f, v] of cells) {
      sets.push(`${q(f.name)} = ?`);
      params.push(v);
    }
    let changes = 0;
    try {
      changes = (await execUndoable(trx, `UPDATE ${q(obj.table)} SET ${sets.join(", ")} WHERE "Id" = ? AND "IsDeleted" = 0`, [...params, id])).changes;
    } catch (e) {
      await duplicateError(trx, obj, cells, e);
    }
    if (changes === 0) throw new SfError(404, "ENTITY_IS_DELETED", `entity is deleted or does not exist: ${rawId}`);
    return id;
  }

  /** Live record ids whose external id field equals the value (case-insensitive for text). */
  async function idsByExternal(trx: Db, obj: ObjectDef, f: FieldDef, value: Cell): Promise<string[]> {
    const rows = await all(trx, `SELECT "Id" FROM ${q(obj.table)} WHERE ${q(f.name)} = ? AND "IsDeleted" = 0 LIMIT 3`, [value]);
    return rows.map((r) => String(r["Id"]));
  }

  /** The field upserts match on: an external id field, or Id. */
  function externalField(obj: ObjectDef, name: string): FieldDef {
    const f = obj.byLowerName.get(name.toLowerCase());
    if (!f || (!f.externalId && f.name !== "Id")) {
      throw new SfError(404, "NOT_FOUND", `Provided external ID field does not exist or is not accessible: ${name}`);
    }
    return f;
  }

  /**
   * PostgreSQL: an upsert looks its key up and then inserts or updates; two processes upserting
   * one new key at once would both find nothing and both insert. Each key value hashes to one of
   * UPSERT_LOCK_BUCKETS advisory locks per field, held to the end of the caller's transaction, so
   * the second waits, then finds the first's record and updates it. A batch takes its buckets in
   * ascending order (two batches never wait on each other in a circle) and at most
   * UPSERT_LOCK_BUCKETS of them, well inside the server's lock table. SQLite has one writer.
   */
  async function lockUpsertKeys(trx: Db, obj: ObjectDef, f: FieldDef, values: Cell[]): Promise<void> {
    if (!pg || values.length === 0) return;
    const buckets = new Set(values.map((v) => upsertBucket(obj, f, v)));
    await exec(trx, `SELECT pg_advisory_xact_lock(?, k) FROM unnest(?::int[]) AS k`, [UPSERT_LOCK_SPACE, [...buckets].sort((a, b) => a - b)]);
  }

  /** Upserts one record by an external id value: 300-style error on duplicates. */
  async function upsert(trx: Db, obj: ObjectDef, f: FieldDef, rawValue: unknown, cells: Cells, userId: string): Promise<{ id: string; created: boolean }> {
    if (f.name === "Id") {
      if (rawValue === undefined || rawValue === null || rawValue === "") return { id: await insert(trx, obj, cells, userId), created: true };
      return { id: await update(trx, obj, String(rawValue), cells, userId), created: false };
    }
    const value = toCell(f, rawValue, typeof rawValue === "string");
    if (value === null) throw new SfError(400, "MISSING_ARGUMENT", `${f.name} not specified`, [f.name]);
    // The key's lock lasts to the end of a transaction, so a lone upsert gets one of its own.
    if (pg && !(trx as Kysely<object>).isTransaction) return db.transaction().execute((t) => upsert(t, obj, f, rawValue, cells, userId));
    await lockUpsertKeys(trx, obj, f, [value]);
    const ids = await idsByExternal(trx, obj, f, value);
    if (ids.length > 1) throw new SfError(300, "MULTIPLE_CHOICES", `More than one record found for external id field ${f.name}: ${ids.join(", ")}`, [f.name]);
    const withKey: Cells = new Map(cells);
    withKey.set(f, value);
    if (ids.length === 1) return { id: await update(trx, obj, ids[0] as string, withKey, userId), created: false };
    return { id: await insert(trx, obj, withKey, userId), created: true };
  }

  /** What the one-record path does with an item of writeMany (also its fallback). */
  async function writeOne(trx: Db, obj: ObjectDef, mode: ManyMode, item: ManyItem, userId: string): Promise<{ id: string; created: boolean }> {
    switch (mode.kind) {
      case "insert":
        return { id: await insert(trx, obj, item.cells, userId), created: true };
      case "update":
        return { id: await update(trx, obj, item.rawId ?? "", item.cells, userId), created: false };
      case "upsert":
        return upsert(trx, obj, mode.field, item.rawValue, item.cells, userId);
    }
  }

  /**
   * The multi-row statements for planned writes: an INSERT and an UPDATE … RETURNING "Id" (the ids
   * that come back are the records that were live) per group of rows, reading their rows from a
   * VALUES list on SQLite and from one array per column (`unnest`) on PostgreSQL.
   */
  function plannedStatements(obj: ObjectDef, planned: Planned[], userId: string): Array<{ text: string; params: Array<Cell | Cell[]>; returnsIds: boolean }> {
    const now = stamp();
    const table = q(obj.table);
    // Inserts keep their order (rowid order is what unordered queries and paging follow), so
    // they share one column list: a column a record does not set gets the column's default.
    const newRows: Array<Array<Cell | undefined>> = [];
    const insertCols: string[] = [];
    const known = new Map<string, number>();
    const updates = new Map<string, { fields: FieldDef[]; rows: Planned[] }>();
    for (const p of planned) {
      if (p.kind === "insert") {
        const { cols, vals } = insertRow(obj, p.cells, p.id, now, userId);
        const row: Array<Cell | undefined> = [];
        cols.forEach((c, k) => {
          let at = known.get(c);
          if (at === undefined) {
            at = insertCols.push(c) - 1;
            known.set(c, at);
          }
          row[at] = vals[k] ?? null;
        });
        newRows.push(row);
      } else {
        const fields = [...p.cells.keys()];
        const sig = fields.map((f) => f.name).sort().join("\u0000");
        const group = updates.get(sig) ?? { fields, rows: [] };
        group.rows.push(p);
        updates.set(sig, group);
      }
    }
    const out: Array<{ text: string; params: Array<Cell | Cell[]>; returnsIds: boolean }> = [];
    if (newRows.length > 0) {
      const cols = insertCols;
      // Every column insertRow writes is a field of the object (the audit fields included).
      const defs = cols.map((c) => {
        const f = obj.byLowerName.get(c.toLowerCase());
        if (!f) throw new Error(`${obj.name} has no field for column ${c}`);
        return f;
      });
      // Only booleans have a column default (0, NOT NULL); every other column defaults to null.
      const fallback = defs.map((f) => (f.type === "boolean" ? 0 : null));
      if (pg) {
        // PostgreSQL: one array per column through unnest, as for updates (a statement text that
        // does not depend on the row count, parsed once per connection). ORDER BY the ordinality
        // makes the insertion order, which "_row" records, the batch's order by definition.
        const names = cols.map((_, k) => `c${k}`);
        const text = `INSERT INTO ${table} (${cols.map(q).join(", ")}) SELECT ${names.join(", ")} FROM unnest(${defs.map(arrayParamOf).join(", ")}) WITH ORDINALITY AS v(${names.join(", ")}, n) ORDER BY n`;
        for (let at = 0; at < newRows.length; at += MAX_ROWS_PER_STATEMENT) {
          const slice = newRows.slice(at, at + MAX_ROWS_PER_STATEMENT);
          const params = cols.map((_, k) => slice.map((row) => (row[k] !== undefined ? (row[k] as Cell) : (fallback[k] as Cell))));
          out.push({ text, params, returnsIds: false });
        }
      } else {
        const per = Math.max(1, Math.min(MAX_ROWS_PER_STATEMENT, Math.floor(MAX_PARAMS_PER_STATEMENT / cols.length)));
        const tuple = `(${cols.map(() => "?").join(", ")})`;
        for (let at = 0; at < newRows.length; at += per) {
          const slice = newRows.slice(at, at + per);
          const params: Cell[] = [];
          for (const row of slice) for (let k = 0; k < cols.length; k++) params.push(row[k] !== undefined ? (row[k] as Cell) : (fallback[k] as Cell));
          out.push({ text: `INSERT INTO ${table} (${cols.map(q).join(", ")}) VALUES ${slice.map(() => tuple).join(", ")}`, params, returnsIds: false });
        }
      }
    }
    for (const { fields, rows } of updates.values()) {
      // v.column1 is the Id; v.column{k + 2} is fields[k]. Right-hand sides see the row before the update.
      const column = (f: FieldDef): string => `v.column${fields.indexOf(f) + 2}`;
      const sets = [`"LastModifiedDate" = ?`, `"LastModifiedById" = ?`, `"SystemModstamp" = ?`];
      if (obj.name === "Contact") {
        const first = obj.byLowerName.get("firstname") as FieldDef;
        const last = obj.byLowerName.get("lastname") as FieldDef;
        const part = (f: FieldDef): string => `coalesce(${fields.includes(f) ? column(f) : `${table}.${q(f.name)}`}, '')`;
        if (fields.includes(first) || fields.includes(last)) sets.push(`"Name" = trim(${part(first)} || ' ' || ${part(last)})`);
      }
      for (const f of fields) sets.push(`${q(f.name)} = ${column(f)}`);
      if (pg) {
        // PostgreSQL: one array per column, zipped by unnest, so the statement's text and its
        // parameter count are the same for any number of rows (one prepared statement, planned
        // once, binding a few arrays instead of hundreds of values). The `"Id" = ANY(…)` term
        // repeats the join key as an index condition: without it the planner, seeing the join
        // alone, hashes the whole table (a sequential scan per call) once the row estimate makes
        // that look cheaper than one index probe per row.
        const arrays = ["CAST(? AS TEXT[])", ...fields.map((f) => arrayParamOf(f))];
        const names = ["column1", ...fields.map((_, k) => `column${k + 2}`)];
        const text = `UPDATE ${table} SET ${sets.join(", ")} FROM unnest(${arrays.join(", ")}) AS v(${names.join(", ")}) WHERE ${table}."Id" = ANY(CAST(? AS TEXT[])) AND ${table}."Id" = v.column1 AND ${table}."IsDeleted" = 0 RETURNING ${table}."Id"`;
        for (let at = 0; at < rows.length; at += MAX_ROWS_PER_STATEMENT) {
          const slice = rows.slice(at, at + MAX_ROWS_PER_STATEMENT);
          const ids = slice.map((p) => p.id);
          const params: Array<Cell | Cell[]> = [now, userId, now, ids, ...fields.map((f) => slice.map((p) => p.cells.get(f) ?? null)), ids];
          out.push({ text, params, returnsIds: true });
        }
        continue;
      }
      const per = Math.max(1, Math.min(MAX_ROWS_PER_STATEMENT, Math.floor(MAX_PARAMS_PER_STATEMENT / (fields.length + 1))));
      const tuple = `(${["?", ...fields.map(() => "?")].join(", ")})`;
      for (let at = 0; at < rows.length; at += per) {
        const slice = rows.slice(at, at + per);
        const params: Cell[] = [now, userId, now];
        for (const p of slice) {
          params.push(p.id);
          for (const f of fields) params.push(p.cells.get(f) ?? null);
        }
        out.push({
          text: `UPDATE ${table} SET ${sets.join(", ")} FROM (VALUES ${slice.map(() => tuple).join(", ")}) AS v WHERE ${table}."Id" = v.column1 AND ${table}."IsDeleted" = 0 RETURNING ${table}."Id"`,
          params,
          returnsIds: true,
        });
      }
    }
    return out;
  }

  /** The unique fields (each once) that planned rows set to a value. */
  function uniqueFieldsOf(planned: Planned[]): FieldDef[] {
    const found = new Set<FieldDef>();
    for (const p of planned) for (const [f, v] of p.cells) if (f.unique && v !== null) found.add(f);
    return [...found];
  }

  /**
   * Decides, before writing, which planned rows a unique index would refuse, so one multi-row
   * statement writes the rest with the outcome of writing them one at a time in order. The
   * database itself says which stored record holds each new value (its own case-blind
   * comparison, deleted records included, as the index does). Returns the refused rows (item
   * position → the error the one-record path gives), or undefined when order could matter and the
   * batch must go one record at a time: two rows of the batch setting one value, a value held by
   * another record of the batch (a swap: one by one the first write fails, a multi-row statement
   * might pass), or a row refused on two fields (which index reports first is the database's
   * choice). Past the screen, the batch holds no value twice and takes none from its own records,
   * so it passes in any row order exactly when each row passes one by one; a row written by
   * another process meanwhile makes the statement fail, and the caller replays one at a time.
   */
  async function screenUniques(trx: Db, obj: ObjectDef, planned: Planned[], plannedIds: Set<string>, uniques: FieldDef[]): Promise<Map<number, SfError> | undefined> {
    const table = q(obj.table);
    const clash = new Map<number, { f: FieldDef; holder: string }>();
    for (const f of uniques) {
      const rows = planned.filter((p) => p.cells.has(f) && p.cells.get(f) !== null);
      const seen = new Set<string>();
      for (const p of rows) {
        const key = nocaseKey(p.cells.get(f));
        if (seen.has(key)) return undefined;
        seen.add(key);
      }
      // v.column1 is the row's place in `rows`; the column's collation (left of =) decides equality on both engines.
      const tuple = `(${pg ? "CAST(? AS BIGINT)" : "?"}, ${paramOf(f, pg ? "postgres" : "sqlite")})`;
      for (let at = 0; at < rows.length; at += LOOKUP_CHUNK) {
        const slice = rows.slice(at, at + LOOKUP_CHUNK);
        const params: Cell[] = [];
        slice.forEach((p, k) => params.push(at + k, p.cells.get(f) ?? null));
        const holders = await all(trx, `SELECT v.column1 AS i, t."Id" AS id FROM ${table} AS t JOIN (VALUES ${slice.map(() => tuple).join(", ")}) AS v ON t.${q(f.name)} = v.column2`, params);
        for (const h of holders) {
          const p = rows[Number(h["i"])] as Planned;
          const holder = String(h["id"]);
          if (holder === p.id) continue;
          if (plannedIds.has(holder) || clash.has(p.at)) return undefined;
          clash.set(p.at, { f, holder });
        }
      }
    }
    const refused = new Map<number, SfError>();
    if (clash.size === 0) return refused;
    // One by one, an update of a record that is gone finds no row to write and says so; only a live one meets the index.
    const updates = planned.filter((p) => p.kind === "update" && clash.has(p.at));
    const live = new Set<string>();
    for (let at = 0; at < updates.length; at += LOOKUP_CHUNK) {
      const ids = updates.slice(at, at + LOOKUP_CHUNK).map((p) => p.id);
      for (const r of await all(trx, `SELECT "Id" FROM ${table} WHERE "Id" IN (${ids.map(() => "?").join(", ")}) AND "IsDeleted" = 0`, ids)) live.add(String(r["Id"]));
    }
    for (const p of planned) {
      const c = clash.get(p.at);
      if (!c) continue;
      refused.set(
        p.at,
        p.kind === "update" && !live.has(p.id)
          ? new SfError(404, "ENTITY_IS_DELETED", `entity is deleted or does not exist: ${p.rawId}`)
          : new SfError(400, "DUPLICATE_VALUE", `duplicate value found: ${c.f.name} duplicates value on record with id: ${c.holder}`, [c.f.name]),
      );
    }
    return refused;
  }

  /**
   * PostgreSQL: the live records holding any of `values` in the key field, in insertion order,
   * each once. One index probe per value: a lateral subquery the planner may not flatten (OFFSET
   * 0) looks each value up on its own. Given `key IN (…900 values…)` instead, the planner costs
   * 900 probes above one pass over the table, and that pass hashes every row's key through the
   * case-blind ICU collation: 11 ms for 8,000 Accounts, growing with the table, where the probes
   * stay near 1 ms.
   */
  async function lookupKeysByIndex(trx: Db, obj: ObjectDef, keyField: FieldDef, values: Cell[]): Promise<Row[]> {
    const key = q(keyField.name);
    const rows = await execPrepared(
      trx,
      `SELECT t."Id", t.k, t.o FROM unnest(${arrayParamOf(keyField)}) AS w(v) CROSS JOIN LATERAL (SELECT "Id", ${key} AS k, "_row" AS o FROM ${q(obj.table)} WHERE ${key} = w.v AND "IsDeleted" = 0 OFFSET 0) AS t`,
      [values],
    );
    // Two values the collation holds equal (beyond what nocaseKey folds) find one record twice.
    const seen = new Set<string>();
    return rows.rows
      .filter((r) => {
        const id = String(r["Id"]);
        if (seen.has(id)) return false;
        seen.add(id);
        return true;
      })
      .sort((a, b) => Number(a["o"]) - Number(b["o"]));
  }

  /**
   * Writes many records of one object, with the same outcome, record by record, as calling
   * insert, update or upsert for each item in order — but with one `IN (…)` lookup per 900
   * upsert keys and multi-row writes instead of a lookup and a write per record (through Kysely,
   * every statement is compiled afresh, so statement count is what costs, and on PostgreSQL each
   * one is a round trip). Call it inside a transaction. A batch that sets a unique column is
   * screened first (screenUniques: the records a unique index would refuse are reported and left
   * out) and written under a savepoint; when the screen cannot settle the order, or the database
   * refuses the batch after all, the rest goes one record at a time, so constraint errors are
   * reported exactly as before. A batch without unique columns takes no savepoint on PostgreSQL.
   */
  async function writeMany(trx: Db, obj: ObjectDef, mode: ManyMode, items: ManyItem[], userId: string): Promise<ManyOutcome[]> {
    const out: ManyOutcome[] = [];
    const oneByOne = async (from: number): Promise<ManyOutcome[]> => {
      for (let i = from; i < items.length; i++) {
        try {
          out[i] = { ok: true, ...(await writeOne(trx, obj, mode, items[i] as ManyItem, userId)) };
        } catch (e) {
          out[i] = { ok: false, error: e };
          // The one-record callers stop at an unexpected error (it aborts the transaction).
          if (!(e instanceof SfError)) return out.slice(0, i + 1);
        }
      }
      return out;
    };
    const keyField = mode.kind === "upsert" && mode.field.name !== "Id" ? mode.field : undefined;
    if (items.length < 2) return oneByOne(0);

    // Pass 1: the key values upserts match on, then the live records holding them. Updates by Id
    // need no lookup: the UPDATE's RETURNING says which records were live.
    const keyValues: Array<{ value: Cell } | { error: unknown } | undefined> = [];
    const wantKeys = new Map<string, Cell>();
    if (keyField) {
      items.forEach((it, i) => {
        try {
          const value = toCell(keyField, it.rawValue, typeof it.rawValue === "string");
          keyValues[i] = { value };
          if (value !== null) wantKeys.set(nocaseKey(value), value);
        } catch (e) {
          keyValues[i] = { error: e };
        }
      });
    }
    const byKey = new Map<string, string[]>();
    if (keyField) {
      const values = [...wantKeys.values()];
      if (pg && !(trx as Kysely<object>).isTransaction) throw new Error("writeMany upserts on PostgreSQL run inside a transaction (their key locks last to its end)");
      await lockUpsertKeys(trx, obj, keyField, values);
      for (let at = 0; at < values.length; at += LOOKUP_CHUNK) {
        const slice = values.slice(at, at + LOOKUP_CHUNK);
        // rowid order is the order the one-record lookup (index on the key, then rowid) lists duplicates in.
        const rows = pg ? await lookupKeysByIndex(trx, obj, keyField, slice) : await all(trx, `SELECT "Id", ${q(keyField.name)} AS k FROM ${q(obj.table)} WHERE ${q(keyField.name)} IN (${slice.map(() => "?").join(", ")}) AND "IsDeleted" = 0 ORDER BY rowid`, slice);
        for (const r of rows) {
          const id = String(r["Id"]);
          const key = nocaseKey(r["k"]);
          const held = byKey.get(key);
          if (held) held.push(id);
          else byKey.set(key, [id]);
        }
      }
    }

    // Pass 2: decide each item in order against that state (kept current as the plan inserts),
    // writing a batch whenever the next item touches a record the batch already holds.
    const pending: Planned[] = [];
    const pendingIds = new Set<string>();
    const flush = async (): Promise<boolean> => {
      if (pending.length === 0) return true;
      // Only a unique index can refuse a planned row (values, required fields and ids were checked
      // above); a batch that sets a unique column is screened first, and what the screen cannot
      // settle goes one record at a time.
      const uniques = uniqueFieldsOf(pending);
      let batch = pending;
      if (uniques.length > 0) {
        const refused = await screenUniques(trx, obj, pending, pendingIds, uniques);
        if (!refused) return false;
        for (const [at, error] of refused) {
          out[at] = { ok: false, error };
          // A refused upsert insert made no record: a later item with its key inserts (and is screened) again.
          const p = pending.find((x) => x.at === at) as Planned;
          if (keyField && p.kind === "insert") {
            const key = nocaseKey(p.cells.get(keyField));
            if (byKey.get(key)?.[0] === p.id) byKey.delete(key);
          }
        }
        if (refused.size > 0) batch = pending.filter((p) => !refused.has(p.at));
      }
      const statements = plannedStatements(obj, batch, userId);
      // A statement the database may refuse runs under a savepoint, so the batch can be undone and
      // replayed one record at a time: on PostgreSQL a refused statement aborts the whole
      // transaction, and on SQLite a second statement must not keep the first's rows. A batch
      // without unique columns cannot be refused on PostgreSQL, and a savepoint there is two round trips.
      const guarded = uniques.length > 0 || (!pg && statements.length > 1);
      const updated = new Set<string>();
      if (guarded) await exec(trx, "SAVEPOINT crm_write_many");
      try {
        for (const st of statements) {
          const { rows } = await execPrepared(trx, st.text, st.params);
          if (st.returnsIds) for (const r of rows) updated.add(String(r["Id"]));
        }
      } catch (e) {
        if (!guarded && pg) throw e;
        if (guarded) {
          await exec(trx, "ROLLBACK TO crm_write_many");
          await exec(trx, "RELEASE crm_write_many");
        }
        for (const p of pending) delete out[p.at];
        return false;
      }
      if (guarded) await exec(trx, "RELEASE crm_write_many");
      for (const p of batch) {
        if (p.kind === "insert" || updated.has(p.id)) out[p.at] = { ok: true, id: p.id, created: p.kind === "insert" };
        else out[p.at] = { ok: false, error: new SfError(404, "ENTITY_IS_DELETED", `entity is deleted or does not exist: ${p.rawId}`) };
      }
      pending.length = 0;
      pendingIds.clear();
      return true;
    };
    const updateOf = (i: number, rawId: string, cells: Cells): Planned => ({ at: i, kind: "update", id: checkedUpdateId(obj, rawId, cells), rawId, cells });
    const insertOf = async (i: number, cells: Cells): Promise<Planned> => {
      missingRequired(obj, cells, true);
      // Draws enough ids for the rest of the batch at once (PostgreSQL).
      const id = await newId(trx, obj, items.length - i);
      return { at: i, kind: "insert", id, rawId: id, cells };
    };
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as ManyItem;
      let planned: Planned;
      try {
        if (mode.kind === "insert") planned = await insertOf(i, item.cells);
        else if (mode.kind === "update") planned = updateOf(i, item.rawId ?? "", item.cells);
        else if (!keyField) planned = item.rawValue === undefined || item.rawValue === null || item.rawValue === "" ? await insertOf(i, item.cells) : updateOf(i, String(item.rawValue), item.cells);
        else {
          const kv = keyValues[i];
          if (kv && "error" in kv) throw kv.error;
          const value = kv ? kv.value : null;
          if (value === null) throw new SfError(400, "MISSING_ARGUMENT", `${keyField.name} not specified`, [keyField.name]);
          const key = nocaseKey(value);
          const ids = byKey.get(key) ?? [];
          if (ids.length > 1) throw new SfError(300, "MULTIPLE_CHOICES", `More than one record found for external id field ${keyField.name}: ${ids.slice(0, 3).join(", ")}`, [keyField.name]);
          const withKey: Cells = new Map(item.cells);
          withKey.set(keyField, value);
          if (ids.length === 1) planned = updateOf(i, ids[0] as string, withKey);
          else {
            planned = await insertOf(i, withKey);
            byKey.set(key, [planned.id]);
          }
        }
      } catch (e) {
        if (!(e instanceof SfError)) throw e;
        out[i] = { ok: false, error: e };
        continue;
      }
      if (pendingIds.has(planned.id)) {
        const from = (pending[0] as Planned).at;
        if (!(await flush())) return oneByOne(from);
        // The flush may have refused the record this item named (an upsert's insert): decide the item again.
        i--;
        continue;
      }
      pending.push(planned);
      pendingIds.add(planned.id);
    }
    if (pending.length > 0) {
      const from = (pending[0] as Planned).at;
      if (!(await flush())) return oneByOne(from);
    }
    return out;
  }

  /**
   * Whether writeMany sends exactly one statement, and no savepoint, for these items on
   * PostgreSQL: updates by Id of two or more distinct records that all set the same fields, none
   * of them unique, few enough for one statement. Such a write is atomic on its own, so a caller
   * that would undo nothing of it may leave out BEGIN and COMMIT (two round trips). Items whose
   * Id is malformed or that leave a required field empty are refused before anything is sent
   * and do not count.
   */
  function writesInOneStatement(obj: ObjectDef, mode: ManyMode, items: ManyItem[]): boolean {
    if (!pg || mode.kind !== "update" || items.length < 2) return false;
    let fields: FieldDef[] | undefined;
    const ids = new Set<string>();
    for (const item of items) {
      let id: string;
      try {
        id = checkedUpdateId(obj, item.rawId ?? "", item.cells);
      } catch {
        continue;
      }
      if (ids.has(id)) return false;
      ids.add(id);
      const keys = [...item.cells.keys()];
      if (keys.some((f) => f.unique)) return false;
      if (!fields) fields = keys;
      else if (keys.length !== fields.length || keys.some((f) => !(fields as FieldDef[]).includes(f))) return false;
    }
    if (!fields) return false;
    return ids.size <= Math.max(1, Math.min(MAX_ROWS_PER_STATEMENT, Math.floor(MAX_PARAMS_PER_STATEMENT / (fields.length + 1))));
  }

  /** Soft-deletes a record (IsDeleted = true keeps it for queryAll). */
  async function remove(trx: Db, obj: ObjectDef, rawId: string): Promise<string> {
    const id = normalizeId(rawId);
    if (!id || id.slice(0, 3) !== obj.keyPrefix) throw new SfError(404, "NOT_FOUND", `The requested resource does not exist`);
    const now = stamp();
    const { changes } = await exec(trx, `UPDATE ${q(obj.table)} SET "IsDeleted" = 1, "SystemModstamp" = ? WHERE "Id" = ? AND "IsDeleted" = 0`, [now, id]);
    if (changes === 0) throw new SfError(404, "ENTITY_IS_DELETED", `entity is deleted or does not exist: ${rawId}`);
    return id;
  }

  /** Reads one live record as JSON, optionally only some fields. */
  async function retrieve(trx: Db, obj: ObjectDef, rawId: string, fieldNames?: string[]): Promise<Record<string, unknown> | undefined> {
    const id = normalizeId(rawId);
    if (!id || id.slice(0, 3) !== obj.keyPrefix) return undefined;
    const fields = fieldNames ? fieldNames.map((n) => resolveField(obj, n)) : obj.fields;
    const rows = await all(trx, `SELECT ${fields.map((f) => q(f.name)).join(", ")} FROM ${q(obj.table)} WHERE "Id" = ? AND "IsDeleted" = 0`, [id]);
    const row = rows[0];
    if (!row) return undefined;
    const out: Record<string, unknown> = {};
    for (const f of fields) out[f.name] = fromCell(f, row[f.name]);
    return out;
  }

  function resolveField(obj: ObjectDef, name: string): FieldDef {
    const f = obj.byLowerName.get(name.trim().toLowerCase());
    if (!f) throw new SfError(400, "INVALID_FIELD", `No such column '${name}' on sobject of type ${obj.name}`, [name]);
    return f;
  }

  return {
    db,
    reload,
    /**
     * Reloads metadata when another connection (e.g. `pendulum crm field add`) changed the file.
     * On PostgreSQL a statement given as `alongside` (one that returns a `used` column, such as
     * the API budget's take) runs in the same round trip, and its `used` is returned; every API
     * call makes both, and a round trip costs the process more than either statement.
     */
    async refreshIfChanged(alongside?: { sql: string; params: unknown[] }): Promise<unknown> {
      // SQLite counts other connections' commits; PostgreSQL has no such counter, so there the
      // custom-field table's size and newest stamp say whether a field came or went.
      const fieldsVersion = `SELECT count(*) AS n, max("SystemModstamp") AS m, max("_row") AS r FROM crm_fields`;
      let alongsideUsed: unknown;
      let v: string | number;
      if (pg) {
        const rows = alongside
          ? await all(db, `WITH spent AS (${alongside.sql}) SELECT (SELECT used FROM spent) AS used, f.n, f.m, f.r FROM (${fieldsVersion}) AS f`, alongside.params)
          : await all(db, fieldsVersion);
        const row = rows[0] ?? {};
        alongsideUsed = row["used"];
        v = JSON.stringify({ n: row["n"], m: row["m"], r: row["r"] });
      } else {
        if (alongside) throw new Error("refreshIfChanged runs a statement alongside only on PostgreSQL");
        v = Number((await all(db, "PRAGMA data_version"))[0]?.["data_version"]);
      }
      if (v !== dataVersion) {
        dataVersion = v;
        await reload();
      }
      return alongsideUsed;
    },
    objects: () => [...objects.values()],
    object: (name: string): ObjectDef | undefined => objects.get(name.toLowerCase()),
    /** The object or Salesforce's INVALID_TYPE/NOT_FOUND. */
    requireObject(name: string, status: 400 | 404 = 404): ObjectDef {
      const o = objects.get(name.toLowerCase());
      if (!o) throw status === 404 ? new SfError(404, "NOT_FOUND", "The requested resource does not exist") : new SfError(400, "INVALID_TYPE", `sObject type '${name}' is not supported.`);
      return o;
    },
    resolveField,
    /** Live (not deleted) records of an object, for `/limits/recordCount`. */
    async liveCount(obj: ObjectDef): Promise<number> {
      const rows = await all(db, `SELECT count(*) AS n FROM ${q(obj.table)} WHERE "IsDeleted" = 0`);
      return Number(rows[0]?.["n"] ?? 0);
    },
    prepare,
    insert,
    update,
    upsert,
    writeMany,
    writesInOneStatement,
    externalField,
    remove,
    retrieve,
    /** Runs `fn` in one transaction; throwing Rollback undoes it and returns undefined. */
    async transaction<T>(fn: (trx: Transaction<object>) => Promise<T>): Promise<T | undefined> {
      try {
        return await db.transaction().execute(fn);
      } catch (e) {
        if (e instanceof Rollback) return undefined;
        throw e;
      }
    },
    stamp,
    /**
     * After committed inserts of `written` records into an object: on PostgreSQL, refreshes the
     * planner's statistics once the table has about doubled since they were last taken. A table
     * loaded from empty by a Bulk job has none until autovacuum comes round (a minute or more), and
     * meanwhile the planner guesses its size from the first pages it saw, which misleads the plans
     * of SOQL queries on it. (Upsert key lookups probe the index per value whatever the
     * statistics say: lookupKeysByIndex.) SQLite plans from its indexes and needs nothing.
     */
    async noteWrites(obj: ObjectDef, written: number): Promise<void> {
      if (!pg || written <= 0) return;
      const t = growth.get(obj.table) ?? { base: 0, since: 0 };
      t.since += written;
      growth.set(obj.table, t);
      if (t.since < ANALYZE_AFTER_ROWS || t.since < t.base) return;
      if (analysing.has(obj.table)) return;
      t.base += t.since;
      t.since = 0;
      // Off the writer's path: the job's next chunk need not wait for the sampling (about 40 ms at
      // 10,000 Accounts, 200 at 50,000), which PostgreSQL runs on its own core meanwhile. A failed
      // ANALYZE loses nothing (autovacuum takes statistics later), so it is not reported.
      analysing.add(obj.table);
      void exec(db, `ANALYZE ${q(obj.table)}`, [])
        .catch(() => undefined)
        .finally(() => analysing.delete(obj.table));
    },
  };
}

/** Rows written to a table (in this process) before its statistics are first refreshed. */
const ANALYZE_AFTER_ROWS = 1000;

/** Converts a thrown error into a failed save result; unexpected errors keep propagating. */
export function failedResult(e: unknown, id: string | null = null): SaveResult {
  if (e instanceof SfError) return { id, success: false, errors: [e.toSaveError()] };
  throw e;
}
