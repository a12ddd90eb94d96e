import { Type } from "@sinclair/typebox";
import { ApiError, type HttpApp } from "../../kernel/index.js";
import { QueryInt, queryInt } from "../query.js";
import { ACCOUNT_ID_PATTERN } from "../customers/customer.js";
import type { Customers } from "../customers/customers.js";
import { CtaCreateSchema, CtaPatchSchema, CtaStatusSchema } from "./cta.js";
import type { Ctas } from "./ctas.js";
import { CtaList, CtaSchema } from "../responses.js";

/** `/success/ctas`: list, filter, open by hand, change status. */
export function ctaRoutes(app: HttpApp, ctas: Ctas, customers: Customers): void {
  const tags = ["success: CTAs"];
  app.get(
    "/ctas",
    {
      schema: {
        tags,
        querystring: Type.Object({
          status: Type.Optional(Type.Union([CtaStatusSchema, Type.Literal("open"), Type.Literal("closed")])),
          accountId: Type.Optional(Type.String({ pattern: ACCOUNT_ID_PATTERN })),
          type: Type.Optional(Type.String({ maxLength: 64 })),
          ruleId: Type.Optional(Type.String({ maxLength: 64 })),
          runId: Type.Optional(Type.String({ maxLength: 64 })),
          limit: QueryInt,
          offset: QueryInt,
        }),
        response: { 200: CtaList },
      },
    },
    async (request) => ctas.list({ ...request.query, limit: queryInt(request.query.limit, "limit", 100, 1, 1000), offset: queryInt(request.query.offset, "offset", 0, 0, 1e9) }),
  );
  app.post("/ctas", { schema: { tags, body: CtaCreateSchema, response: { 201: CtaSchema } } }, async (request, reply) => {
    await customers.require(request.body.accountId);
    await ctas.openMany([request.body], { ruleId: null, runId: null });
    const { ctas: found } = await ctas.list({ accountId: request.body.accountId, type: request.body.type, status: "open", limit: 1000, offset: 0 });
    const opened = found.find((c) => c.reason === request.body.reason);
    if (!opened) throw new ApiError(409, "CTA_NOT_OPENED", `No open ${request.body.type} CTA with this reason exists for ${request.body.accountId} after opening it; try again.`, "reason");
    return reply.status(201).send(opened);
  });
  app.get("/ctas/:id", { schema: { tags, params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }), response: { 200: CtaSchema } } }, async (request) => ctas.get(request.params.id));
  app.patch("/ctas/:id", { schema: { tags, params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }), body: CtaPatchSchema, response: { 200: CtaSchema } } }, async (request) => ctas.update(request.params.id, request.body));
}
