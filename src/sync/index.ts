import { createAnalyticsModule, type AnalyticsModule } from "../analytics/index.js";
import type { ModuleContext, ModuleFactory, PendulumModule } from "../server/pendulum.js";
import { createConnectionService, type ClientTuning, type LocalCrm } from "./connection.js";
import { registerSyncRoutes } from "./routes.js";
import { createRunService, type RunOptions, type RunService } from "./runs.js";
import { createSecretBox, loadSecretKey } from "./secret-box.js";
import { createSyncStore, syncMigrations, type SyncStore } from "./store.js";

export type { ConnectionInput, ConnectionView, LocalCrm } from "./connection.js";
export type { RunOptions } from "./runs.js";
export type { LinkSettings, PullSettings, PushMapping, RecordError, RunCounts, RunStatus, SyncRun } from "./store.js";

/** The analytics ↔ CRM integration: connection, link, pull, push, runs. */
export type SyncModule = PendulumModule & {
  name: "sync";
  store: SyncStore;
  runs: RunService;
  /** Runs a sync to its end; the jobs scheduler calls this (`scheduled: true` pushes only daily-sync mappings). */
  runSync(options?: RunOptions): Promise<import("./store.js").SyncRun>;
};

export type SyncOptions = {
  analytics: AnalyticsModule | (() => AnalyticsModule);
  /** Client tuning (tests shorten retry delays and timeouts). */
  tuning?: ClientTuning;
  /** Wait before resuming a run a crash left behind, so the server (and a built-in CRM) is listening. */
  resumeDelayMs?: number;
  /** The built-in CRM of this process, if any: the connection wizard registers Pendulum's callback on it. */
  localCrm?: LocalCrm;
};

/** Builds the sync module over the analytics module it integrates. */
export function createSyncModule(ctx: ModuleContext, options: SyncOptions): SyncModule {
  const analytics = typeof options.analytics === "function" ? options.analytics : () => options.analytics as AnalyticsModule;
  const store = createSyncStore(ctx.records, ctx.clock);
  const box = createSecretBox(loadSecretKey(ctx.config.secretKey, ctx.config.dataDir));
  const connection = createConnectionService({ store, box, now: ctx.clock, tuning: options.tuning ?? {}, ...(options.localCrm ? { localCrm: options.localCrm } : {}) });
  const runs = createRunService({ store, connection, analytics, now: ctx.clock, afterPull: () => ctx.signal("crm-pulled") });
  let resumeTimer: NodeJS.Timeout | undefined;
  return {
    name: "sync",
    migrations: syncMigrations,
    store,
    runs,
    runSync: (o) => runs.runSync(o),
    jobHandlers: () => ({
      /** A scheduled sync: params `{pull?: boolean, push?: boolean}`; only daily-sync mappings push. */
      sync: async (params) => {
        const run = await runs.runSync({ pull: params["pull"] !== false, push: params["push"] !== false, scheduled: true });
        return { status: run.status === "running" ? "failure" : run.status, summary: { syncRun: run.id, counts: run.counts, apiCalls: run.apiCalls, errors: run.errors.length, message: run.message } };
      },
    }),
    async start() {
      if ((await store.runningRuns()).length === 0) return;
      resumeTimer = setTimeout(() => {
        runs.resume().catch((e: unknown) => console.error("pendulum: resuming a sync run failed", e));
      }, options.resumeDelayMs ?? 1_000);
    },
    async stop() {
      if (resumeTimer) clearTimeout(resumeTimer);
      await runs.stop();
    },
    apiRoutes(app) {
      registerSyncRoutes(app, { store, connection, runs, analytics });
    },
  };
}

/** A factory for the sync module given a way to find analytics. */
export function createSyncModuleWith(options: SyncOptions): ModuleFactory {
  return (ctx) => createSyncModule(ctx, options);
}

/** Analytics and sync factories sharing one analytics instance: list both in the composition root, analytics first. */
export function analyticsWithSync(options: Omit<SyncOptions, "analytics"> = {}): [ModuleFactory, ModuleFactory] {
  let analytics: AnalyticsModule | undefined;
  const find = (): AnalyticsModule => {
    if (!analytics) throw new Error("the analytics module must be created before sync");
    return analytics;
  };
  return [(ctx) => (analytics = createAnalyticsModule(ctx)), createSyncModuleWith({ ...options, analytics: find })];
}

/** Finds the sync module among a running Pendulum's modules. */
export function syncOf(p: { modules: readonly PendulumModule[] }): SyncModule {
  const m = p.modules.find((x) => x.name === "sync");
  if (!m) throw new Error("sync module is not loaded");
  return m as SyncModule;
}
