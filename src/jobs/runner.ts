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

const LOCK_MS = 6 * 60 * 60 * 1000;

/** Runs jobs (with their lock and history) and, when started, their schedules. */
export function createJobRunner(deps: { store: JobStore; clock: () => number; handlers: () => Record<string, JobHandler>; log?: (message: string) => void; tickMs?: number }) {
  const { store, clock } = deps;
  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> | undefined;
  const inFlight = new Set<Promise<unknown>>();

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
  const runJob = async (job: Job, trigger: Trigger, parentRunId: string | null = null): Promise<JobRun> => {
    // Each run holds its own token, so a second run in this process is refused like one elsewhere.
    const owner = `${process.pid}-${crypto.randomUUID()}`;
    if (!(await store.lock(job.id, owner, clock(), LOCK_MS))) throw new JobBusyError(job);
    const run = await store.startRun(job.id, trigger, parentRunId, clock());
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
    } finally {
      await store.unlock(job.id, owner);
    }
  };

  /** Runs every due job once, moving its next run past now first (a missed run runs once). */
  const tick = async (trigger: Trigger): Promise<void> => {
    for (const job of await store.due(clock())) {
      const schedule = job.schedule ? parseSchedule(job.schedule, job.timeZone) : undefined;
      await store.setNextRun(job.id, schedule?.ok ? nextRun(schedule.value, clock()) : null);
      const p = runJob(job, trigger).catch((e: unknown) => {
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
      await store.failOrphans(clock());
      await tick("startup");
      timer = setInterval(() => {
        ticking ??= tick("schedule").finally(() => {
          ticking = undefined;
        });
      }, deps.tickMs ?? 1000);
      timer.unref();
    },
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
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
