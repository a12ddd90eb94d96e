import type { Generated, Kysely, Selectable } from "kysely";
import type { ModuleMigrations } from "../store/index.js";

/** The guides module's records tables. */
export type GuidesTables = {
  guides: { id: string; app_id: string; name: string; status: string; priority: number; definition: string; created_at: number; updated_at: number };
  guide_settings: { app_id: string; settings: string };
  guide_visitor_state: {
    app_id: string;
    visitor_id: string;
    guide_id: string;
    first_shown: number;
    last_shown: number;
    started_at: number;
    shown_count: number;
    dismissed_at: number | null;
    completed_at: number | null;
  };
  guide_events: {
    id: Generated<number>;
    app_id: string;
    guide_id: string;
    type: string;
    step: number;
    view_id: string;
    visitor_id: string;
    account_id: string;
    ts: number;
    url: string | null;
    button: string | null;
    score: number | null;
    choice: string | null;
    comment: string | null;
    duration_ms: number | null;
    nps: number;
  };
};

export type GuideEventRow = Omit<GuidesTables["guide_events"], "id">;
export type StoredGuideEvent = Selectable<GuidesTables["guide_events"]>;

export const guidesMigrations: ModuleMigrations = {
  "guides-0001-guides": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("guides")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("app_id", "text", (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("priority", "integer", (c) => c.notNull())
        .addColumn("definition", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema.createTable("guide_settings").addColumn("app_id", "text", (c) => c.primaryKey()).addColumn("settings", "text", (c) => c.notNull()).execute();
      await db.schema
        .createTable("guide_visitor_state")
        .addColumn("app_id", "text", (c) => c.notNull())
        .addColumn("visitor_id", "text", (c) => c.notNull())
        .addColumn("guide_id", "text", (c) => c.notNull())
        .addColumn("first_shown", "bigint", (c) => c.notNull())
        .addColumn("last_shown", "bigint", (c) => c.notNull())
        .addColumn("started_at", "bigint", (c) => c.notNull())
        .addColumn("shown_count", "integer", (c) => c.notNull())
        .addColumn("dismissed_at", "bigint")
        .addColumn("completed_at", "bigint")
        .addPrimaryKeyConstraint("guide_visitor_state_pk", ["app_id", "visitor_id", "guide_id"])
        .execute();
    },
  },
  "guides-0002-events": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("guide_events")
        .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
        .addColumn("app_id", "text", (c) => c.notNull())
        .addColumn("guide_id", "text", (c) => c.notNull())
        .addColumn("type", "text", (c) => c.notNull())
        .addColumn("step", "integer", (c) => c.notNull())
        .addColumn("view_id", "text", (c) => c.notNull())
        .addColumn("visitor_id", "text", (c) => c.notNull())
        .addColumn("account_id", "text", (c) => c.notNull())
        .addColumn("ts", "bigint", (c) => c.notNull())
        .addColumn("url", "text")
        .addColumn("button", "text")
        .addColumn("score", "integer")
        .addColumn("choice", "text")
        .addColumn("comment", "text")
        .addColumn("duration_ms", "bigint")
        // 1 for an answer of an NPS poll, so NPS queries need no join with guides.
        .addColumn("nps", "integer", (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex("guide_events_by_guide").on("guide_events").columns(["app_id", "guide_id", "ts"]).execute();
      await db.schema.createIndex("guide_events_nps").on("guide_events").columns(["app_id", "nps", "ts"]).execute();
    },
  },
  // Guide counts per account or visitor over a range (report columns guides.*) read by time, across guides.
  "guides-0003-events-by-time": {
    async up(db: Kysely<unknown>) {
      await db.schema.createIndex("guide_events_by_time").on("guide_events").columns(["app_id", "ts"]).execute();
    },
  },
};
