import crypto from "node:crypto";
import type { Kysely } from "kysely";
import type { ModuleMigrations, Records } from "../../store/index.js";
import { EVERYONE, type SegmentGroup } from "./definition.js";

/** A saved segment; `definition` null means everyone (the built-in segment). */
export type Segment = { id: string; appId: string | null; name: string; definition: SegmentGroup | null; createdAt: number; updatedAt: number };

type SegmentTables = { segments: { id: string; app_id: string; name: string; definition: string; created_at: number; updated_at: number } };

export const segmentsMigrations: ModuleMigrations = {
  "analytics-0004-segments": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("segments")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("app_id", "text", (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("definition", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();
    },
  },
};

const everyone: Segment = { id: EVERYONE, appId: null, name: "Everyone", definition: null, createdAt: 0, updatedAt: 0 };

/** Saved segments over the records store, plus the built-in "Everyone". */
export function createSegmentStore(records: Records, now: () => number = Date.now) {
  const db = records.db.withTables<SegmentTables>();
  const toSegment = (r: SegmentTables["segments"]): Segment => ({ id: r.id, appId: r.app_id, name: r.name, definition: JSON.parse(r.definition) as SegmentGroup, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at) });
  return {
    async list(appId: string): Promise<Segment[]> {
      const rows = await db.selectFrom("segments").selectAll().where("app_id", "=", appId).orderBy("name").execute();
      return [everyone, ...rows.map(toSegment)];
    },
    async get(id: string): Promise<Segment | undefined> {
      if (id === EVERYONE) return everyone;
      const r = await db.selectFrom("segments").selectAll().where("id", "=", id).executeTakeFirst();
      return r ? toSegment(r) : undefined;
    },
    async save(input: { id?: string; appId: string; name: string; definition: SegmentGroup }): Promise<Segment> {
      const t = now();
      if (input.id) {
        await db.updateTable("segments").set({ name: input.name, definition: JSON.stringify(input.definition), updated_at: t }).where("id", "=", input.id).execute();
        return (await this.get(input.id)) as Segment;
      }
      const row = { id: crypto.randomUUID(), app_id: input.appId, name: input.name, definition: JSON.stringify(input.definition), created_at: t, updated_at: t };
      await db.insertInto("segments").values(row).execute();
      return toSegment(row);
    },
    async delete(id: string): Promise<boolean> {
      const r = await db.deleteFrom("segments").where("id", "=", id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
  };
}

export type SegmentStore = ReturnType<typeof createSegmentStore>;
