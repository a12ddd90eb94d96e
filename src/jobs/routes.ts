import { Type } from "@sinclair/typebox";
import { ApiError, Deleted } from "../kernel/index.js";
import type { HttpApp } from "../kernel/index.js";
import { JobBusyError, type JobHandler, type JobRunner } from "./runner.js";
import { nextRun, parseSchedule } from "./schedule.js";
import type { Job, JobStore } from "./store.js";
import { JobList, JobRunList, JobSchema, JobView, RunNow } from "./responses.js";

const Body = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    kind: Type.String({ minLength: 1, maxLength: 50 }),
    params: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    schedule: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()])),
    timeZone: Type.Optional(Type.String({ maxLength: 64 })),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
const Id = Type.Object({ id: Type.String({ maxLength: 200 }) });

/** `/api/v1/jobs`: schedules, chains, manual runs and run history. */
export function registerJobRoutes(app: HttpApp, o: { store: JobStore; runner: JobRunner; handlers: () => Record<string, JobHandler>; clock: () => number }): void {
  const load = async (id: string): Promise<Job> => {
    const job = await o.store.get(id);
    if (!job) throw new ApiError(404, "NOT_FOUND", `No job ${id}`, "id");
    return job;
  };
  const view = async (job: Job) => ({ ...job, lastRun: (await o.store.runs(job.id, 1))[0] ?? null });
  const input = async (body: typeof Body.static, existing?: Job) => {
    const kinds = ["chain", ...Object.keys(o.handlers())];
    if (!kinds.includes(body.kind)) throw new ApiError(400, "UNKNOWN_JOB_KIND", `Job kinds here: ${kinds.join(", ")}`, "kind");
    const params = body.params ?? {};
    if (body.kind === "chain") {
      const steps = params["steps"];
      if (!Array.isArray(steps) || steps.length === 0) throw new ApiError(400, "STEPS_REQUIRED", "A chain needs params.steps: the job ids (or names) to run in order", "params.steps");
      for (const [i, s] of steps.entries()) {
        const step = await o.store.get(String(s));
        if (!step) throw new ApiError(400, "UNKNOWN_STEP", `No job ${String(s)}`, `params.steps[${i}]`);
        if (existing && step.id === existing.id) throw new ApiError(400, "CHAIN_LOOP", "A chain cannot run itself", `params.steps[${i}]`);
        steps[i] = step.id;
      }
    }
    const timeZone = body.timeZone ?? existing?.timeZone ?? "UTC";
    const scheduleText = body.schedule === undefined ? (existing?.schedule ?? null) : body.schedule;
    let nextRunAt: number | null = null;
    if (scheduleText !== null) {
      const s = parseSchedule(scheduleText, timeZone);
      if (!s.ok) throw new ApiError(400, s.error.code, s.error.message, "schedule");
      nextRunAt = nextRun(s.value, o.clock());
    }
    const enabled = body.enabled ?? existing?.enabled ?? true;
    return { name: body.name, kind: body.kind, params, schedule: scheduleText, timeZone, enabled, nextRunAt: enabled ? nextRunAt : null };
  };

  app.get("/jobs", { schema: { tags: ["jobs"], response: { 200: JobList } } }, async () => ({ jobs: await Promise.all((await o.store.list()).map(view)), kinds: ["chain", ...Object.keys(o.handlers())] }));
  app.get("/jobs/:id", { schema: { tags: ["jobs"], params: Id, response: { 200: JobView } } }, async (req) => view(await load(req.params.id)));
  app.post("/jobs", { schema: { tags: ["jobs"], body: Body, response: { 201: JobSchema } } }, async (req, reply) => {
    if (await o.store.get(req.body.name)) throw new ApiError(409, "NAME_TAKEN", `A job is already named ${req.body.name}`, "name");
    reply.status(201);
    return o.store.save(await input(req.body), undefined, o.clock());
  });
  app.put("/jobs/:id", { schema: { tags: ["jobs"], params: Id, body: Body, response: { 200: JobSchema } } }, async (req) => {
    const job = await load(req.params.id);
    return o.store.save(await input(req.body, job), job.id, o.clock());
  });
  app.delete("/jobs/:id", { schema: { tags: ["jobs"], params: Id, response: { 200: Deleted } } }, async (req) => {
    const job = await load(req.params.id);
    await o.store.delete(job.id);
    return { deleted: true };
  });
  app.post("/jobs/:id/run", { schema: { tags: ["jobs"], summary: "Run a job now and wait for it", params: Id, response: { 200: RunNow } } }, async (req) => {
    const job = await load(req.params.id);
    try {
      const run = await o.runner.runJob(job, "manual");
      return { ...run, steps: job.kind === "chain" ? await o.store.childRuns(run.id) : undefined };
    } catch (e) {
      if (e instanceof JobBusyError) throw new ApiError(409, "JOB_RUNNING", e.message, "id");
      throw e;
    }
  });
  app.get("/jobs/:id/runs", { schema: { tags: ["jobs"], params: Id, querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) }), response: { 200: JobRunList } } }, async (req) => {
    const job = await load(req.params.id);
    return { runs: await o.store.runs(job.id, req.query.limit ?? 50) };
  });
}
