import { parseUrlRule } from "../analytics/index.js";
import type { CompiledGuide } from "./eligibility.js";
import { eligibleGuides } from "./eligibility.js";
import type { Guide } from "./model.js";
import { scheduleWindow } from "./schedule.js";
import type { SegmentCache } from "./segment-cache.js";
import type { GuideStore } from "./store.js";
import type { VisitorStateStore } from "./visitor-state.js";
import type { WireGuide } from "./wire.js";

/** A guide as the agent receives it. */
export function toWire(g: Guide): WireGuide {
  return {
    id: g.id,
    name: g.name,
    auto: g.activation.type === "automatic",
    activation: g.activation,
    frequency: g.frequency,
    priority: g.priority,
    steps: g.steps.map((s) => ({
      layout: s.layout,
      ...(s.title ? { title: s.title } : {}),
      html: s.content,
      ...(s.selector ? { selector: s.selector } : {}),
      ...(s.position ? { position: s.position } : {}),
      ...(s.placement ? { placement: s.placement } : {}),
      buttons: s.buttons ?? [],
      ...(s.poll ? { poll: s.poll } : {}),
    })),
  };
}

type Live = CompiledGuide & { start: number; end: number };

/** An app's compiled guides and the subset live now, valid until the next schedule boundary. */
type AppPlan = { all: Live[]; pageRules: number; live: Live[]; from: number; until: number };

/** Which guides are live at `now`, and the span around it in which that answer holds. */
function liveAt(plan: AppPlan, now: number): void {
  let from = Number.NEGATIVE_INFINITY;
  let until = Number.POSITIVE_INFINITY;
  const live: Live[] = [];
  for (const c of plan.all) {
    if (now >= c.start && now < c.end) live.push(c);
    for (const t of [c.start, c.end]) {
      if (t <= now) from = Math.max(from, t);
      else until = Math.min(until, t);
    }
  }
  plan.live = live;
  plan.from = from;
  plan.until = until;
}

/** The delivery hot path: compiled guides per app and one eligibility answer per request. */
export function createDelivery(deps: { store: GuideStore; states: VisitorStateStore; cache: SegmentCache; now: () => number }) {
  let byApp: Map<string, AppPlan> | undefined;
  deps.store.onChange(() => (byApp = undefined));

  const compile = (): Map<string, AppPlan> => {
    const m = new Map<string, AppPlan>();
    const pageIndex = new Map<string, Map<string, number>>();
    for (const g of deps.store.all()) {
      if (g.status !== "public" && g.status !== "scheduled") continue;
      const page = g.targeting.page ? parseUrlRule(g.targeting.page) : null;
      if (page && !page.ok) continue; // refused on save; a stored bad rule delivers nothing
      const w = g.status === "scheduled" && g.schedule ? scheduleWindow(g.schedule) : { start: Number.NEGATIVE_INFINITY, end: Number.POSITIVE_INFINITY };
      const plan = m.get(g.appId) ?? { all: [], pageRules: 0, live: [], from: 0, until: Number.NEGATIVE_INFINITY };
      const rules = pageIndex.get(g.appId) ?? new Map<string, number>();
      let index = -1;
      if (page && g.targeting.page) {
        index = rules.get(g.targeting.page) ?? rules.size;
        rules.set(g.targeting.page, index);
      }
      plan.all.push({ guide: g, page: page ? page.value : null, pageIndex: index, json: JSON.stringify(toWire(g)), ...w });
      plan.pageRules = rules.size;
      m.set(g.appId, plan);
      pageIndex.set(g.appId, rules);
    }
    for (const plan of m.values()) plan.all.sort((a, b) => b.guide.priority - a.guide.priority || a.guide.createdAt - b.guide.createdAt);
    return m;
  };

  return {
    /** Segments that live (or scheduled) guides of each app target: what the cache keeps. */
    wantedSegments(): Map<string, Set<string>> {
      byApp ??= compile();
      const out = new Map<string, Set<string>>();
      for (const [appId, plan] of byApp) out.set(appId, new Set(plan.all.map((c) => c.guide.targeting.segment)));
      return out;
    },
    /** The body of GET /data/guides, serialised from pre-built JSON. */
    answer(appId: string, visitorId: string, accountId: string | undefined, url: string, only?: string): string {
      byApp ??= compile();
      const plan = byApp.get(appId);
      if (!plan) return `{"guides":[]}`;
      const now = deps.now();
      // The live list changes only at a schedule boundary; recomputed then, not per request.
      if (now < plan.from || now >= plan.until) liveAt(plan, now);
      const r = eligibleGuides({
        guides: plan.live,
        state: deps.states.of(appId, visitorId),
        segments: deps.cache.membership(appId, visitorId, accountId),
        pageRules: plan.pageRules,
        url,
        now,
        throttle: deps.store.throttle(appId),
        ...(only !== undefined ? { only } : {}),
      });
      let body = `{"guides":[`;
      for (let i = 0; i < r.guides.length; i++) body += i === 0 ? (r.guides[i] as CompiledGuide).json : `,${(r.guides[i] as CompiledGuide).json}`;
      return r.retryAfterMs !== undefined ? `${body}],"retryAfterMs":${r.retryAfterMs}}` : `${body}]}`;
    },
  };
}

export type Delivery = ReturnType<typeof createDelivery>;
