import { GUIDES_NOT_LOADED, type EntityGuideCounts, type EntityNps } from "../guide-data.js";
import type { Entity } from "../metadata.js";
import type { AccountMetricsRow, MetricsFields, VisitorMetricsRow } from "../metrics/index.js";

/** The kinds of value a column holds; the CRM push checks them against field types. */
export type ColumnType = "number" | "date" | "text" | "boolean";
export type ReportKind = "account" | "visitor";
export type Column = { id: string; label: string; type: ColumnType };

type Scalar = keyof { [K in keyof MetricsFields as MetricsFields[K] extends number | null ? K : never]: true };

const METRICS: { id: Scalar | "visitors" | "visitorsEver"; label: string; type: ColumnType; accountOnly?: true }[] = [
  { id: "visitors", label: "Number of visitors", type: "number", accountOnly: true },
  { id: "visitorsEver", label: "Visitors ever", type: "number", accountOnly: true },
  { id: "minutes", label: "Time on site (minutes)", type: "number" },
  { id: "daysActive", label: "Days active", type: "number" },
  { id: "averageDailyMinutes", label: "Average daily minutes", type: "number" },
  { id: "firstVisit", label: "First visit", type: "date" },
  { id: "lastVisit", label: "Last visit", type: "date" },
  { id: "visits", label: "Visits", type: "number" },
  { id: "pageViews", label: "Page views", type: "number" },
  { id: "clicks", label: "Clicks", type: "number" },
  { id: "featureClicks", label: "Feature clicks", type: "number" },
  { id: "featuresUsed", label: "Features used", type: "number" },
  { id: "events", label: "Events", type: "number" },
  { id: "trackEvents", label: "Track events", type: "number" },
];

/** Columns fed by the guides module (through analytics' GuideDataSource), for accounts and visitors alike. */
const GUIDE_COLUMNS: Column[] = [
  { id: "nps.score", label: "NPS score", type: "number" },
  { id: "nps.responses", label: "NPS responses", type: "number" },
  { id: "nps.latest", label: "Latest NPS answer", type: "number" },
  { id: "guides.views", label: "Guide views", type: "number" },
  { id: "guides.completed", label: "Guides completed", type: "number" },
  { id: "guides.dismissed", label: "Guides dismissed", type: "number" },
];

/** Whether a column reads guide or NPS data (so a report run asks the guide data source). */
export const isGuideColumn = (id: string): boolean => GUIDE_COLUMNS.some((c) => c.id === id);

export type ColumnContext = {
  kind: ReportKind;
  pageName(id: string): string | undefined;
  featureName(id: string): string | undefined;
  /** Whether guide data is available (the guides module is loaded); the nps.* and guides.* columns need it. */
  guides?: boolean;
};

/** Resolves a column id (`minutes`, `pageViews.<pageId>`, `crm.Health__c`…) or explains why it is unknown. */
export function resolveColumn(id: string, ctx: ColumnContext): Column | { error: string } {
  const metric = METRICS.find((m) => m.id === id);
  if (metric) {
    if (metric.accountOnly && ctx.kind !== "account") return { error: `${id} is an account report column` };
    return { id, label: metric.label, type: metric.type };
  }
  const guide = GUIDE_COLUMNS.find((c) => c.id === id);
  if (guide) return ctx.guides ? { ...guide } : { error: `${id} ${GUIDES_NOT_LOADED}` };
  const dot = id.indexOf(".");
  if (dot > 0) {
    const head = id.slice(0, dot);
    const rest = id.slice(dot + 1);
    if (head === "pageViews") {
      const name = ctx.pageName(rest);
      return name ? { id, label: `Page views: ${name}`, type: "number" } : { error: `No page ${rest}` };
    }
    if (head === "featureClicks") {
      const name = ctx.featureName(rest);
      return name ? { id, label: `Clicks: ${name}`, type: "number" } : { error: `No feature ${rest}` };
    }
    if (head === "trackEvents") return rest ? { id, label: `Track events: ${rest}`, type: "number" } : { error: "Name the track event" };
    if (head === "agent" || head === "custom" || head === "crm") {
      return /^[A-Za-z_][A-Za-z0-9_]*$/.test(rest) ? { id, label: `${head}: ${rest}`, type: "text" } : { error: `Metadata key ${rest} is not valid` };
    }
  }
  return { error: `Unknown column ${id}` };
}

/** Every built-in metric column of a report kind (the UI's column picker starts here); NPS and guide columns only when guide data is available. */
export function metricColumns(kind: ReportKind, options: { guides?: boolean } = {}): Column[] {
  const metrics = METRICS.filter((m) => kind === "account" || !m.accountOnly).map((m) => ({ id: m.id, label: m.label, type: m.type }));
  return options.guides ? [...metrics, ...GUIDE_COLUMNS.map((c) => ({ ...c }))] : metrics;
}

/** A row's guide data: its NPS and guide counts over the report's range (absent when it has none). */
export type GuideValues = { nps?: EntityNps; counts?: EntityGuideCounts };

export type ReportValue = number | string | boolean | null;

/**
 * A key's value only when the object itself holds it: a column named after something every object
 * inherits (`custom.constructor`, `trackEvents.toString`) has no value rather than a function.
 */
export function ownValue<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** The value of one column for one row: metrics from the metrics row, metadata from the entity, NPS and guide counts from `guide`. */
export function columnValue(column: Column, metrics: AccountMetricsRow | VisitorMetricsRow | undefined, entity: Entity | undefined, guide: GuideValues = {}): ReportValue {
  switch (column.id) {
    case "nps.score":
      return guide.nps?.score ?? null;
    case "nps.responses":
      return guide.nps?.responses ?? 0;
    case "nps.latest":
      return guide.nps?.latest ?? null;
    case "guides.views":
      return guide.counts?.views ?? 0;
    case "guides.completed":
      return guide.counts?.completed ?? 0;
    case "guides.dismissed":
      return guide.counts?.dismissed ?? 0;
  }
  const dot = column.id.indexOf(".");
  if (dot > 0) {
    const head = column.id.slice(0, dot);
    const rest = column.id.slice(dot + 1);
    if (head === "pageViews") return ownValue(metrics?.pageViewsByPage, rest) ?? 0;
    if (head === "featureClicks") return ownValue(metrics?.featureClicksByFeature, rest) ?? 0;
    if (head === "trackEvents") return ownValue(metrics?.trackEventsByName, rest) ?? 0;
    const group = head as "agent" | "custom" | "crm";
    return ownValue(entity?.metadata[group], rest) ?? null;
  }
  if (!metrics) return column.type === "date" ? null : 0;
  const v = (metrics as unknown as Record<string, number | null>)[column.id];
  if (column.type === "date") return v === null || v === undefined ? null : new Date(v).toISOString();
  return v ?? 0;
}
