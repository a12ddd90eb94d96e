import type { EventsEngine } from "../events-engine.js";
import { ApiError } from "../../kernel/index.js";
import type { AppStore } from "../apps.js";
import type { DefinitionStore } from "../definitions/index.js";
import { GUIDES_NOT_LOADED, type EntityGuideCounts, type EntityNps, type GuideDataSource } from "../guide-data.js";
import type { Entity, MetadataStore } from "../metadata.js";
import { localRange, type AccountMetricsRow, type VisitorMetricsRow } from "../metrics/index.js";
import type { SegmentService } from "../segments/index.js";
import { columnValue, isGuideColumn, resolveColumn, type Column, type ReportValue } from "./columns.js";
import type { Report, ReportRange } from "./store.js";

export type ReportRow = { id: string; values: Record<string, ReportValue> };
export type ReportResult = { range: { from: string; to: string; timeZone: string }; columns: Column[]; total: number; rows: ReportRow[] };
export type RunOptions = { limit?: number; offset?: number; sort?: string; order?: "asc" | "desc"; now?: number };

/** The local date (YYYY-MM-DD) of an instant in a time zone. */
export function localDate(ms: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(ms));
  return parts;
}

/** Resolves a report range to local dates: "last N days" ends today, in the report's time zone. */
export function resolveRange(range: ReportRange, timeZone: string, now: number): { from: string; to: string } {
  if ("from" in range) return { from: range.from, to: range.to };
  const to = localDate(now, timeZone);
  const [y, m, d] = to.split("-").map(Number) as [number, number, number];
  const from = new Date(Date.UTC(y, m - 1, d - (range.last - 1))).toISOString().slice(0, 10);
  return { from, to };
}

/** A report's NPS and guide counts per row id, read only when one of its columns needs them. */
async function guideValues(source: GuideDataSource | undefined, report: Report, columns: Column[], range: { from: string; to: string }) {
  const nps = new Map<string, EntityNps>();
  const counts = new Map<string, EntityGuideCounts>();
  const wanted = columns.filter((c) => isGuideColumn(c.id));
  if (wanted.length === 0) return { nps, counts };
  if (!source) throw new ApiError(400, "INVALID_COLUMN", `${wanted[0]?.id ?? "nps"} ${GUIDES_NOT_LOADED}`, `columns[${report.columns.indexOf(wanted[0]?.id ?? "")}]`);
  // The same local days as the metrics columns: midnight of `from` to midnight after `to`, in the report's zone.
  const local = localRange(report.timeZone, range.from, range.to);
  if (!local.ok) throw new ApiError(400, "INVALID_RANGE", local.error.message, "range");
  const { startMs, endMs } = local.value;
  if (wanted.some((c) => c.id.startsWith("nps."))) for (const r of await source.nps(report.appId, report.kind, startMs, endMs)) nps.set(r.id, r);
  if (wanted.some((c) => c.id.startsWith("guides."))) for (const r of await source.guideCounts(report.appId, report.kind, startMs, endMs)) counts.set(r.id, r);
  return { nps, counts };
}

/** Runs saved reports: metrics from rollups, metadata columns, NPS and guide columns, segment filter, sort and paging. */
export function createReportService(deps: { events: EventsEngine; apps: AppStore; metadata: MetadataStore; definitions: DefinitionStore; segments: SegmentService; now: () => number; guideData?: () => GuideDataSource | undefined }) {
  const guideData = (): GuideDataSource | undefined => deps.guideData?.();
  const columnsOf = (report: Pick<Report, "kind" | "columns">): Column[] =>
    report.columns.map((id, i) => {
      const c = resolveColumn(id, { kind: report.kind, pageName: (p) => deps.definitions.page(p)?.name, featureName: (f) => deps.definitions.feature(f)?.name, guides: guideData() !== undefined });
      if ("error" in c) throw new ApiError(400, "INVALID_COLUMN", c.error, `columns[${i}]`);
      return c;
    });

  return {
    columnsOf,
    /** Whether the NPS and guide columns can be used (the guides module is loaded). */
    hasGuideData: (): boolean => guideData() !== undefined,
    /** Every row of a report (all pages), sorted; the CRM push and CSV export read this. */
    async run(report: Report, options: RunOptions = {}): Promise<ReportResult> {
      const app = deps.apps.get(report.appId);
      if (!app) throw new ApiError(404, "APP_NOT_FOUND", `The report's app ${report.appId} no longer exists`);
      const columns = columnsOf(report);
      const range = resolveRange(report.range, report.timeZone, options.now ?? deps.now());
      const pageIds = columns.filter((c) => c.id.startsWith("pageViews.")).map((c) => c.id.slice(10));
      const featureIds = columns.filter((c) => c.id.startsWith("featureClicks.")).map((c) => c.id.slice(14));
      // Only the track names the columns show: breaking down every name seen costs a grouping by name.
      const trackNames = columns.filter((c) => c.id.startsWith("trackEvents.")).map((c) => c.id.slice(12));
      const query = { appId: app.id, from: range.from, to: range.to, timeZone: report.timeZone, trackEventsCountAsActivity: app.settings.trackEventsCountAsActivity, pageIds, featureIds, trackNames };
      const result = report.kind === "account" ? await deps.events.accountMetrics(query) : await deps.events.visitorMetrics(query);
      if (!result.ok) throw new ApiError(400, "INVALID_RANGE", result.error.message, "range");
      const entities = new Map<string, Entity>((await deps.metadata.all(app.id, report.kind)).map((e) => [e.id, e]));
      const members = await deps.segments.membersOf(app.id, report.segmentId, report.kind);
      if (!members) throw new ApiError(400, "SEGMENT_NOT_FOUND", `The report's segment ${report.segmentId} no longer exists`, "segmentId");
      const metricsById = new Map<string, AccountMetricsRow | VisitorMetricsRow>();
      for (const r of result.rows as (AccountMetricsRow | VisitorMetricsRow)[]) metricsById.set("accountId" in r ? r.accountId : r.visitorId, r);
      const guide = await guideValues(guideData(), report, columns, range);
      let rows: ReportRow[] = [...members].map((id) => ({
        id,
        values: Object.fromEntries(columns.map((c) => [c.id, columnValue(c, metricsById.get(id), entities.get(id), { nps: guide.nps.get(id), counts: guide.counts.get(id) })])),
      }));
      const sort = options.sort;
      const dir = options.order === "desc" ? -1 : 1;
      rows.sort((a, b) => {
        if (sort) {
          const x = a.values[sort] ?? null;
          const y = b.values[sort] ?? null;
          if (x !== y) {
            if (x === null) return 1;
            if (y === null) return -1;
            return (x < y ? -1 : 1) * dir;
          }
        }
        return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
      });
      const total = rows.length;
      if (options.limit !== undefined || options.offset !== undefined) rows = rows.slice(options.offset ?? 0, (options.offset ?? 0) + (options.limit ?? total));
      return { range: { ...range, timeZone: report.timeZone }, columns, total, rows };
    },
  };
}

export type ReportService = ReturnType<typeof createReportService>;
