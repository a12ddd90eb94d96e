import crypto from "node:crypto";
import type { JobHandler, JobResult } from "../kernel/index.js";
import { nextRun, parseSchedule } from "./schedule.js";
import type { Job, JobRun, JobStore, Trigger } from "./store.js";

export type { JobHandler, JobResult } from "../kernel/index.js";

/** Thrown when a job is already running here or in another process. */
export class JobBusyError extends Error {
  constructor(readonly job: Job) {
    super(`Job "${job.name}" is already running; wait for that run to finish.`);
    this.name = "JobBusyError";
  }
}

/**
 * How long a run's lock outlives a silent holder. The holder renews it every third of this while
 * the run goes on, so a run may last hours; a process killed with -9 stops renewing, and its lock
 * lapses within this time: then its run is marked failed and the job may run again.
 */
export const DEFAULT_LOCK_MS = 60_000;

/** Which process this runner is in: whether others share the records and whether this one runs the schedules. */
export type RunnerProcess = { shared: boolean; instanceId: string; isLeader(): boolean };

const ALONE: RunnerProcess = { shared: false, instanceId: String(process.pid), isLeader: () => true };

/** Runs jobs (with their lock and history) and, when started and leading, their schedules. */
export function createJobRunner(deps: { store: JobStore; clock: () => number; handlers: () => Record<string, JobHandler>; log?: (message: string) => void; tickMs?: number; lockMs?: number; process?: RunnerProcess }) {
  const { store, clock } = deps;
  const me = deps.process ?? ALONE;
  const lockMs = deps.lockMs ?? DEFAULT_LOCK_MS;
  let timer: NodeJS.Timeout | undefined;
  let renewTimer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> | undefined;
  let lastSweep = 0;
  const inFlight = new Set<Promise<unknown>>();
  /** Locks this process holds now (job id → owner), renewed while their runs go on. */
  const held = new Map<string, string>();

  const renewHeld = async (): Promise<void> => {
    for (const [jobId, owner] of held) {
      if (!(await store.renewLock(jobId, owner, clock(), lockMs))) deps.log?.(`the lock of job ${jobId} lapsed while its run went on; another process may run it too`);
    }
  };

  const runChain = async (job: Job, runId: string): Promise<JobResult> => {
    const steps = Array.isArray(job.params["steps"]) ? (job.params["steps"] as unknown[]).map(String) : [];
    const done: { job: string; status: string; runId: string; notices: number }[] = [];
    let notices = 0;
    for (const stepId of steps) {
      const step = await store.get(stepId);
      if (!step) return { status: "failure", notices, summary: { steps: done, stoppedAt: stepId, reason: `Step ${stepId} no longer exists` } };
      const run = await runJob(step, "chain", runId);
      done.push({ job: step.name, status: run.status, runId: run.id, notices: run.notices });
      notices += run.notices;
      // SPEC: a chain stops after a failed or partial step. A step that succeeded with notices
      // (records skipped for data reasons) did its work, so the chain goes on (ADR 0012).
      if (run.status !== "success") return { status: run.status === "partial" ? "partial" : "failure", notices, summary: { steps: done, stoppedAt: step.name } };
    }
    return { status: "success", notices, summary: { steps: done } };
  };

  /** Runs one job now: takes its lock, records the run, returns it finished. */
  const runJob = async (job: Job, trigger: Trigger, parentRunId: string | null = null, dueAt: number | null = null): Promise<JobRun> => {
    // Each run holds its own token, so a second run in this process is refused like one elsewhere.
    const owner = `${me.instanceId}-${crypto.randomUUID()}`;
    if (!(await store.lock(job.id, owner, clock(), lockMs))) throw new JobBusyError(job);
    held.set(job.id, owner);
    try {
      const run = await store.startRun(job.id, trigger, parentRunId, clock(), owner, dueAt);
      return await perform(job, run);
    } finally {
      held.delete(job.id);
      await store.unlock(job.id, owner);
    }
  };

  /** Does a recorded run's work and records how it ended (a thrown error is a failed run). */
  const perform = async (job: Job, run: JobRun): Promise<JobRun> => {
    try {
      let result: JobResult;
      if (job.kind === "chain") result = await runChain(job, run.id);
      else {
        const handler = deps.handlers()[job.kind];
        result = handler ? await handler(job.params, { job, runId: run.id, now: clock() }) : { status: "failure", summary: { reason: `No module handles jobs of kind ${job.kind}` } };
      }
      return await store.finishRun(run.id, result.status, result.summary ?? {}, null, clock(), result.notices ?? 0);
    } catch (e) {
      return await store.finishRun(run.id, "failure", {}, (e as Error).message, clock());
    }
  };

  /**
   * Runs every due job once, claiming its due time first: the claim moves the next run past now
   * (a missed run runs once) and succeeds for one process only, so even two processes that both
   * believe they lead (the old leader not yet aware it lost its lock) never run one due time twice.
   */
  const tick = async (trigger: Trigger): Promise<void> => {
    if (!me.isLeader()) return;
    if (me.shared && clock() - lastSweep >= lockMs / 2) {
      // The leader marks the runs of processes that died (their locks lapsed) as failed.
      lastSweep = clock();
      const orphans = await store.failOrphans(clock(), "shared");
      if (orphans > 0) deps.log?.(`${orphans} job run(s) of a process that stopped marked failed`);
    }
    for (const job of await store.due(clock())) {
      if (job.nextRunAt === null) continue;
      const schedule = job.schedule ? parseSchedule(job.schedule, job.timeZone) : undefined;
      if (!(await store.claimDue(job.id, job.nextRunAt, schedule?.ok ? nextRun(schedule.value, clock()) : null))) continue;
      const p = runJob(job, trigger, null, job.nextRunAt).catch((e: unknown) => {
        if (!(e instanceof JobBusyError)) deps.log?.(`job ${job.name} failed to start: ${(e as Error).message}`);
      });
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }
  };

  return {
    runJob,
    /** Marks runs orphaned by a crash, runs what was missed while stopped, then follows the schedules. */
    async start(): Promise<void> {
      // Alone, whatever is left running is a dead process's; shared, the leader's sweep finds those.
      if (!me.shared) await store.failOrphans(clock(), "alone");
      await tick("startup");
      timer = setInterval(() => {
        ticking ??= tick("schedule")
          .catch((e: unknown) => deps.log?.(`checking the schedules failed: ${(e as Error).message}`))
          .finally(() => {
            ticking = undefined;
          });
      }, deps.tickMs ?? 1000);
      timer.unref();
      renewTimer = setInterval(() => void renewHeld().catch((e: unknown) => deps.log?.(`renewing job locks failed: ${(e as Error).message}`)), Math.max(lockMs / 3, 50));
      renewTimer.unref();
    },
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      if (renewTimer) clearInterval(renewTimer);
      if (ticking) await ticking;
      await Promise.all([...inFlight]);
    },
    /** Resolves when every run started by the schedule so far has finished (tests). */
    async idle(): Promise<void> {
      if (ticking) await ticking;
      await Promise.all([...inFlight]);
    },
  };
}

export type JobRunner = ReturnType<typeof createJobRunner>;
