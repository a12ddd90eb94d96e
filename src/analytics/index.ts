import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ModuleContext, PendulumModule } from "../server/pendulum.js";
import type { AcceptedBatch } from "./accepted.js";
import { registerAccountUsageRoute } from "./account-usage.js";
import { registerAnalyticsApi } from "./api-routes.js";
import { appsMigrations, createAppStore, type AppStore } from "./apps.js";
import { Dictionary } from "./dictionary.js";
import { createFlusher, type AfterFlush, type Flusher } from "./flusher.js";
import { openIngestLog, type IngestLog } from "./ingest-log.js";
import { registerIngestRoutes } from "./ingest-routes.js";
import { createEventNameBudget } from "./event-name-budget.js";
import { createIngestService, type IngestService } from "./ingest-service.js";
import { createMetadataStore, metadataMigrations, type MetadataStore } from "./metadata.js";
import { createDefinitionStore, definitionsMigrations, registerDefinitionRoutes, type DefinitionStore } from "./definitions/index.js";
import { createDerivedUpdater } from "./derived.js";
import { createBulkLoader, type BulkLoader } from "./bulk.js";
import { createGuideDataSlot, type GuideDataSource } from "./guide-data.js";
import { createSegmentService, createSegmentStore, registerSegmentRoutes, segmentsMigrations, type SegmentService } from "./segments/index.js";
import { createReportService, createReportStore, registerReportRoutes, reportsMigrations, type ReportService, type ReportStore } from "./reports/index.js";
import { ApiError } from "../server/errors.js";

export type { App, AppSettings, AppStore } from "./apps.js";
export type { Entity, EntityKind, Metadata, MetadataGroup, MetadataStore, MetadataValue } from "./metadata.js";
export type { AcceptedBatch, AcceptedEvent } from "./accepted.js";
export { canonicalPath } from "./ingest.js";
export { installSnippet } from "./api-routes.js";
export * from "./ingest-schema.js";
export type { Report, ReportResult, ReportRow, Column, ColumnType } from "./reports/index.js";
export type { SegmentGroup, SegmentRule } from "./segments/index.js";
export type { BulkLoader, BulkLoadResult, BulkProgress, BulkSqlSource } from "./bulk.js";
export type { EntityGuideCounts, EntityNps, GuideDataSource, NpsCategory } from "./guide-data.js";

/** The analytics module: apps, durable ingest, metadata; metrics and reports build on it. */
export type AnalyticsModule = PendulumModule & {
  name: "analytics";
  apps: AppStore;
  metadata: MetadataStore;
  definitions: DefinitionStore;
  segments: SegmentService;
  reports: ReportStore;
  reportService: ReportService;
  ingest: IngestService;
  flusher: Flusher;
  /** Loads history straight into the event store (millions of events), bypassing the ingest log's per-event work. */
  bulk: BulkLoader;
  /** Resolves when every event acknowledged so far is in the event store. */
  settle(): Promise<void>;
  /**
   * Plugs in (or, with undefined, removes) what the nps.* and guides.* report columns and NPS
   * segment rules read. The guides module calls it when it starts; without it those columns are
   * not offered and asking for them (or for an NPS rule) is refused with a clear error.
   */
  setGuideDataSource(source: GuideDataSource | undefined): void;
};

const here = path.dirname(fileURLToPath(import.meta.url));
/** dist/agent.js, whether running from src/ (tests) or dist/ (built). */
const AGENT_FILE = path.resolve(here, "..", "..", "dist", "agent.js");

/** Builds the analytics module from the composition root's context. */
export function createAnalyticsModule(ctx: ModuleContext, options: { afterFlush?: AfterFlush; agentFile?: string } = {}): AnalyticsModule {
  const apps = createAppStore(ctx.records, ctx.clock);
  const metadata = createMetadataStore(ctx.records);
  const definitions = createDefinitionStore(ctx.records, ctx.clock);
  const derived = createDerivedUpdater({ events: ctx.events, definitions });
  const segmentStore = createSegmentStore(ctx.records, ctx.clock);
  const guideData = createGuideDataSlot();
  const segments = createSegmentService({ segments: segmentStore, metadata, events: ctx.events, now: ctx.clock, guideData: guideData.get });
  const reports = createReportStore(ctx.records, ctx.clock);
  const reportService = createReportService({ events: ctx.events, apps, metadata, definitions, segments, now: ctx.clock, guideData: guideData.get });
  const appId = (id: string | undefined): string => {
    const found = id ? apps.get(id) : apps.list()[0];
    if (!found) throw new ApiError(404, "APP_NOT_FOUND", id ? `No app ${id}` : "No app exists yet; create one with POST /api/v1/apps", "app");
    return found.id;
  };
  const eventNames = new Map<string, Set<string>>();
  let log: IngestLog<AcceptedBatch> | undefined;
  let flusher: Flusher | undefined;
  let dictionaries: { urls: Dictionary; elements: Dictionary } | undefined;
  const ingest = createIngestService({
    log: () => {
      if (!log) throw new Error("ingest log is not open");
      return log;
    },
    now: ctx.clock,
    maxAgeDays: ctx.config.ingest.maxEventAgeDays,
    eventNames,
    backlogBytes: () => flusher?.backlogBytes() ?? 0,
    maxBacklogBytes: ctx.config.ingest.maxBacklogBytes,
    nameBudget: createEventNameBudget(ctx.clock),
  });
  const requireFlusher = (): Flusher => {
    if (!flusher) throw new Error("analytics has not started");
    return flusher;
  };
  const bulk = createBulkLoader({
    events: ctx.events,
    metadata,
    ingest,
    log: () => {
      if (!log) throw new Error("ingest log is not open");
      return log;
    },
    flusher: requireFlusher,
    dictionaries: () => {
      if (!dictionaries) throw new Error("analytics has not started");
      return dictionaries;
    },
    afterFlush: async (flushed) => {
      await derived.afterFlush(flushed);
      if (options.afterFlush) await options.afterFlush(flushed);
    },
    eventNames,
    now: ctx.clock,
  });

  const mod: AnalyticsModule = {
    name: "analytics",
    migrations: { ...appsMigrations, ...metadataMigrations, ...definitionsMigrations, ...segmentsMigrations, ...reportsMigrations },
    apps,
    metadata,
    definitions,
    segments,
    reports,
    reportService,
    ingest,
    bulk,
    get flusher() {
      return requireFlusher();
    },
    setGuideDataSource: guideData.set,
    async start() {
      await apps.load();
      await definitions.load();
      await derived.recover();
      const swept = await bulk.sweepStaging();
      if (swept.length > 0) console.error(`pendulum: dropped ${swept.length} staging table(s) an interrupted bulk load left behind`);
      if (apps.list().length === 0) {
        const { app, trackSecret } = await apps.create({ name: "My app", ...(ctx.config.appKey ? { appKey: ctx.config.appKey } : {}), ...(ctx.config.trackSecret ? { trackSecret: ctx.config.trackSecret } : {}) });
        if (!ctx.config.appKey) ctx.announce(`Default app key (for the agent snippet): ${app.appKey}`);
        if (!ctx.config.trackSecret) ctx.announce(`Default app track secret (for POST /data/track; shown once): ${trackSecret}`);
      }
      for (const { appId, name } of await metadata.allEventNames()) {
        let s = eventNames.get(appId);
        if (!s) eventNames.set(appId, (s = new Set()));
        s.add(name);
      }
      const urls = new Dictionary(await ctx.events.dictionary("urls"));
      const elements = new Dictionary(await ctx.events.dictionary("elements"));
      dictionaries = { urls, elements };
      const flushedId = await ctx.events.maxEventId();
      const f = createFlusher({
        events: ctx.events,
        metadata,
        urls,
        elements,
        intervalMs: ctx.config.ingest.flushIntervalMs,
        afterFlush: async (flushed) => {
          await derived.afterFlush(flushed);
          if (options.afterFlush) await options.afterFlush(flushed);
        },
        onFlushed: async (id) => {
          await log?.truncateThrough(id);
        },
        onError: (e) => console.error("pendulum: flushing events failed; will retry", e),
      });
      f.setFlushedId(flushedId);
      const opened = await openIngestLog<AcceptedBatch>(path.join(ctx.config.dataDir, "ingest-log"), flushedId, (r, frame) => f.enqueue(r, frame));
      log = opened.log;
      flusher = f;
      // Replay what was acknowledged but not yet in the event store when the last process stopped.
      for (const r of opened.unflushed) {
        for (const e of r.payload.events) if (e.type === "track" && e.name) eventNames.get(r.payload.appId)?.add(e.name);
        f.enqueue(r);
      }
      if (opened.unflushed.length > 0) await f.flushNow();
      f.start();
    },
    async stop() {
      await flusher?.stop();
      await log?.close();
    },
    async settle() {
      const f = requireFlusher();
      const last = (log?.nextId() ?? 1) - 1;
      await f.flushNow();
      await f.waitFor(last);
    },
    async publicRoutes(app) {
      await registerIngestRoutes(app, { apps, ingest, maxBodyBytes: ctx.config.ingest.maxBodyBytes, agentFile: options.agentFile ?? AGENT_FILE });
    },
    apiRoutes(app) {
      registerDefinitionRoutes(app, { definitions, events: ctx.events, appId, now: ctx.clock });
      registerSegmentRoutes(app, { segments: segmentStore, service: segments, appId });
      registerReportRoutes(app, { reports, service: reportService, segments: segmentStore, appId, defaultTimeZone: (id) => apps.get(id)?.settings.timeZone ?? "UTC" });
      registerAccountUsageRoute(app, { events: ctx.events, apps, metadata, appId, now: ctx.clock });
      registerAnalyticsApi(app, { apps, metadata, ingest, events: ctx.events, get flusher() {
        return requireFlusher();
      }, baseUrl: () => ctx.config.baseUrl });
    },
  };
  return mod;
}

/** Finds the analytics module among a running Pendulum's modules. */
export function analyticsOf(p: { modules: readonly PendulumModule[] }): AnalyticsModule {
  const m = p.modules.find((x) => x.name === "analytics");
  if (!m) throw new Error("analytics module is not loaded");
  return m as AnalyticsModule;
}
