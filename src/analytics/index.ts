import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ModuleContext, PendulumModule } from "../kernel/index.js";
import { registerAccountUsageRoute } from "./account-usage.js";
import { registerAnalyticsApi } from "./api-routes.js";
import { appsMigrations, createAppStore, type AppStore } from "./apps.js";
import { createSharedKeys, logOwnerId, openIngestPipeline, registerIngestRoutes, sharedKeyMigrations, type AfterFlush, type BulkLoader, type Flusher, type IngestPipeline, type IngestService } from "./ingest/index.js";
import { createMetadataStore, metadataMigrations, type MetadataStore } from "./metadata.js";
import { createDefinitionStore, definitionsMigrations, registerDefinitionRoutes, type DefinitionStore } from "./definitions/index.js";
import { createDerivedUpdater } from "./derived.js";
import { eventsEngineOf } from "./events-engine.js";
import { createGuideDataSlot, type GuideDataSource } from "./guide-data.js";
import { createSegmentService, createSegmentStore, registerSegmentRoutes, segmentsMigrations, type SegmentService } from "./segments/index.js";
import { createReportService, createReportStore, registerReportRoutes, reportsMigrations, type ReportService, type ReportStore } from "./reports/index.js";
import { ApiError } from "../kernel/index.js";
import { ingestInstanceMigrations, ingestInstanceOf } from "./ingest/instance.js";
import { idRangeOf } from "../store/index.js";

export type { App, AppSettings, AppStore } from "./apps.js";
export type { Entity, EntityKind, Metadata, MetadataGroup, MetadataStore, MetadataValue } from "./metadata.js";
export type { AcceptedBatch, AcceptedEvent } from "./ingest/index.js";
export { canonicalPath } from "./ingest/index.js";
export { matchUrlParts, parseUrlRule, splitUrl, type UrlRule } from "./tagging/index.js";
export { installSnippet } from "./api-routes.js";
export * from "./ingest/schema.js";
export type { Report, ReportResult, ReportRow, Column, ColumnType } from "./reports/index.js";
export type { SegmentGroup, SegmentRule } from "./segments/index.js";
export type { BulkLoader, BulkLoadResult, BulkProgress, BulkSqlSource } from "./ingest/index.js";
export type { EntityGuideCounts, EntityNps, GuideDataSource, NpsCategory } from "./guide-data.js";
export { rebuildClickHouseDerived } from "./rebuild.js";

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
  // Apps are held in memory for ingest: a change made in any process reloads them in every one (ADR 0018).
  const apps = createAppStore(ctx.records, ctx.clock, () => ctx.signal("apps-changed"));
  ctx.onSignal("apps-changed", () => apps.load());
  const metadata = createMetadataStore(ctx.records);
  const definitions = createDefinitionStore(ctx.records, ctx.clock);
  // Reports, segments and rule writes go through the engine interface (ADR 0017).
  const engine = eventsEngineOf(ctx.events);
  const derived = createDerivedUpdater({ events: engine, definitions });
  const segmentStore = createSegmentStore(ctx.records, ctx.clock);
  const guideData = createGuideDataSlot();
  const segments = createSegmentService({ segments: segmentStore, metadata, events: engine, now: ctx.clock, guideData: guideData.get });
  const reports = createReportStore(ctx.records, ctx.clock);
  const reportService = createReportService({ events: engine, apps, metadata, definitions, segments, now: ctx.clock, guideData: guideData.get });
  const appId = (id: string | undefined): string => {
    const found = id ? apps.get(id) : apps.list()[0];
    if (!found) throw new ApiError(404, "APP_NOT_FOUND", id ? `No app ${id}` : "No app exists yet; create one with POST /api/v1/apps", "app");
    return found.id;
  };
  // Rollups and page / feature mappings follow every store of events, flushed or bulk-loaded.
  const afterFlush: AfterFlush = async (flushed) => {
    await derived.afterFlush(flushed);
    if (options.afterFlush) await options.afterFlush(flushed);
  };
  let pipeline: IngestPipeline | undefined;
  const running = (): IngestPipeline => {
    if (!pipeline) throw new Error("analytics has not started");
    return pipeline;
  };

  const mod: AnalyticsModule = {
    name: "analytics",
    migrations: { ...appsMigrations, ...metadataMigrations, ...definitionsMigrations, ...segmentsMigrations, ...reportsMigrations, ...ingestInstanceMigrations, ...sharedKeyMigrations },
    apps,
    metadata,
    definitions,
    segments,
    reports,
    reportService,
    get ingest() {
      return running().service;
    },
    get bulk() {
      return running().bulk;
    },
    get flusher() {
      return running().flusher;
    },
    setGuideDataSource: guideData.set,
    async start() {
      await apps.load();
      await definitions.load();
      // Server mode: this data folder's block of ids, registered once in the shared records (ADR 0019).
      const ids = ctx.events.engine === "clickhouse" ? await ingestInstanceOf(ctx.records, ctx.config.dataDir, ctx.clock) : idRangeOf(0);
      await derived.recover(ids);
      if (apps.list().length === 0) {
        const { app, trackSecret } = await apps.create({ name: "My app", ...(ctx.config.appKey ? { appKey: ctx.config.appKey } : {}), ...(ctx.config.trackSecret ? { trackSecret: ctx.config.trackSecret } : {}) });
        if (!ctx.config.appKey) ctx.announce(`Default app key (for the agent snippet): ${app.appKey}`);
        if (!ctx.config.trackSecret) ctx.announce(`Default app track secret (for POST /data/track; shown once): ${trackSecret}`);
      }
      const logDir = path.join(ctx.config.dataDir, "ingest-log");
      // Server mode (events on ClickHouse, records on PostgreSQL, many processes): idempotency keys
      // are shared in PostgreSQL, so a batch retried against another process is stored once.
      const sharedKeys = ctx.events.engine === "clickhouse"
        ? createSharedKeys({ records: ctx.records, owner: logOwnerId(logDir), now: ctx.clock, windowDays: ctx.config.ingest.maxEventAgeDays + 1 })
        : undefined;
      pipeline = await openIngestPipeline({
        logDir,
        ...(sharedKeys ? { sharedKeys } : {}),
        keysDir: path.join(ctx.config.dataDir, "ingest-keys"),
        segmentBytes: ctx.config.ingest.segmentBytes,
        events: ctx.events,
        ids,
        metadata,
        now: ctx.clock,
        flushIntervalMs: ctx.config.ingest.flushIntervalMs,
        maxEventAgeDays: ctx.config.ingest.maxEventAgeDays,
        maxBacklogBytes: ctx.config.ingest.maxBacklogBytes,
        afterFlush,
      });
    },
    async stop() {
      await pipeline?.stop();
    },
    settle: () => running().settle(),
    async publicRoutes(app) {
      await registerIngestRoutes(app, { apps, ingest: running().service, maxBodyBytes: ctx.config.ingest.maxBodyBytes, agentFile: options.agentFile ?? AGENT_FILE });
    },
    apiRoutes(app) {
      registerDefinitionRoutes(app, { definitions, engine, appId, now: ctx.clock });
      registerSegmentRoutes(app, { segments: segmentStore, service: segments, appId });
      registerReportRoutes(app, { reports, service: reportService, segments: segmentStore, appId, defaultTimeZone: (id) => apps.get(id)?.settings.timeZone ?? "UTC" });
      registerAccountUsageRoute(app, { events: engine, apps, metadata, appId, now: ctx.clock });
      registerAnalyticsApi(app, { apps, metadata, ingest: running().service, events: ctx.events, flusher: running().flusher, baseUrl: () => ctx.config.baseUrl });
    },
  };
  return mod;
}
