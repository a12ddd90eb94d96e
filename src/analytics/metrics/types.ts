import type { MetricsInputError } from "./time-zone.js";

/** What a report asks for. `from` and `to` are local dates (YYYY-MM-DD, inclusive) in `timeZone`. */
export type MetricsQuery = {
  appId: string;
  from: string;
  to: string;
  timeZone: string;
  /** The app setting: whether custom track events count as activity (time on site, visits). */
  trackEventsCountAsActivity: boolean;
  /** Pages to break page views down by; every page with views when omitted. */
  pageIds?: readonly string[];
  /** Features to break clicks down by (and to count in featuresUsed); every mapped feature when omitted. */
  featureIds?: readonly string[];
  /** Track event names to break down; every name seen when omitted. */
  trackNames?: readonly string[];
};

/** A visitor report, optionally restricted to the events a visitor had in one account. */
export type VisitorMetricsQuery = MetricsQuery & { accountId?: string };

/**
 * Metrics shared by account and visitor rows. Dates are epoch milliseconds (UTC instants; the
 * caller formats them in the report's time zone), null when the range has no load or click.
 */
export type MetricsFields = {
  /** Distinct active minutes summed over visitors (SPEC: 1-minute buckets, merged across tabs). */
  minutes: number;
  /** Local days in the range with at least one event. */
  daysActive: number;
  /** minutes / visitor-days; 0 when there were none. */
  averageDailyMinutes: number;
  /** Earliest page load or click in the range. */
  firstVisit: number | null;
  /** Most recent page load or click in the range. */
  lastVisit: number | null;
  /** Sessions with activity in the range; a new one starts after more than 30 minutes without activity. */
  visits: number;
  pageViews: number;
  pageViewsByPage: Record<string, number>;
  /** Every click in the range, on a feature or not. */
  clicks: number;
  /**
   * Clicks on an element matching at least one feature, each counted once (a click matching two
   * features counts once here and once in each feature's breakdown entry).
   */
  featureClicks: number;
  featureClicksByFeature: Record<string, number>;
  /** Features (of those asked for) clicked at least once in the range. */
  featuresUsed: number;
  /** Load, click, focus and track events in the range. */
  events: number;
  trackEvents: number;
  trackEventsByName: Record<string, number>;
};

/** One account's row. Every account ever seen is listed, with zeros when idle in the range. */
export type AccountMetricsRow = MetricsFields & {
  accountId: string;
  /** Distinct visitors with at least one event in the range. */
  visitors: number;
  /** Distinct visitors ever seen in the account, all time. */
  visitorsEver: number;
  /** Sum over visitors of their active days: the denominator of averageDailyMinutes. */
  visitorDays: number;
};

/** One visitor's row, merged across accounts unless the query names one. */
export type VisitorMetricsRow = MetricsFields & { visitorId: string };

export type MetricsResult<Row> = { ok: true; rows: Row[] } | { ok: false; error: MetricsInputError };
