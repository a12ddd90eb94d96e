import type { MetricsFields } from "./types.js";

/** The per-key numbers every report computes before its breakdowns. */
export type Core = {
  visitors: number;
  minutes: number;
  daysActive: number;
  visitorDays: number;
  events: number;
  pageViews: number;
  /** Every click. */
  clicks: number;
  /** Clicks matching at least one feature, each once. */
  featureClicks: number;
  trackEvents: number;
  firstVisit: number | null;
  lastVisit: number | null;
  visits: number;
};

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** One key's core figures as either engine's core query names them (counts may arrive as strings or bigints). */
export function coreOf(r: Record<string, unknown>, featureClicks: unknown): Core {
  return {
    visitors: num(r["visitors"]),
    minutes: num(r["minutes"]),
    daysActive: num(r["days_active"]),
    visitorDays: num(r["visitor_days"]),
    events: num(r["events"]),
    pageViews: num(r["loads"]),
    clicks: num(r["clicks"]),
    featureClicks: num(featureClicks),
    trackEvents: num(r["tracks"]),
    firstVisit: numOrNull(r["fv"]),
    lastVisit: numOrNull(r["lv"]),
    visits: num(r["visits"]),
  };
}

/** A key with no activity in the range. */
export const emptyCore: Core = {
  visitors: 0,
  minutes: 0,
  daysActive: 0,
  visitorDays: 0,
  events: 0,
  pageViews: 0,
  clicks: 0,
  featureClicks: 0,
  trackEvents: 0,
  firstVisit: null,
  lastVisit: null,
  visits: 0,
};

/** One report row before it is named as an account or a visitor row. */
export type Built = { key: string; visitorsEver: number; core: Core; fields: MetricsFields };

/** Asked-for items are always present (with 0) so report columns are stable from row to row. */
export function withAll(found: Record<string, number> | undefined, asked: readonly string[] | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const id of asked ?? []) out[id] = 0;
  if (found) for (const id in found) out[id] = found[id] as number;
  return out;
}

/** One report row's fields from its core numbers and complete breakdowns (every asked item present). */
export function fieldsOf(c: Core, pages: Record<string, number>, features: Record<string, number>, tracks: Record<string, number>): MetricsFields {
  let featuresUsed = 0;
  for (const id in features) if ((features[id] as number) > 0) featuresUsed++;
  return {
    minutes: c.minutes,
    daysActive: c.daysActive,
    averageDailyMinutes: c.visitorDays === 0 ? 0 : c.minutes / c.visitorDays,
    firstVisit: c.firstVisit,
    lastVisit: c.lastVisit,
    visits: c.visits,
    pageViews: c.pageViews,
    pageViewsByPage: pages,
    clicks: c.clicks,
    featureClicks: c.featureClicks,
    featureClicksByFeature: features,
    featuresUsed,
    events: c.events,
    trackEvents: c.trackEvents,
    trackEventsByName: tracks,
  };
}

/** Report rows are sorted by id (code-unit order, as SQL's ORDER BY on VARCHAR). */
export const byId = (a: Built, b: Built): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
