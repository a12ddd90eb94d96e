import type { Kysely } from "kysely";
import type { SuccessTables } from "../tables.js";

/** The admin's list of CRM objects and fields rules may write ("enable the Account object to be written to by a rule"). */
export type CrmWritable = { object: string; fields: string[] }[];

/** The CRM write allow-list. */
export function createWritable(db: Kysely<SuccessTables>) {
  return {
    async list(): Promise<CrmWritable> {
      const rows = await db.selectFrom("success_crm_writable").selectAll().orderBy("object_name").orderBy("field_name").execute();
      const byObject = new Map<string, string[]>();
      for (const r of rows) byObject.set(r.object_name, [...(byObject.get(r.object_name) ?? []), r.field_name]);
      return [...byObject.entries()].map(([object, fields]) => ({ object, fields }));
    },
    /** Replaces one object's writable fields (an empty list removes the object). */
    async set(object: string, fields: string[]): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom("success_crm_writable").where("object_name", "=", object).execute();
        if (fields.length > 0) await trx.insertInto("success_crm_writable").values([...new Set(fields)].map((f) => ({ object_name: object, field_name: f }))).execute();
      });
    },
    /** The fields of `object` rules may write; empty when the object is not allow-listed. */
    async fields(object: string): Promise<Set<string>> {
      const rows = await db.selectFrom("success_crm_writable").select("field_name").where("object_name", "=", object).execute();
      return new Set(rows.map((r) => r.field_name));
    },
  };
}

export type Writable = ReturnType<typeof createWritable>;
