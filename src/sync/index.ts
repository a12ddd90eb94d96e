import type { AnalyticsModule } from "../analytics/index.js";
import type { JobHandler, ModuleContext, PendulumModule } from "../kernel/index.js";
import type { SalesforceClient } from "../salesforce/index.js";
import { createConnectionService, type ClientTuning, type LocalCrm } from "./connection.js";
import { registerSyncRoutes } from "./routes.js";
import { createRunService, type RunOptions, type RunService } from "./runs.js";
import { createSecretBox, loadSecretKey } from "./secret-box.js";
import { createSyncStore, syncMigrations, type SyncStore, type SyncRun } from "./store.js";

export type { ConnectionInput, ConnectionView, LocalCrm } from "./connection.js";
export type { RunOptions } from "./runs.js";
export type { LinkSettings, PullSettings, PushMapping, RecordError, RunCounts, RunStatus, SyncRun } from "./store.js";

/** The CRM as the admin connected it for sync, lent to the rules engine: one integration user, one retry policy, one API reserve. */
export type CrmAccess = {
  /** A client signed in as the connection's user; refuses with CRM_NOT_CONNECTED when there is none. */
  client(): Promise<SalesforceClient>;
  /** Records what a run learned on the connection: API usage, or that the admin must reconnect. */
  finished(client: SalesforceClient, error?: unknown): Promise<void>;
};

/** The analytics ↔ CRM integration: connection, link, pull, push, runs. */
export type SyncModule = PendulumModule & {
  name: "sync";
  store: SyncStore;
  runs: RunService;
  /** Runs a sync to its end (`scheduled: true` pushes only daily-sync mappings). */
  runSync(options?: RunOptions): Promise<SyncRun>;
  /** The connection for other roles that write to the CRM (the rules engine). */
  crmAccess: CrmAccess;
  /** The `sync` job kind. */
  jobHandlers: Record<string, JobHandler>;
};

/** How hard the CRM client retries and how long it waits (tests shorten both). */
export type SyncTuning = {
  tuning?: ClientTuning;
  /** Wait before resuming a run a crash left behind, so the server (and a built-in CRM) is listening. */
  resumeDelayMs?: number;
  /** The built-in CRM of this process, if any: the connection wizard registers Pendulum's callback on it. */
  localCrm?: LocalCrm;
};

export type SyncDeps = SyncTuning & {
  analytics: AnalyticsModule;
  /** The built-in CRM of this process, if any: the connection wizard registers Pendulum's callback on it. */
  localCrm?: LocalCrm;
};

/** Builds the sync module over the analytics module it integrates. */
export function createSyncModule(ctx: ModuleContext, deps: SyncDeps): SyncModule {
  const { analytics } = deps;
  const store = createSyncStore(ctx.records, ctx.clock);
  const box = createSecretBox(loadSecretKey(ctx.config.secretKey, ctx.config.dataDir));
  const connection = createConnectionService({ store, box, now: ctx.clock, tuning: deps.tuning ?? {}, ...(deps.localCrm ? { localCrm: deps.localCrm } : {}) });
  const runs = createRunService({ store, connection, analytics, now: ctx.clock, afterPull: () => ctx.signal("crm-pulled"), maxRefusedPercent: ctx.config.maxRefusedPercent, tryLock: (name) => ctx.records.tryLock(name) });
  let resumeTimer: NodeJS.Timeout | undefined;
  return {
    name: "sync",
    migrations: syncMigrations,
    store,
    runs,
    runSync: (o) => runs.runSync(o),
    crmAccess: { client: () => connection.client(), finished: (client, error) => connection.note(client, error) },
    jobHandlers: {
      /** A scheduled sync: params `{pull?: boolean, push?: boolean}`; only daily-sync mappings push. */
      sync: async (params) => {
        const run = await runs.runSync({ pull: params["pull"] !== false, push: params["push"] !== false, scheduled: true });
        return { status: run.status === "running" ? "failure" : run.status, notices: run.notices, summary: { syncRun: run.id, counts: run.counts, notices: run.notices, apiCalls: run.apiCalls, errors: run.errors.length, message: run.message } };
      },
    },
    async start() {
      if ((await store.runningRuns()).length === 0) return;
      resumeTimer = setTimeout(() => {
        runs.resume().catch((e: unknown) => console.error("pendulum: resuming a sync run failed", e));
      }, deps.resumeDelayMs ?? 1_000);
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
