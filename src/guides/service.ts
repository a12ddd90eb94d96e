import { ApiError } from "../kernel/index.js";
import { createDelivery } from "./delivery.js";
import { createGuideEventService } from "./event-service.js";
import { createGuideEventStore } from "./events.js";
import { guideMetrics, type GuideMetrics } from "./metrics.js";
import type { Guide, GuideInput } from "./model.js";
import { npsBy, npsCategory, type NpsAnswer, type NpsCategory, type NpsResult } from "./nps.js";
import { isTimeZone, localToEpoch } from "./schedule.js";
import { createSegmentCache, type MembershipSource } from "./segment-cache.js";
import { createGuideStore } from "./store.js";
import { validateGuide } from "./validate.js";
import { createVisitorStateStore } from "./visitor-state.js";
import type { Records } from "../store/index.js";
import type { GuideDataSource } from "../analytics/index.js";

/** What guides need from analytics: apps by key or id, segment membership, and where to plug in NPS and guide data for reports and segments. */
export type GuidesAnalytics = {
  apps: { byAppKey(key: string): { id: string } | undefined; get(id: string): { id: string; settings: { timeZone: string } } | undefined; list(): { id: string }[] };
  segments: MembershipSource;
  setGuideDataSource?(source: GuideDataSource | undefined): void;
};

const DAY = 86_400_000;

/** Guides, delivery, events, metrics and NPS, built from the records store and analytics. */
export function createGuidesService(deps: { records: Records; analytics: GuidesAnalytics; now: () => number; written?: () => void }) {
  const store = createGuideStore(deps.records, deps.now, deps.written);
  const states = createVisitorStateStore(deps.records);
  const eventStore = createGuideEventStore(deps.records);
  let wanted = (): Map<string, Set<string>> => new Map();
  const cache = createSegmentCache(deps.analytics.segments, () => wanted());
  const delivery = createDelivery({ store, states, cache, now: deps.now });
  wanted = () => delivery.wantedSegments();
  const events = createGuideEventService({ store, events: eventStore, states, now: deps.now });

  const appId = (id: string | undefined): string => {
    const found = id ? deps.analytics.apps.get(id) : deps.analytics.apps.list()[0];
    if (!found) throw new ApiError(404, "APP_NOT_FOUND", id ? `No app ${id}` : "No app exists yet; create one with POST /api/v1/apps", "app");
    return found.id;
  };

  const answers = async (app: string, from: number, to: number): Promise<NpsAnswer[]> =>
    (await eventStore.npsAnswers(app, from, to)).map((r) => ({ visitorId: r.visitor_id, accountId: r.account_id, score: Number(r.score), comment: r.comment, ts: Number(r.ts) }));

  return {
    store,
    delivery,
    events,
    appId,
    async load(): Promise<void> {
      await store.load();
      await states.load();
    },
    /** Validates, sanitises and saves a guide (new, or replacing `existing`), then warms its segment. */
    async save(input: GuideInput, existing?: Guide): Promise<Guide> {
      const app = existing?.appId ?? appId(input.app);
      // Existence only: evaluating the segment just to see that it exists cost a full metadata read per save.
      const segments = deps.analytics.segments;
      await validateGuide(input, async (id) => (segments.exists ? segments.exists(id) : (await segments.membersOf(app, id, "account")) !== undefined));
      const g = await store.save(input, app, existing?.id);
      await cache.ensure(app, g.targeting.segment);
      return g;
    },
    /** Reloads guides another process changed, computing the segments new ones target. */
    async reloadGuides(): Promise<void> {
      await store.reload();
      for (const g of store.all()) await cache.ensure(g.appId, g.targeting.segment);
    },
    /** Recomputes cached segment membership now (after a CRM pull or a rule run). */
    refreshSegments: (): Promise<void> => cache.refresh(),
    /** A date range (`YYYY-MM-DD`, inclusive) in the app's time zone as [from, to) instants; the last 30 days by default. */
    range(app: string, q: { from?: string; to?: string; timeZone?: string }): { from: number; to: number; echo: { from: string; to: string; timeZone: string } } {
      const tz = q.timeZone ?? deps.analytics.apps.get(app)?.settings.timeZone ?? "UTC";
      if (!isTimeZone(tz)) throw new ApiError(400, "INVALID_TIME_ZONE", `Unknown time zone ${tz}`, "timeZone");
      const today = new Date(deps.now()).toISOString().slice(0, 10);
      const to = q.to ?? today;
      const from = q.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - 29 * DAY).toISOString().slice(0, 10);
      const start = localToEpoch(from, tz);
      const end = localToEpoch(new Date(Date.parse(`${to}T00:00:00Z`) + DAY).toISOString().slice(0, 10), tz);
      if (Number.isNaN(start)) throw new ApiError(400, "INVALID_DATE", `${from} is not a date`, "from");
      if (Number.isNaN(end)) throw new ApiError(400, "INVALID_DATE", `${to} is not a date`, "to");
      if (end <= start) throw new ApiError(400, "END_BEFORE_START", "to is before from", "to");
      return { from: start, to: end, echo: { from, to, timeZone: tz } };
    },
    async metrics(g: Guide, from: number, to: number): Promise<GuideMetrics> {
      return guideMetrics(await eventStore.ofGuide(g.appId, g.id, from, to), g.steps.length);
    },
    /** NPS per account over [from, to) (epoch ms): score, responses, latest response. */
    npsByAccount: async (app: string, from: number, to: number): Promise<NpsResult[]> => npsBy((await answers(app, from, to)).filter((a) => a.accountId !== ""), (a) => a.accountId),
    npsByVisitor: async (app: string, from: number, to: number): Promise<NpsResult[]> => npsBy(await answers(app, from, to), (a) => a.visitorId),
    npsOverall: async (app: string, from: number, to: number): Promise<NpsResult> =>
      npsBy(await answers(app, from, to), () => app)[0] ?? { id: app, score: null, responses: 0, promoters: 0, passives: 0, detractors: 0, latest: null },
    /** Guide displays, completions and dismissals per account or visitor over [from, to) (distinct views, summed over guides). */
    async guideCounts(app: string, kind: "account" | "visitor", from: number, to: number): Promise<{ id: string; views: number; completed: number; dismissed: number }[]> {
      const out = new Map<string, { id: string; views: number; completed: number; dismissed: number }>();
      for (const r of await eventStore.viewCounts(app, kind === "account" ? "account_id" : "visitor_id", from, to)) {
        // Events sent without an account count for the visitor only.
        if (kind === "account" && r.id === "") continue;
        let row = out.get(r.id);
        if (!row) out.set(r.id, (row = { id: r.id, views: 0, completed: 0, dismissed: 0 }));
        if (r.type === "shown") row.views += r.n;
        else if (r.type === "completed") row.completed += r.n;
        else if (r.type === "dismissed") row.dismissed += r.n;
      }
      return [...out.values()];
    },
    /** Each account's or visitor's NPS category by its latest answer in range (segment rules promoter/passive/detractor). */
    async npsCategories(app: string, kind: "account" | "visitor", from: number, to: number): Promise<Map<string, NpsCategory>> {
      const all = await answers(app, from, to);
      const out = new Map<string, NpsCategory>();
      // The latest answer decides, for visitors and for accounts alike (oldest first: the latest wins).
      for (const a of all) if (kind === "visitor" || a.accountId !== "") out.set(kind === "visitor" ? a.visitorId : a.accountId, npsCategory(a.score));
      return out;
    },
  };
}

export type GuidesService = ReturnType<typeof createGuidesService>;
