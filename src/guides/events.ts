import type { Records } from "../store/index.js";
import type { GuideEventRow, GuidesTables, StoredGuideEvent } from "./tables.js";

/** Guide events in the records store (docs/adr/0007-guides.md says why not DuckDB). */
export function createGuideEventStore(records: Records) {
  const db = records.db.withTables<GuidesTables>();
  return {
    async append(rows: GuideEventRow[]): Promise<void> {
      if (rows.length === 0) return;
      await db.transaction().execute(async (trx) => {
        // SQLite caps bound parameters per statement; 16 columns × 50 rows stays far below it.
        for (let i = 0; i < rows.length; i += 50) await trx.insertInto("guide_events").values(rows.slice(i, i + 50)).execute();
      });
    },
    /** One guide's events in [from, to). */
    async ofGuide(appId: string, guideId: string, from: number, to: number): Promise<StoredGuideEvent[]> {
      return db.selectFrom("guide_events").selectAll().where("app_id", "=", appId).where("guide_id", "=", guideId).where("ts", ">=", from).where("ts", "<", to).orderBy("id").execute();
    },
    /** NPS answers in [from, to), oldest first. */
    async npsAnswers(appId: string, from: number, to: number): Promise<Pick<StoredGuideEvent, "visitor_id" | "account_id" | "score" | "comment" | "ts" | "guide_id">[]> {
      return db
        .selectFrom("guide_events")
        .select(["visitor_id", "account_id", "score", "comment", "ts", "guide_id"])
        .where("app_id", "=", appId)
        .where("nps", "=", 1)
        .where("type", "=", "poll_answered")
        .where("ts", ">=", from)
        .where("ts", "<", to)
        .orderBy("ts")
        .orderBy("id")
        .execute();
    },
  };
}

export type GuideEventStore = ReturnType<typeof createGuideEventStore>;
