import type { Kysely, Transaction } from "kysely";
import { SfError } from "./errors.js";
import { makeId, normalizeId } from "./ids.js";
import { q, type FieldDef, type ObjectDef } from "./metadata.js";
import { loadObjects, nextCounter } from "./schema.js";
import { all, exec, type Db } from "./sql.js";
import { fromCell, toCell, type Cell } from "./values.js";

/** The per-record outcome Collections, Composite and Bulk report. */
export type SaveResult = { id: string | null; success: boolean; errors: Array<{ statusCode: string; message: string; fields: string[] }>; created?: boolean };

/** Field values ready to store, keyed by field. */
export type Cells = Map<FieldDef, Cell>;

/** How a record body is being written. */
export type WriteMode = "insert" | "update" | "upsert";

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
  const counters = new Map<string, number>();
  let dataVersion = -1;

  async function reload(): Promise<void> {
    objects = await loadObjects(db);
    for (const o of objects.values()) if (!counters.has(o.table)) counters.set(o.table, await nextCounter(db, o.table));
  }

  function newId(obj: ObjectDef): string {
    const n = counters.get(obj.table) ?? 1;
    counters.set(obj.table, n + 1);
    return makeId(obj.keyPrefix, n);
  }

  function stamp(): string {
    return new Date(clock()).toISOString();
  }

  /** Turns a client's record body into cells, refusing unknown, read-only and malformed fields. */
  function prepare(obj: ObjectDef, body: Record<string, unknown>, mode: WriteMode, csv = false): Cells {
    const cells: Cells = new Map();
    const readOnly: string[] = [];
    for (const [key, value] of Object.entries(body)) {
      if (key === "attributes") continue;
      const f = obj.byLowerName.get(key.toLowerCase());
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

  /** Maps SQLite's unique-index failure to DUPLICATE_VALUE naming the record that holds the value. */
  async function duplicateError(trx: Db, obj: ObjectDef, cells: Cells, e: unknown): Promise<never> {
    const m = e instanceof Error ? /UNIQUE constraint failed: \w+\.(\w+)/.exec(e.message) : null;
    if (!m) throw e;
    const f = obj.byLowerName.get((m[1] as string).toLowerCase());
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

  /** Inserts one record; returns its 18-char id. */
  async function insert(trx: Db, obj: ObjectDef, cells: Cells, userId: string): Promise<string> {
    missingRequired(obj, cells, true);
    const id = newId(obj);
    const now = stamp();
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
    try {
      await exec(trx, `INSERT INTO ${q(obj.table)} (${cols.map(q).join(", ")}) VALUES (${vals.map(() => "?").join(", ")})`, vals);
    } catch (e) {
      await duplicateError(trx, obj, cells, e);
    }
    return id;
  }

  /** Updates one live record; NOT_FOUND when there is none. */
  async function update(trx: Db, obj: ObjectDef, rawId: string, cells: Cells, userId: string): Promise<string> {
    const id = normalizeId(rawId);
    if (!id || id.slice(0, 3) !== obj.keyPrefix) throw new SfError(404, "NOT_FOUND", `Provided external ID field does not exist or is not accessible: ${rawId}`);
    missingRequired(obj, cells, false);
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
      changes = (await exec(trx, `UPDATE ${q(obj.table)} SET ${sets.join(", ")} WHERE "Id" = ? AND "IsDeleted" = 0`, [...params, id])).changes;
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

  /** Upserts one record by an external id value: 300-style error on duplicates. */
  async function upsert(trx: Db, obj: ObjectDef, f: FieldDef, rawValue: unknown, cells: Cells, userId: string): Promise<{ id: string; created: boolean }> {
    if (f.name === "Id") {
      if (rawValue === undefined || rawValue === null || rawValue === "") return { id: await insert(trx, obj, cells, userId), created: true };
      return { id: await update(trx, obj, String(rawValue), cells, userId), created: false };
    }
    const value = toCell(f, rawValue, typeof rawValue === "string");
    if (value === null) throw new SfError(400, "MISSING_ARGUMENT", `${f.name} not specified`, [f.name]);
    const ids = await idsByExternal(trx, obj, f, value);
    if (ids.length > 1) throw new SfError(300, "MULTIPLE_CHOICES", `More than one record found for external id field ${f.name}: ${ids.join(", ")}`, [f.name]);
    const withKey: Cells = new Map(cells);
    withKey.set(f, value);
    if (ids.length === 1) return { id: await update(trx, obj, ids[0] as string, withKey, userId), created: false };
    return { id: await insert(trx, obj, withKey, userId), created: true };
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
    /** Reloads metadata when another connection (e.g. `pendulum crm field add`) changed the file. */
    async refreshIfChanged(): Promise<void> {
      const rows = await all(db, "PRAGMA data_version");
      const v = Number(rows[0]?.["data_version"]);
      if (v !== dataVersion) {
        dataVersion = v;
        await reload();
      }
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
    prepare,
    insert,
    update,
    upsert,
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
  };
}

/** Converts a thrown error into a failed save result; unexpected errors keep propagating. */
export function failedResult(e: unknown, id: string | null = null): SaveResult {
  if (e instanceof SfError) return { id, success: false, errors: [e.toSaveError()] };
  throw e;
}
