import type { AnalyticsModule } from "../analytics/index.js";
import { generateEvents } from "./generator.js";
import { expectedEvents, type UsageLoader } from "./workspace.js";

/**
 * The usage loader for a process that runs Pendulum itself (`pendulum start --demo`): the generated
 * events go through the analytics bulk loader (same validation as the import API, written straight
 * to the event store, rollups built once) instead of thousands of import calls.
 */
export function bulkUsage(analytics: AnalyticsModule): UsageLoader {
  return async (accounts, size, now, progress) => {
    const app = analytics.apps.list()[0];
    if (!app) throw new Error("no app to load usage into");
    const expected = expectedEvents(size);
    const r = await analytics.bulk.importEvents(app, generateEvents(accounts, size, now), (n) => progress(n, Math.max(n, expected)));
    progress(r.events, r.events);
    return r.events;
  };
}
