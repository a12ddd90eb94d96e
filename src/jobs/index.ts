import type { ModuleContext, PendulumModule } from "../server/pendulum.js";
import { registerJobRoutes } from "./routes.js";
import { createJobRunner, type JobHandler, type JobRunner } from "./runner.js";
import { createJobStore, jobsMigrations, type JobStore } from "./store.js";

export { parseSchedule, nextRun, type Schedule } from "./schedule.js";
export { JobBusyError, type JobHandler, type JobResult, type JobRunner } from "./runner.js";
export type { Job, JobRun, RunStatus, Trigger, JobStore } from "./store.js";

/** The jobs module: schedules and chains over the work other modules register. */
export type JobsModule = PendulumModule & { name: "jobs"; store: JobStore; runner: JobRunner };

/** Builds the jobs module; job kinds come from every module's `jobHandlers`. */
export function createJobsModule(ctx: ModuleContext, options: { tickMs?: number } = {}): JobsModule {
  const store = createJobStore(ctx.records);
  const handlers = (): Record<string, JobHandler> => Object.assign({}, ...ctx.modules().map((m) => m.jobHandlers?.() ?? {})) as Record<string, JobHandler>;
  const runner = createJobRunner({ store, clock: ctx.clock, handlers, log: (m) => console.error(`pendulum: ${m}`), ...(options.tickMs ? { tickMs: options.tickMs } : {}) });
  return {
    name: "jobs",
    migrations: jobsMigrations,
    store,
    runner,
    start: () => runner.start(),
    stop: () => runner.stop(),
    apiRoutes(app) {
      registerJobRoutes(app, { store, runner, handlers, clock: ctx.clock });
    },
  };
}

/** Finds the jobs module among a running Pendulum's modules. */
export function jobsOf(p: { modules: readonly PendulumModule[] }): JobsModule {
  const m = p.modules.find((x) => x.name === "jobs");
  if (!m) throw new Error("jobs module is not loaded");
  return m as JobsModule;
}
