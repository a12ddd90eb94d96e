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
    /**
     * Displays, completions and dismissals in [from, to) per account or visitor, by guide and type:
     * distinct view ids, as in a guide's own metrics (a view is one display).
     */
    async viewCounts(appId: string, by: "account_id" | "visitor_id", from: number, to: number): Promise<{ id: string; type: string; n: number }[]> {
      const rows = await db
        .selectFrom("guide_events")
        .select([by, "guide_id", "type", (eb) => eb.fn.count<number>("view_id").distinct().as("n")])
        .where("app_id", "=", appId)
        .where("type", "in", ["shown", "completed", "dismissed"])
        .where("ts", ">=", from)
        .where("ts", "<", to)
        .groupBy([by, "guide_id", "type"])
        .execute();
      return rows.map((r) => ({ id: by === "account_id" ? r.account_id : r.visitor_id, type: r.type, n: Number(r.n) }));
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
