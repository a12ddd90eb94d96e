/**
 * How fast live senders may add new track event names to an app. The app key is public, so
 * without a rate anyone could spend the app's whole name budget in a second and every later
 * batch with a new name would lose it. A name that is not admitted is folded into
 * OVERFLOW_EVENT_NAME (the event is kept and counted), never a reason to refuse the batch.
 */

/** The name an event keeps when its own name is over the app's budget or rate. */
export const OVERFLOW_EVENT_NAME = "(other)";
/** New names one visitor may add per minute. */
export const NEW_NAMES_PER_VISITOR_MINUTE = 10;
/** New names the live endpoints may add to one app per minute. */
export const NEW_NAMES_PER_APP_MINUTE = 100;
/** Visitors whose recent new names are remembered; the oldest are forgotten past this. */
const MAX_TRACKED_VISITORS = 50_000;
const MINUTE = 60_000;

type Window = { start: number; count: number };

/** Per-minute allowances for new event names, per app and per visitor. */
export type EventNameBudget = {
  /** True when a name new to the app may be added now for this visitor (and counts it). */
  admit(appId: string, visitorId: string): boolean;
};

/** Builds the allowances over a clock. */
export function createEventNameBudget(now: () => number, limits = { perVisitor: NEW_NAMES_PER_VISITOR_MINUTE, perApp: NEW_NAMES_PER_APP_MINUTE }): EventNameBudget {
  const apps = new Map<string, Window>();
  const visitors = new Map<string, Window>();
  const current = (map: Map<string, Window>, key: string, at: number): Window => {
    let w = map.get(key);
    if (!w || at - w.start >= MINUTE) {
      map.delete(key); // re-inserted last, so the map stays in least-recent-first order
      w = { start: at, count: 0 };
      map.set(key, w);
      if (map.size > MAX_TRACKED_VISITORS) map.delete(map.keys().next().value as string);
    }
    return w;
  };
  return {
    admit(appId, visitorId) {
      const at = now();
      const app = current(apps, appId, at);
      const visitor = current(visitors, `${appId}\u0000${visitorId}`, at);
      if (app.count >= limits.perApp || visitor.count >= limits.perVisitor) return false;
      app.count++;
      visitor.count++;
      return true;
    },
  };
}
