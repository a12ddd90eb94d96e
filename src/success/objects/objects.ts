import type { Kysely } from "kysely";
import { ApiError } from "../../kernel/index.js";
import { newId, readJson } from "../ids.js";
import { applyFilters, type Filter } from "../rules/filter.js";
import type { SuccessTables } from "../tables.js";
import { coerce, sameValue, type Scalar } from "../values.js";
import { SYSTEM_FIELDS, type CustomObject, type ObjectField } from "./object-definition.js";

type Db = Kysely<SuccessTables>;

/** A custom object record: its id and field values. */
export type ObjectRecord = { id: string; createdAt: number; updatedAt: number } & Record<string, Scalar>;

/** A record that could not be written, by its index in the batch. */
export type RecordProblem = { index: number; field: string; message: string };

/** How a batch of records is written: insert always adds; update changes matches; upsert does either. */
export type WriteOperation = "insert" | "update" | "upsert";

/** Custom objects (MDA) and their records. */
export function createObjects(db: Db, now: () => number) {
  async function find(name: string): Promise<CustomObject | undefined> {
    const r = await db.selectFrom("success_objects").selectAll().where("name", "=", name).executeTakeFirst();
    return r ? { name: r.name, label: r.label, fields: readJson<ObjectField[]>(r.fields, []) } : undefined;
  }

  async function require(name: string): Promise<CustomObject> {
    const o = await find(name);
    if (!o) throw new ApiError(404, "OBJECT_NOT_FOUND", `No custom object is named ${name}; define it with POST /api/v1/success/objects.`, "object");
    return o;
  }

  async function records(name: string): Promise<ObjectRecord[]> {
    const rows = await db.selectFrom("success_object_records").selectAll().where("object_name", "=", name).orderBy("created_at").orderBy("id").execute();
    return rows.map((r) => ({ ...readJson<Record<string, Scalar>>(r.data, {}), id: r.id, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at) }));
  }

  /** Reads a record's values against the object's fields. */
  function check(def: CustomObject, values: Record<string, unknown>, index: number, partial: boolean): { ok: true; data: Record<string, Scalar> } | { ok: false; problem: RecordProblem } {
    const data: Record<string, Scalar> = {};
    for (const [name, raw] of Object.entries(values)) {
      const f = def.fields.find((x) => x.name === name);
      if (!f) return { ok: false, problem: { index, field: name, message: `is not a field of ${def.name}` } };
      const c = coerce(raw, f.type);
      if (!c.ok) return { ok: false, problem: { index, field: name, message: c.message } };
      data[name] = c.value;
    }
    if (!partial) {
      for (const f of def.fields) {
        if (f.required && (data[f.name] === null || data[f.name] === undefined)) return { ok: false, problem: { index, field: f.name, message: "is required" } };
      }
    }
    return { ok: true, data };
  }

  return {
    find,
    require,
    /** The records a rule run wrote last (a later write takes a record over), with the object each belongs to. */
    async recordsOfRun(runId: string, limit: number): Promise<{ total: number; rows: (ObjectRecord & { object: string })[] }> {
      const total = await db.selectFrom("success_object_records").select((eb) => eb.fn.countAll<number>().as("n")).where("run_id", "=", runId).executeTakeFirstOrThrow();
      const rows = await db.selectFrom("success_object_records").selectAll().where("run_id", "=", runId).orderBy("created_at").orderBy("id").limit(limit).execute();
      return { total: Number(total.n), rows: rows.map((r) => ({ ...readJson<Record<string, Scalar>>(r.data, {}), id: r.id, object: r.object_name, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at) })) };
    },
    async list(): Promise<CustomObject[]> {
      const rows = await db.selectFrom("success_objects").selectAll().orderBy("name").execute();
      return rows.map((r) => ({ name: r.name, label: r.label, fields: readJson<ObjectField[]>(r.fields, []) }));
    },
    async define(def: CustomObject): Promise<CustomObject> {
      const names = def.fields.map((f) => f.name);
      const dup = names.find((n, i) => names.indexOf(n) !== i);
      if (dup) throw new ApiError(400, "DUPLICATE_FIELD", `The field ${dup} is defined twice.`, "fields");
      const reserved = names.find((n) => (SYSTEM_FIELDS as readonly string[]).includes(n));
      if (reserved) throw new ApiError(400, "RESERVED_FIELD", `${reserved} is kept by Pendulum on every record; name the field differently.`, "fields");
      if (await find(def.name)) throw new ApiError(409, "OBJECT_EXISTS", `A custom object named ${def.name} already exists.`, "name");
      await db.insertInto("success_objects").values({ name: def.name, label: def.label, fields: JSON.stringify(def.fields), created_at: now() }).execute();
      return def;
    },
    /** Adds fields to an object; existing fields keep their type so stored values stay valid. */
    async addFields(name: string, fields: ObjectField[]): Promise<CustomObject> {
      const def = await require(name);
      for (const f of fields) {
        if (def.fields.some((x) => x.name === f.name)) throw new ApiError(409, "FIELD_EXISTS", `${name} already has a field ${f.name}.`, "fields");
        if ((SYSTEM_FIELDS as readonly string[]).includes(f.name)) throw new ApiError(400, "RESERVED_FIELD", `${f.name} is kept by Pendulum on every record.`, "fields");
      }
      const next = { ...def, fields: [...def.fields, ...fields] };
      await db.updateTable("success_objects").set({ fields: JSON.stringify(next.fields) }).where("name", "=", name).execute();
      return next;
    },
    async remove(name: string): Promise<boolean> {
      const r = await db.deleteFrom("success_objects").where("name", "=", name).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
    records,
    /** Records matching rule-style filters. */
    async query(name: string, filters: Filter[], ruleDate: string, limit: number): Promise<ObjectRecord[]> {
      await require(name);
      return applyFilters(await records(name), filters, ruleDate).slice(0, limit);
    },
    /** Checks a batch without writing (rule preview). */
    async checkMany(name: string, items: Record<string, unknown>[], operation: WriteOperation): Promise<RecordProblem[]> {
      const def = await require(name);
      return items.flatMap((v, i) => {
        const r = check(def, v, i, operation === "update");
        return r.ok ? [] : [r.problem];
      });
    },
    /**
     * Writes a batch. Update and upsert find the record whose identifier fields equal the item's;
     * an update with no match is reported, never turned into an insert. Returns counts and problems.
     */
    async writeMany(
      name: string,
      items: Record<string, unknown>[],
      options: { operation: WriteOperation; identifiers: string[]; runId?: string | null },
    ): Promise<{ inserted: number; updated: number; unchanged: number; problems: RecordProblem[] }> {
      const def = await require(name);
      if (options.operation !== "insert" && options.identifiers.length === 0) {
        throw new ApiError(400, "IDENTIFIERS_REQUIRED", `${options.operation} on ${name} needs at least one field marked "include in identifiers".`, "identifiers");
      }
      const problems: RecordProblem[] = [];
      let inserted = 0;
      let updated = 0;
      let unchanged = 0;
      const keyOf = (data: Record<string, unknown>) => JSON.stringify(options.identifiers.map((f) => data[f] ?? null));
      await db.transaction().execute(async (trx) => {
        const existing = new Map<string, { id: string; data: Record<string, Scalar> }>();
        if (options.operation !== "insert") {
          const rows = await trx.selectFrom("success_object_records").select(["id", "data"]).where("object_name", "=", name).execute();
          for (const r of rows) {
            const data = readJson<Record<string, Scalar>>(r.data, {});
            existing.set(keyOf(data), { id: r.id, data });
          }
        }
        const t = now();
        for (const [index, item] of items.entries()) {
          const checked = check(def, item, index, options.operation === "update");
          if (!checked.ok) {
            problems.push(checked.problem);
            continue;
          }
          const match = options.operation === "insert" ? undefined : existing.get(keyOf(checked.data));
          if (match) {
            const merged = { ...match.data, ...checked.data };
            if (Object.keys(checked.data).every((k) => sameValue(match.data[k], checked.data[k]))) {
              unchanged++;
              continue;
            }
            await trx.updateTable("success_object_records").set({ data: JSON.stringify(merged), updated_at: t, run_id: options.runId ?? null }).where("id", "=", match.id).execute();
            match.data = merged;
            updated++;
            continue;
          }
          if (options.operation === "update") {
            problems.push({ index, field: options.identifiers.join(","), message: `no ${name} record has these identifier values` });
            continue;
          }
          const id = newId("rec");
          await trx.insertInto("success_object_records").values({ id, object_name: name, data: JSON.stringify(checked.data), created_at: t, updated_at: t, run_id: options.runId ?? null }).execute();
          if (options.operation === "upsert") existing.set(keyOf(checked.data), { id, data: checked.data });
          inserted++;
        }
      });
      return { inserted, updated, unchanged, problems };
    },
  };
}

export type Objects = ReturnType<typeof createObjects>;
