import type { AnalyticsModule } from "../analytics/index.js";
import { ApiError, outcomeOf } from "../kernel/index.js";
import { SalesforceError, type SalesforceClient } from "../salesforce/index.js";
import type { ConnectionService } from "./connection.js";
import { createRunContext, RunInterrupted, type RunContext } from "./context.js";
import { pullSide } from "./pull.js";
import { pushMapping } from "./push.js";
import type { RecordsLock } from "../store/index.js";
import { emptyCounts, noticesOf, type LinkSettings, type PullSettings, type RunStatus, type SyncRun, type SyncStore } from "./store.js";

/** What a run does: pull, push or both (both by default); `scheduled` pushes only mappings with daily sync on. */
export type RunOptions = { pull?: boolean; push?: boolean; scheduled?: boolean };

export const DEFAULT_LINK: LinkSettings = { accountField: "Id" };
export const DEFAULT_PULL: PullSettings = { accountFields: [], visitorFields: [] };

/** The records lock a sync run holds from start to end (ADR 0013). */
const RUN_LOCK = "sync-run";

/** Runs syncs one at a time, records them, and resumes a run a crash left behind. */
export function createRunService(deps: {
  store: SyncStore;
  connection: ConnectionService;
  analytics: AnalyticsModule;
  now: () => number;
  afterPull?: () => void;
  maxRefusedPercent: number;
  /** The records' shared locks: one sync run at a time across every process on the records (Records.tryLock). */
  tryLock: (name: string) => Promise<RecordsLock | undefined>;
}) {
  const { store } = deps;
  let active: { id: string; done: Promise<SyncRun>; abort: AbortController } | undefined;
  // Set from the first check until a run is launched, so two calls of this process never both pass the check.
  let claiming = false;

  const appIdOf = (link: LinkSettings): string => {
    const a = deps.analytics;
    const app = link.appId ? a.apps.get(link.appId) : a.apps.list()[0];
    if (!app) throw new ApiError(404, "APP_NOT_FOUND", "No analytics app to sync with");
    return app.id;
  };

  async function steps(ctx: RunContext, run: SyncRun, options: RunOptions): Promise<void> {
    const analytics = deps.analytics;
    const link = (await store.getSetting<LinkSettings>("link")) ?? DEFAULT_LINK;
    const pull = (await store.getSetting<PullSettings>("pull")) ?? DEFAULT_PULL;
    const conn = await deps.connection.stored();
    const appId = appIdOf(link);
    const known = new Map<string, Promise<ReadonlySet<string>>>();
    const knownIds = (kind: "account" | "visitor"): Promise<ReadonlySet<string>> => {
      let ids = known.get(kind);
      if (!ids) known.set(kind, (ids = analytics.metadata.all(appId, kind).then((es) => new Set(es.map((e) => e.id)))));
      return ids;
    };
    if (run.pull) {
      let changed = await pullSide(ctx, analytics, appId, { object: "Account", kind: "account", linkField: link.accountField, fields: pull.accountFields });
      if (link.visitorField && pull.visitorFields.length > 0) changed += await pullSide(ctx, analytics, appId, { object: "Contact", kind: "visitor", linkField: link.visitorField, fields: pull.visitorFields });
      // Listeners (guide segment caches) recompute from the pulled values: a pull that changed none
      // has nothing new for them, and their own timers still catch time-relative rules.
      if (changed > 0) deps.afterPull?.();
    }
    if (run.push) {
      for (const m of await store.listMappings()) {
        if (options.scheduled && !m.dailySync) continue;
        await pushMapping(ctx, { analytics, store, knownIds }, m, m.object === "Account" ? link.accountField : link.visitorField, conn?.fieldPrefix ?? "Pendo_");
      }
    }
  }

  /**
   * A run that could not do its work (stopped, or a step that could not run) is partial or failed;
   * one that did it succeeded, its skipped records listed as notices, unless the CRM refused more
   * than the configured share of the records it tried to write (ADR 0012).
   */
  function statusOf(run: SyncRun, stopped: boolean): RunStatus {
    if (stopped) return run.counts.written > 0 || run.counts.read > 0 ? "partial" : "failure";
    if (run.counts.failed > 0) return "partial";
    return outcomeOf({ refused: run.counts.refused, attempted: run.counts.written + run.counts.refused, maxRefusedPercent: deps.maxRefusedPercent });
  }

  async function execute(run: SyncRun, options: RunOptions, abort: AbortController): Promise<SyncRun> {
    const counts = emptyCounts();
    const errors = run.errors;
    let client: SalesforceClient | undefined;
    let stopError: unknown;
    try {
      client = await deps.connection.client();
      await steps(createRunContext(run.id, client, counts, errors, abort.signal), run, options);
    } catch (e) {
      if (e instanceof RunInterrupted || abort.signal.aborted) return run; // stays `running`; resumed on next start
      stopError = e;
    }
    const written = await store.countWritten(run.id);
    const next: SyncRun = { ...run, counts: { ...counts, written }, notices: noticesOf(counts), errors, apiCalls: run.apiCalls + (client?.calls() ?? 0), finishedAt: deps.now() };
    if (stopError !== undefined) {
      const code = stopError instanceof SalesforceError ? stopError.problem : stopError instanceof ApiError ? stopError.code : "INTERNAL";
      next.message = `${code}: ${stopError instanceof Error ? stopError.message : String(stopError)}`;
      if (!(stopError instanceof SalesforceError) && !(stopError instanceof ApiError)) console.error("pendulum: sync run failed", stopError);
    }
    next.status = statusOf(next, stopError !== undefined);
    if (next.status === "partial" && stopError === undefined && next.counts.failed === 0) next.message = `The CRM refused ${next.counts.refused} of ${next.counts.written + next.counts.refused} records, more than ${deps.maxRefusedPercent} %: check the push mappings and the CRM's validation rules`;
    await store.saveRun(next);
    if (client) await deps.connection.note(client, stopError);
    return next;
  }

  /** The lock that makes a run the only one of every process on these records; released when it ends. */
  async function runLock(): Promise<RecordsLock> {
    const lock = await deps.tryLock(RUN_LOCK);
    if (lock) return lock;
    const other = (await store.runningRuns())[0];
    throw new ApiError(409, "RUN_IN_PROGRESS", other ? `Sync run ${other.id} is running in another Pendulum process` : "A sync run is running in another Pendulum process", undefined, other ? { runId: other.id } : undefined);
  }

  function launch(run: SyncRun, options: RunOptions, lock: RecordsLock): SyncRun {
    const abort = new AbortController();
    // The run's final state is saved before the lock goes, so whoever takes it next sees the run ended.
    const done = execute(run, options, abort).finally(async () => {
      if (active?.id === run.id) active = undefined;
      await lock.release().catch(() => undefined);
    });
    active = { id: run.id, done, abort };
    return run;
  }

  return {
    /** Starts a run in the background; refuses while another one is running. */
    async start(options: RunOptions = {}): Promise<SyncRun> {
      if (active) throw new ApiError(409, "RUN_IN_PROGRESS", `Sync run ${active.id} is still running`, undefined, { runId: active.id });
      if (claiming) throw new ApiError(409, "RUN_IN_PROGRESS", "A sync run is starting");
      claiming = true;
      try {
        const lock = await runLock();
        let run: SyncRun;
        try {
          run = await store.createRun({ pull: options.pull ?? true, push: options.push ?? true });
        } catch (e) {
          await lock.release();
          throw e;
        }
        return launch(run, options, lock);
      } finally {
        claiming = false;
      }
    },
    /** Runs a sync to its end (the jobs scheduler calls this). */
    async runSync(options: RunOptions = {}): Promise<SyncRun> {
      const run = await this.start(options);
      return this.wait(run.id);
    },
    /** Waits for a run to finish. */
    async wait(id: string): Promise<SyncRun> {
      if (active?.id === id) return active.done;
      const run = await store.getRun(id);
      if (!run) throw new ApiError(404, "NOT_FOUND", `No sync run ${id}`, "id");
      return run;
    },
    /** Resumes runs a crash or shutdown left `running`: already-written records are not written again. */
    async resume(): Promise<SyncRun[]> {
      const out: SyncRun[] = [];
      for (const listed of await store.runningRuns()) {
        if (active || claiming) break;
        claiming = true;
        let resumed: SyncRun | undefined;
        try {
          // Another process is running a sync (perhaps this very run): it is not ours to resume.
          const lock = await deps.tryLock(RUN_LOCK);
          if (!lock) break;
          // Read again under the lock: the process that held it may have finished the run meanwhile.
          const run = await store.getRun(listed.id);
          if (!run || run.status !== "running") {
            await lock.release();
            continue;
          }
          resumed = { ...run, resumed: run.resumed + 1 };
          await store.saveRun(resumed);
          launch(resumed, {}, lock);
        } finally {
          claiming = false;
        }
        out.push(await this.wait(resumed.id));
      }
      return out;
    },
    activeId: (): string | undefined => active?.id,
    /** Stops the active run at its next safe point (shutdown). */
    async stop(): Promise<void> {
      if (!active) return;
      active.abort.abort();
      await active.done.catch(() => undefined);
    },
  };
}

export type RunService = ReturnType<typeof createRunService>;
