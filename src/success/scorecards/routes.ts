import { Type } from "@sinclair/typebox";
import { ApiError } from "../../kernel/index.js";
import type { HttpApp } from "../../kernel/index.js";
import { QueryInt, queryInt } from "../query.js";
import { ACCOUNT_ID_PATTERN, FIELD_KEY_PATTERN } from "../customers/customer.js";
import type { Customers } from "../customers/customers.js";
import { HealthSummarySchema } from "./health.js";
import { ScoringSchemeSchema } from "./scheme.js";
import type { Scorecards } from "./scorecards.js";
import { AccountScorecard, CreatedId, ScoreChangeSchema, ScoreHistoryRow, ScorecardSchema } from "../responses.js";
import { NoContent } from "../../kernel/index.js";

const Weight = Type.Integer({ minimum: 0, maximum: 999_999 });
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const AccountParams = Type.Object({ accountId: Type.String({ pattern: ACCOUNT_ID_PATTERN }) });

/** `/success/scorecard`: scheme, groups, measures; per-account scores and history. */
export function scorecardRoutes(app: HttpApp, scorecards: Scorecards, customers: Customers): void {
  const tags = ["success: scorecards"];
  app.get("/scorecard", { schema: { tags, response: { 200: ScorecardSchema } } }, async () => scorecards.card());
  app.get(
    "/health",
    {
      schema: {
        tags,
        description: "Customers per health range now and at the end of each of the last `days` days (from score history), and the customers whose overall health moved in the last `movedDays` days with the measures that moved it.",
        querystring: Type.Object({ days: QueryInt, movedDays: QueryInt, limit: QueryInt }),
        response: { 200: HealthSummarySchema },
      },
    },
    async (request) =>
      scorecards.health({ days: queryInt(request.query.days, "days", 90, 1, 366), movedDays: queryInt(request.query.movedDays, "movedDays", 7, 1, 90), movedLimit: queryInt(request.query.limit, "limit", 20, 1, 200) }),
  );
  app.put("/scorecard/scheme", { schema: { tags, body: ScoringSchemeSchema, response: { 200: ScoringSchemeSchema } } }, async (request) => scorecards.setScheme(request.body));
  app.post("/scorecard/groups", { schema: { tags, body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 128 }), weight: Weight }, { additionalProperties: false }), response: { 201: CreatedId } } }, async (request, reply) =>
    reply.status(201).send(await scorecards.createGroup(request.body)),
  );
  app.patch(
    "/scorecard/groups/:id",
    { schema: { tags, params: IdParams, body: Type.Object({ name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })), weight: Type.Optional(Weight) }, { additionalProperties: false }), response: { 200: ScorecardSchema } } },
    async (request) => {
      await scorecards.updateGroup(request.params.id, request.body);
      return scorecards.card();
    },
  );
  app.delete("/scorecard/groups/:id", { schema: { tags, params: IdParams, response: { 204: NoContent } } }, async (request, reply) => {
    if (!(await scorecards.removeGroup(request.params.id))) throw new ApiError(404, "GROUP_NOT_FOUND", `No scorecard group has id ${request.params.id}.`, "id");
    return reply.status(204).send(null);
  });
  app.post(
    "/scorecard/measures",
    {
      schema: {
        tags,
        body: Type.Object(
          { name: Type.String({ pattern: FIELD_KEY_PATTERN }), label: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })), weight: Weight, group: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Null()])) },
          { additionalProperties: false },
        ),
        response: { 201: CreatedId },
      },
    },
    async (request, reply) => reply.status(201).send(await scorecards.createMeasure(request.body)),
  );
  app.patch(
    "/scorecard/measures/:id",
    {
      schema: {
        tags,
        params: IdParams,
        body: Type.Object(
          { label: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })), weight: Type.Optional(Weight), group: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Null()])) },
          { additionalProperties: false },
        ),
        response: { 200: ScorecardSchema },
      },
    },
    async (request) => {
      await scorecards.updateMeasure(request.params.id, request.body);
      return scorecards.card();
    },
  );
  app.delete("/scorecard/measures/:id", { schema: { tags, params: IdParams, response: { 204: NoContent } } }, async (request, reply) => {
    if (!(await scorecards.removeMeasure(request.params.id))) throw new ApiError(404, "MEASURE_NOT_FOUND", `No scorecard measure has id ${request.params.id}.`, "id");
    return reply.status(204).send(null);
  });
  app.get("/customers/:accountId/scorecard", { schema: { tags, params: AccountParams, response: { 200: AccountScorecard } } }, async (request) => {
    await customers.require(request.params.accountId);
    return scorecards.account(request.params.accountId);
  });
  app.post(
    "/customers/:accountId/scores",
    {
      schema: {
        tags,
        description: "Sets one measure's score (a number 0–100 or a range label) with a comment; the overall health score follows.",
        params: AccountParams,
        body: Type.Object({ measure: Type.String({ pattern: FIELD_KEY_PATTERN }), score: Type.Union([Type.Number(), Type.String({ minLength: 1, maxLength: 32 })]), comment: Type.Optional(Type.String({ maxLength: 4000 })) }, { additionalProperties: false }),
        response: { 200: ScoreChangeSchema },
      },
    },
    async (request) => {
      await customers.require(request.params.accountId);
      const [r] = await scorecards.setScores([{ accountId: request.params.accountId, ...request.body }], null);
      if (!r || !r.ok) throw new ApiError(400, "INVALID_SCORE", r ? `${r.field}: ${r.message}` : "No score was written.", r?.field);
      return r.change;
    },
  );
  app.get(
    "/customers/:accountId/score-history",
    { schema: { tags, params: AccountParams, querystring: Type.Object({ limit: QueryInt }), response: { 200: Type.Object({ history: Type.Array(ScoreHistoryRow) }) } } },
    async (request) => ({ history: await scorecards.history(request.params.accountId, queryInt(request.query.limit, "limit", 100, 1, 1000)) }),
  );
}
