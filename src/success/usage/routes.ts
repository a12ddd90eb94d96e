import { Type } from "@sinclair/typebox";
import { ApiError } from "../../kernel/index.js";
import type { HttpApp } from "../../kernel/index.js";
import { QueryInt, queryInt } from "../query.js";
import { ACCOUNT_ID_PATTERN, FIELD_KEY_PATTERN } from "../customers/customer.js";
import { DATE_PATTERN } from "../dates.js";
import { UsageMeasurePatchSchema, UsageMeasureSchema } from "./measure.js";
import type { Usage } from "./usage.js";
import { AGGREGATION_LEVELS, UsageConfigSchema } from "./usage-config.js";
import { AccountUsageSeries, UsageRowSchema, UsageSummary, UsageWriteResult } from "../responses.js";
import { NoContent } from "../../kernel/index.js";

const Level = Type.Union(AGGREGATION_LEVELS.map((l) => Type.Literal(l)));
const UsageWriteSchema = Type.Object(
  {
    accountId: Type.String({ pattern: ACCOUNT_ID_PATTERN }),
    date: Type.String({ pattern: DATE_PATTERN }),
    aggregationLevel: Level,
    instanceId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    userId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    measures: Type.Record(Type.String({ pattern: FIELD_KEY_PATTERN }), Type.Union([Type.String({ maxLength: 1024 }), Type.Number(), Type.Boolean(), Type.Null()])),
  },
  { additionalProperties: false },
);

/** `/success/usage`: configuration, measures and data. */
export function usageRoutes(app: HttpApp, usage: Usage): void {
  const tags = ["success: usage"];
  app.get("/usage/config", { schema: { tags, response: { 200: UsageConfigSchema } } }, async () => usage.config());
  app.put("/usage/config", { schema: { tags, body: UsageConfigSchema, response: { 200: UsageConfigSchema } } }, async (request) => usage.setConfig(request.body));
  app.get("/usage/measures", { schema: { tags, response: { 200: Type.Object({ measures: Type.Array(UsageMeasureSchema) }) } } }, async () => ({ measures: await usage.measures() }));
  app.post("/usage/measures", { schema: { tags, body: UsageMeasureSchema, response: { 201: UsageMeasureSchema } } }, async (request, reply) => reply.status(201).send(await usage.createMeasure(request.body)));
  app.patch("/usage/measures/:name", { schema: { tags, params: Type.Object({ name: Type.String({ pattern: FIELD_KEY_PATTERN }) }), body: UsageMeasurePatchSchema, response: { 200: UsageMeasureSchema } } }, async (request) =>
    usage.updateMeasure(request.params.name, request.body),
  );
  app.delete("/usage/measures/:name", { schema: { tags, params: Type.Object({ name: Type.String({ pattern: FIELD_KEY_PATTERN }) }), response: { 204: NoContent } } }, async (request, reply) => {
    if (!(await usage.removeMeasure(request.params.name))) throw new ApiError(404, "MEASURE_NOT_FOUND", `No usage measure is named ${request.params.name}.`, "name");
    return reply.status(204).send(null);
  });
  app.post(
    "/usage/data",
    { schema: { tags, description: "Upserts usage rows; each date is snapped to its week or month.", body: Type.Object({ rows: Type.Array(UsageWriteSchema, { minItems: 1, maxItems: 10_000 }) }, { additionalProperties: false }), response: { 200: UsageWriteResult } } },
    async (request) => usage.write(request.body.rows),
  );
  app.get(
    "/usage/data",
    {
      schema: {
        tags,
        querystring: Type.Object({
          accountId: Type.Optional(Type.String({ pattern: ACCOUNT_ID_PATTERN })),
          from: Type.Optional(Type.String({ pattern: DATE_PATTERN })),
          to: Type.Optional(Type.String({ pattern: DATE_PATTERN })),
          aggregationLevel: Type.Optional(Level),
          limit: QueryInt,
          offset: QueryInt,
        }),
        response: { 200: Type.Object({ rows: Type.Array(UsageRowSchema) }) },
      },
    },
    async (request) => ({ rows: await usage.rows({ ...request.query, limit: queryInt(request.query.limit, "limit", 1000, 1, 10_000), offset: queryInt(request.query.offset, "offset", 0, 0, 1e9) }) }),
  );
  app.get(
    "/usage/summary",
    {
      schema: {
        tags,
        description: "Usage per period across customers: for each period, how many accounts have a row and each numeric measure's sum, mean, lowest and highest (account-level rows unless another level is asked).",
        querystring: Type.Object({ from: Type.Optional(Type.String({ pattern: DATE_PATTERN })), to: Type.Optional(Type.String({ pattern: DATE_PATTERN })), aggregationLevel: Type.Optional(Level) }),
        response: { 200: UsageSummary },
      },
    },
    async (request) => ({ config: await usage.config(), measures: await usage.measures(), periods: await usage.summary(request.query) }),
  );
  app.get(
    "/customers/:accountId/usage",
    {
      schema: {
        tags,
        description: "One account's usage time series, rolled up to the account.",
        params: Type.Object({ accountId: Type.String({ pattern: ACCOUNT_ID_PATTERN }) }),
        querystring: Type.Object({ from: Type.Optional(Type.String({ pattern: DATE_PATTERN })), to: Type.Optional(Type.String({ pattern: DATE_PATTERN })) }),
        response: { 200: AccountUsageSeries },
      },
    },
    async (request) => ({ accountId: request.params.accountId, config: await usage.config(), series: await usage.history(request.params.accountId, request.query) }),
  );
}
