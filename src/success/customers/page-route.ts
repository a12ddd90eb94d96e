import { Type } from "@sinclair/typebox";
import type { HttpApp } from "../../kernel/index.js";
import type { Ctas } from "../ctas/ctas.js";
import type { Scorecards } from "../scorecards/scorecards.js";
import type { Usage } from "../usage/usage.js";
import { ACCOUNT_ID_PATTERN } from "./customer.js";
import type { Customers } from "./customers.js";
import { CustomerPageSchema } from "../responses.js";

/** The answer of GET /success/customers/:accountId/page. */
export type CustomerPage = {
  customer: Awaited<ReturnType<Customers["require"]>>;
  history: Awaited<ReturnType<Scorecards["history"]>>;
  card: Awaited<ReturnType<Scorecards["account"]>>;
  scorecard: Awaited<ReturnType<Scorecards["card"]>>;
  usage: { config: Awaited<ReturnType<Usage["config"]>>; series: Awaited<ReturnType<Usage["history"]>>; measures: Awaited<ReturnType<Usage["measures"]>> };
  ctas: Awaited<ReturnType<Ctas["list"]>>;
};

/**
 * `GET /success/customers/:accountId/page`: everything customer success knows about one customer in
 * one answer (Customer Info, score history, the scorecard now and its scheme, usage by period and
 * the measures, CTAs), so the customer page asks once instead of seven times.
 */
export function customerPageRoute(app: HttpApp, deps: { customers: Customers; usage: Usage; scorecards: Scorecards; ctas: Ctas }): void {
  app.get(
    "/customers/:accountId/page",
    {
      schema: {
        tags: ["success: customers"],
        description: "One customer's page in one call: Customer Info, score history (newest first, up to historyLimit), the scorecard now with the scheme and measures, usage by period with the measures, and CTAs (newest first, up to 50).",
        params: Type.Object({ accountId: Type.String({ pattern: ACCOUNT_ID_PATTERN }) }),
        querystring: Type.Object({ historyLimit: Type.Optional(Type.String({ pattern: "^[0-9]{1,4}$" })) }),
        response: { 200: CustomerPageSchema },
      },
    },
    async (request): Promise<CustomerPage> => {
      const id = request.params.accountId;
      const customer = await deps.customers.require(id);
      const limit = Math.min(1000, Math.max(1, Number(request.query.historyLimit ?? "500")));
      const [history, card, scorecard, series, config, measures, ctas] = await Promise.all([
        deps.scorecards.history(id, limit),
        deps.scorecards.account(id),
        deps.scorecards.card(),
        deps.usage.history(id, {}),
        deps.usage.config(),
        deps.usage.measures(),
        deps.ctas.list({ accountId: id, limit: 50, offset: 0 }),
      ]);
      return { customer, history, card, scorecard, usage: { config, series, measures }, ctas };
    },
  );
}
