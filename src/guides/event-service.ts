import { ApiError } from "../kernel/index.js";
import type { GuideEventStore } from "./events.js";
import type { GuideStore } from "./store.js";
import type { GuideEventRow } from "./tables.js";
import type { VisitorStateStore } from "./visitor-state.js";
import type { GuideEventsBody } from "./wire.js";

/** Stores guide events and applies them to each visitor's guide state (dismissals, completions). */
export function createGuideEventService(deps: { store: GuideStore; events: GuideEventStore; states: VisitorStateStore; now: () => number }) {
  return {
    async record(appId: string, body: GuideEventsBody): Promise<number> {
      const now = deps.now();
      const rows: GuideEventRow[] = body.events.map((e, i) => {
        const g = deps.store.get(e.guide);
        if (!g || g.appId !== appId) throw new ApiError(400, "UNKNOWN_GUIDE", `No guide ${e.guide} in this app`, `events[${i}].guide`);
        const step = g.steps[e.step];
        if (!step) throw new ApiError(400, "NO_SUCH_STEP", `Guide ${e.guide} has ${g.steps.length} steps`, `events[${i}].step`);
        const nps = e.type === "poll_answered" && step.poll?.type === "nps";
        if (nps && e.score === undefined) throw new ApiError(400, "SCORE_REQUIRED", "An NPS answer needs a score from 0 to 10", `events[${i}].score`);
        return {
          app_id: appId,
          guide_id: g.id,
          type: e.type,
          step: e.step,
          view_id: e.view,
          visitor_id: body.visitor,
          account_id: body.account ?? "",
          // Server time: visitors' clocks are wrong often enough to spoil ranges and schedules.
          ts: now,
          url: e.url ?? null,
          button: e.button ?? null,
          score: e.score ?? null,
          choice: e.choice ?? null,
          comment: e.comment ?? null,
          duration_ms: e.durationMs ?? null,
          nps: nps ? 1 : 0,
        };
      });
      await deps.events.append(rows);
      for (const e of body.events) {
        const g = deps.store.get(e.guide);
        if (g) await deps.states.apply(appId, body.visitor, g.id, g.frequency, e.type, now);
      }
      return rows.length;
    },
  };
}

export type GuideEventService = ReturnType<typeof createGuideEventService>;
