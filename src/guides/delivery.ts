import { parseUrlRule } from "../analytics/rules/index.js";
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

/** The delivery hot path: compiled guides per app and one eligibility answer per request. */
export function createDelivery(deps: { store: GuideStore; states: VisitorStateStore; cache: SegmentCache; now: () => number }) {
  let byApp: Map<string, Live[]> | undefined;
  deps.store.onChange(() => (byApp = undefined));

  const compile = (): Map<string, Live[]> => {
    const m = new Map<string, Live[]>();
    for (const g of deps.store.all()) {
      if (g.status !== "public" && g.status !== "scheduled") continue;
      const page = g.targeting.page ? parseUrlRule(g.targeting.page) : null;
      if (page && !page.ok) continue; // refused on save; a stored bad rule delivers nothing
      const w = g.status === "scheduled" && g.schedule ? scheduleWindow(g.schedule) : { start: Number.NEGATIVE_INFINITY, end: Number.POSITIVE_INFINITY };
      const list = m.get(g.appId) ?? [];
      list.push({ guide: g, page: page ? page.value : null, json: JSON.stringify(toWire(g)), ...w });
      m.set(g.appId, list);
    }
    for (const list of m.values()) list.sort((a, b) => b.guide.priority - a.guide.priority || a.guide.createdAt - b.guide.createdAt);
    return m;
  };

  return {
    /** Segments that live (or scheduled) guides of each app target: what the cache keeps. */
    wantedSegments(): Map<string, Set<string>> {
      byApp ??= compile();
      const out = new Map<string, Set<string>>();
      for (const [appId, list] of byApp) out.set(appId, new Set(list.map((c) => c.guide.targeting.segment)));
      return out;
    },
    /** The body of GET /data/guides, serialised from pre-built JSON. */
    answer(appId: string, visitorId: string, accountId: string | undefined, url: string, only?: string): string {
      byApp ??= compile();
      const now = deps.now();
      const live = (byApp.get(appId) ?? []).filter((c) => now >= c.start && now < c.end);
      const r = eligibleGuides({
        guides: live,
        state: deps.states.of(appId, visitorId),
        inSegment: (s) => deps.cache.contains(appId, s, visitorId, accountId),
        url,
        now,
        throttle: deps.store.throttle(appId),
        ...(only !== undefined ? { only } : {}),
      });
      const retry = r.retryAfterMs !== undefined ? `,"retryAfterMs":${r.retryAfterMs}` : "";
      return `{"guides":[${r.guides.map((c) => c.json).join(",")}]${retry}}`;
    },
  };
}

export type Delivery = ReturnType<typeof createDelivery>;
