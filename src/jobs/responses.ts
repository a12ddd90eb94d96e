import { Type } from "@sinclair/typebox";
import { Nullable } from "../kernel/index.js";

/** Response schemas of `/api/v1/jobs`: Fastify serialises answers with them; OpenAPI shows them. */

export const JobRunSchema = Type.Object({
  id: Type.String(),
  jobId: Type.String(),
  trigger: Type.Union((["schedule", "manual", "startup", "chain"] as const).map((t) => Type.Literal(t))),
  parentRunId: Nullable(Type.String({ description: "The chain run this step ran in" })),
  status: Type.Union((["running", "success", "partial", "failure"] as const).map((s) => Type.Literal(s))),
  startedAt: Type.Number({ description: "Epoch milliseconds" }),
  finishedAt: Nullable(Type.Number()),
  summary: Type.Record(Type.String(), Type.Unknown(), { description: "What the job kind reports (counts, run ids)" }),
  notices: Type.Number({ description: "Records skipped for data reasons" }),
  error: Nullable(Type.String()),
  dueAt: Nullable(Type.Number({ description: "For a scheduled run: the due time it ran for (one run per due time across processes)" })),
});

export const JobSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: Type.String({ description: "chain, or a job kind a module offers" }),
  params: Type.Record(Type.String(), Type.Unknown(), { description: "The kind's parameters; a chain's steps are job ids" }),
  schedule: Nullable(Type.String({ description: "A cron expression or 'daily at HH:MM'" })),
  timeZone: Type.String(),
  enabled: Type.Boolean(),
  nextRunAt: Nullable(Type.Number()),
  createdAt: Type.Number(),
  updatedAt: Type.Number(),
});
export const JobView = Type.Composite([JobSchema, Type.Object({ lastRun: Nullable(JobRunSchema) })]);
export const JobList = Type.Object({ jobs: Type.Array(JobView), kinds: Type.Array(Type.String()) });
export const RunNow = Type.Composite([JobRunSchema, Type.Object({ steps: Type.Optional(Type.Array(JobRunSchema, { description: "A chain's step runs, in order" })) })]);
export const JobRunList = Type.Object({ runs: Type.Array(JobRunSchema) });
