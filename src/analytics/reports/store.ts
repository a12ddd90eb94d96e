import crypto from "node:crypto";
import type { Kysely } from "kysely";
import type { ModuleMigrations, Records } from "../../store/index.js";
import type { ReportKind } from "./columns.js";

/** A date range: the last N days (today included, in the report's time zone) or fixed local dates. */
export type ReportRange = { last: 1 | 7 | 30 | 90 } | { from: string; to: string };

/** A saved account or visitor report. */
export type Report = {
  id: string;
  appId: string;
  name: string;
  kind: ReportKind;
  segmentId: string;
  range: ReportRange;
  timeZone: string;
  columns: string[];
  /** Shown on the admin UI's overview, with a chart of its main column. */
  pinned: boolean;
  createdAt: number;
  updatedAt: number;
};

type ReportTables = { reports: { id: string; app_id: string; name: string; kind: string; segment_id: string; range: string; time_zone: string; columns: string; created_at: number; updated_at: number; pinned: number } };

export const reportsMigrations: ModuleMigrations = {
  "analytics-0005-reports": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("reports")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("app_id", "text", (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("segment_id", "text", (c) => c.notNull())
        .addColumn("range", "text", (c) => c.notNull())
        .addColumn("time_zone", "text", (c) => c.notNull())
        .addColumn("columns", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();
    },
  },
  "analytics-0006-report-pins": {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable("reports").addColumn("pinned", "integer", (c) => c.notNull().defaultTo(0)).execute();
    },
  },
};

type ReportInput = Omit<Report, "id" | "createdAt" | "updatedAt" | "pinned">;

/** Saved reports over the records store. */
export function createReportStore(records: Records, now: () => number = Date.now) {
  const db = records.db.withTables<ReportTables>();
  const toReport = (r: ReportTables["reports"]): Report => ({
    id: r.id,
    appId: r.app_id,
    name: r.name,
    kind: r.kind as ReportKind,
    segmentId: r.segment_id,
    range: JSON.parse(r.range) as ReportRange,
    timeZone: r.time_zone,
    columns: JSON.parse(r.columns) as string[],
    pinned: Number(r.pinned) === 1,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  });
  const row = (id: string, r: ReportInput, created: number, pinned = 0) => ({
    id,
    app_id: r.appId,
    name: r.name,
    kind: r.kind,
    segment_id: r.segmentId,
    range: JSON.stringify(r.range),
    time_zone: r.timeZone,
    columns: JSON.stringify(r.columns),
    created_at: created,
    updated_at: now(),
    pinned,
  });
  return {
    async list(appId: string): Promise<Report[]> {
      return (await db.selectFrom("reports").selectAll().where("app_id", "=", appId).orderBy("name").execute()).map(toReport);
    },
    async get(id: string): Promise<Report | undefined> {
      const r = await db.selectFrom("reports").selectAll().where("id", "=", id).executeTakeFirst();
      return r ? toReport(r) : undefined;
    },
    async create(input: ReportInput): Promise<Report> {
      const r = row(crypto.randomUUID(), input, now());
      await db.insertInto("reports").values(r).execute();
      return toReport(r);
    },
    async update(id: string, input: ReportInput): Promise<Report | undefined> {
      const existing = await this.get(id);
      if (!existing) return undefined;
      const r = row(id, input, existing.createdAt, existing.pinned ? 1 : 0);
      await db.updateTable("reports").set(r).where("id", "=", id).execute();
      return toReport(r);
    },
    /** Pins a report to the overview or takes it off; false when there is no such report. */
    async pin(id: string, pinned: boolean): Promise<boolean> {
      return Number((await db.updateTable("reports").set({ pinned: pinned ? 1 : 0 }).where("id", "=", id).executeTakeFirst()).numUpdatedRows) > 0;
    },
    async delete(id: string): Promise<boolean> {
      return Number((await db.deleteFrom("reports").where("id", "=", id).executeTakeFirst()).numDeletedRows) > 0;
    },
  };
}

export type ReportStore = ReturnType<typeof createReportStore>;
