import type { JobHandler, ModuleContext, PendulumModule } from "../kernel/index.js";
import { registerJobRoutes } from "./routes.js";
import { createJobRunner, type JobRunner } from "./runner.js";
import { createJobStore, jobsMigrations, type JobStore } from "./store.js";

export { parseSchedule, nextRun, type Schedule } from "./schedule.js";
export { JobBusyError, type JobHandler, type JobResult, type JobRunner } from "./runner.js";
export type { Job, JobRun, RunStatus, Trigger, JobStore } from "./store.js";

/** The jobs module: schedules and chains over the work other modules register. */
export type JobsModule = PendulumModule & { name: "jobs"; store: JobStore; runner: JobRunner };

/** What the jobs module is built with: the kinds of work it schedules, each offered by the module that owns it. */
export type JobsDeps = { handlers: Record<string, JobHandler>; tickMs?: number; lockMs?: number };

/** Builds the jobs module over the job kinds the composition root hands it (`sync`, `rule`…). */
export function createJobsModule(ctx: ModuleContext, deps: JobsDeps): JobsModule {
  const store = createJobStore(ctx.records);
  const kinds = { ...deps.handlers };
  const handlers = (): Record<string, JobHandler> => kinds;
  // Every process runs jobs asked for through the API; only the leader follows the schedules (ADR 0018).
  const runner = createJobRunner({ store, clock: ctx.clock, handlers, process: ctx.process, log: (m) => console.error(`pendulum: ${m}`), ...(deps.tickMs ? { tickMs: deps.tickMs } : {}), ...(deps.lockMs ? { lockMs: deps.lockMs } : {}) });
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
