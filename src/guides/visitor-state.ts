import type { Records } from "../store/index.js";
import type { Frequency } from "./model.js";
import type { GuidesTables } from "./tables.js";
import type { GuideEventType } from "./wire.js";

/** What one visitor has done with one guide. `startedAt` is when the current run of displays began. */
export type GuideState = { firstShown: number; lastShown: number; startedAt: number; shownCount: number; dismissedAt: number | null; completedAt: number | null };

/** A new visit starts after this long without the guide shown (frequency `everyVisit`). */
export const VISIT_GAP_MS = 30 * 60_000;

/** Whether the visitor's history lets the guide show again, by its frequency. */
export function frequencyAllows(s: GuideState | undefined, frequency: Frequency, now: number): boolean {
  if (!s) return true;
  switch (frequency) {
    case "once":
      return false;
    case "untilDismissed":
      return s.dismissedAt === null && s.completedAt === null;
    case "everyVisit": {
      if (now - s.lastShown >= VISIT_GAP_MS) return true;
      return !(s.dismissedAt !== null && s.dismissedAt >= s.startedAt) && !(s.completedAt !== null && s.completedAt >= s.startedAt);
    }
  }
}

/** Whether a display is a continuation of a run already started (a reload), which throttling lets through. */
export function continuing(s: GuideState | undefined, frequency: Frequency, now: number): boolean {
  if (!s || !frequencyAllows(s, frequency, now)) return false;
  return frequency !== "everyVisit" || now - s.lastShown < VISIT_GAP_MS;
}

const key = (appId: string, visitorId: string): string => `${appId}\n${visitorId}`;

/**
 * Per-visitor guide state, written through to the records store and held in memory, because
 * every eligibility request reads it and must not wait on a query.
 */
export function createVisitorStateStore(records: Records) {
  const db = records.db.withTables<GuidesTables>();
  const states = new Map<string, Map<string, GuideState>>();

  return {
    async load(): Promise<void> {
      for (const r of await db.selectFrom("guide_visitor_state").selectAll().execute()) {
        const k = key(r.app_id, r.visitor_id);
        let m = states.get(k);
        if (!m) states.set(k, (m = new Map()));
        m.set(r.guide_id, {
          firstShown: Number(r.first_shown),
          lastShown: Number(r.last_shown),
          startedAt: Number(r.started_at),
          shownCount: Number(r.shown_count),
          dismissedAt: r.dismissed_at === null ? null : Number(r.dismissed_at),
          completedAt: r.completed_at === null ? null : Number(r.completed_at),
        });
      }
    },
    of(appId: string, visitorId: string): ReadonlyMap<string, GuideState> | undefined {
      return states.get(key(appId, visitorId));
    },
    /** Applies one guide event to the visitor's state; returns whether anything changed. */
    async apply(appId: string, visitorId: string, guideId: string, frequency: Frequency, type: GuideEventType, now: number): Promise<void> {
      const k = key(appId, visitorId);
      let m = states.get(k);
      if (!m) states.set(k, (m = new Map()));
      const prev = m.get(guideId);
      let next: GuideState;
      if (type === "shown") {
        const run = continuing(prev, frequency, now) && prev ? prev.startedAt : now;
        next = prev
          ? { ...prev, lastShown: now, startedAt: run, shownCount: prev.shownCount + 1 }
          : { firstShown: now, lastShown: now, startedAt: now, shownCount: 1, dismissedAt: null, completedAt: null };
      } else if (type === "dismissed" || type === "completed") {
        const base = prev ?? { firstShown: now, lastShown: now, startedAt: now, shownCount: 1, dismissedAt: null, completedAt: null };
        next = type === "dismissed" ? { ...base, dismissedAt: now } : { ...base, completedAt: now };
      } else {
        return;
      }
      m.set(guideId, next);
      const row = {
        app_id: appId,
        visitor_id: visitorId,
        guide_id: guideId,
        first_shown: next.firstShown,
        last_shown: next.lastShown,
        started_at: next.startedAt,
        shown_count: next.shownCount,
        dismissed_at: next.dismissedAt,
        completed_at: next.completedAt,
      };
      const { app_id: _a, visitor_id: _v, guide_id: _g, ...update } = row;
      await db
        .insertInto("guide_visitor_state")
        .values(row)
        .onConflict((oc) => oc.columns(["app_id", "visitor_id", "guide_id"]).doUpdateSet(update))
        .execute();
    },
  };
}

export type VisitorStateStore = ReturnType<typeof createVisitorStateStore>;
