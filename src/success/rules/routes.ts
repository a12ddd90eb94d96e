import { Type } from "@sinclair/typebox";
import { ApiError } from "../../kernel/index.js";
import type { HttpApp } from "../../kernel/index.js";
import { QueryInt, queryInt } from "../query.js";
import { DATE_PATTERN } from "../dates.js";
import { RuleInputSchema } from "./definition.js";
import type { RuleRunner } from "./rule-runner.js";
import type { RuleStore } from "./rules.js";
import type { RunStore } from "./runs.js";
import type { RuleStores } from "./run-types.js";
import { validateRule } from "./validate.js";
import { RulePreviewSchema, RuleRunSchema, RuleSchema, RunRows } from "../responses.js";
import { NoContent } from "../../kernel/index.js";

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 255, description: "The rule's id or name." }) });

/** `/success/rules`: rules, runs and previews. */
export function ruleRoutes(app: HttpApp, opts: { rules: RuleStore; runs: RunStore; runner: RuleRunner; deps: RuleStores }): void {
  const tags = ["success: rules"];
  app.get("/rules", { schema: { tags, response: { 200: Type.Object({ rules: Type.Array(RuleSchema) }) } } }, async () => ({ rules: await opts.rules.list() }));
  app.post("/rules", { schema: { tags, body: RuleInputSchema, response: { 201: RuleSchema } } }, async (request, reply) => {
    await validateRule(request.body, opts.deps);
    return reply.status(201).send(await opts.rules.create(request.body));
  });
  app.get("/rules/:id", { schema: { tags, params: IdParams, response: { 200: RuleSchema } } }, async (request) => opts.rules.require(request.params.id));
  app.put("/rules/:id", { schema: { tags, params: IdParams, body: RuleInputSchema, response: { 200: RuleSchema } } }, async (request) => {
    const rule = await opts.rules.require(request.params.id);
    await validateRule(request.body, opts.deps);
    return opts.rules.replace(rule.id, request.body);
  });
  app.delete("/rules/:id", { schema: { tags, params: IdParams, response: { 204: NoContent } } }, async (request, reply) => {
    const rule = await opts.rules.require(request.params.id);
    await opts.rules.remove(rule.id);
    return reply.status(204).send(null);
  });
  app.post(
    "/rules/:id/run",
    {
      schema: {
        tags,
        description: "Runs the rule now on a rule date (today by default; give one to back-fill). With preview, shows what each action would write for the first rows and writes nothing.",
        params: IdParams,
        body: Type.Optional(
          Type.Object(
            { date: Type.Optional(Type.String({ pattern: DATE_PATTERN })), preview: Type.Optional(Type.Boolean()), previewRows: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })) },
            { additionalProperties: false },
          ),
        ),
        response: { 200: Type.Union([RuleRunSchema, RulePreviewSchema], { description: "The run, or with preview the preview" }) },
      },
    },
    async (request) => opts.runner.run(request.params.id, request.body ?? {}),
  );
  app.post(
    "/rules/preview",
    {
      schema: {
        tags,
        description:
          "Previews the rule in the body, saved or not: what its source gives and what each action would write for the first rows. Nothing is stored, not even the rule, so trying a change never touches the rule that runs on schedule.",
        // The body is the rule itself, so a refused field has the same name as when the rule is saved.
        body: RuleInputSchema,
        querystring: Type.Object({ date: Type.Optional(Type.String({ pattern: DATE_PATTERN })), previewRows: QueryInt, ruleId: Type.Optional(Type.String({ maxLength: 255 })) }),
        response: { 200: RulePreviewSchema },
      },
    },
    async (request) => {
      await validateRule(request.body, opts.deps);
      const rows = queryInt(request.query.previewRows, "previewRows", 10, 1, 100);
      return opts.runner.previewDraft(request.body, { previewRows: rows, ...(request.query.date ? { date: request.query.date } : {}), ...(request.query.ruleId ? { ruleId: request.query.ruleId } : {}) });
    },
  );
  app.get(
    "/rules/:id/runs",
    { schema: { tags, params: IdParams, querystring: Type.Object({ limit: QueryInt }), response: { 200: Type.Object({ runs: Type.Array(RuleRunSchema) }) } } },
    async (request) => {
      const rule = await opts.rules.require(request.params.id);
      return { runs: await opts.runs.list(rule.id, queryInt(request.query.limit, "limit", 50, 1, 500)) };
    },
  );
  app.get(
    "/rules/:id/runs/:runId/rows",
    {
      schema: {
        tags,
        description:
          "What a run wrote that Pendulum keeps: usage rows and custom-object records it wrote last (a later run of the same period or record takes them over), the score changes it made and the CTAs it opened. CRM and Customer Info writes are counted on the run itself.",
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 255 }), runId: Type.String({ minLength: 1, maxLength: 64 }) }),
        querystring: Type.Object({ limit: QueryInt }),
        response: { 200: RunRows },
      },
    },
    async (request) => {
      const rule = await opts.rules.require(request.params.id);
      const run = await opts.runs.get(request.params.runId);
      if (run.ruleId !== rule.id) throw new ApiError(404, "RUN_NOT_FOUND", `Run ${request.params.runId} is not a run of "${rule.name}".`, "runId");
      const limit = queryInt(request.query.limit, "limit", 100, 1, 1000);
      const [usage, scores, ctas, records] = await Promise.all([
        opts.deps.usage.rowsOfRun(run.id, limit),
        opts.deps.scorecards.historyOfRun(run.id, limit),
        opts.deps.ctas.list({ runId: run.id, limit, offset: 0 }),
        opts.deps.objects.recordsOfRun(run.id, limit),
      ]);
      return { runId: run.id, usage, scores, ctas: { total: ctas.total, rows: ctas.ctas }, records };
    },
  );
  app.get("/rules/:id/runs/:runId", { schema: { tags, params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 255 }), runId: Type.String({ minLength: 1, maxLength: 64 }) }), response: { 200: RuleRunSchema } } }, async (request) => {
    const rule = await opts.rules.require(request.params.id);
    const run = await opts.runs.get(request.params.runId);
    if (run.ruleId !== rule.id) throw new ApiError(404, "RUN_NOT_FOUND", `Run ${request.params.runId} is not a run of "${rule.name}".`, "runId");
    return run;
  });
}
