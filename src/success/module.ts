import type { ModuleContext, PendulumModule } from "../server/pendulum.js";
import type { HttpApp } from "../server/http.js";
import { ctaRoutes } from "./ctas/routes.js";
import { createCtas } from "./ctas/ctas.js";
import { customerRoutes } from "./customers/routes.js";
import { createCustomers } from "./customers/customers.js";
import { connectWithPassword } from "./crm/connect.js";
import { CrmUnavailableError, type CrmClient } from "./crm/crm-client.js";
import { jsforceCrmClient } from "./crm/jsforce-client.js";
import { writableRoutes } from "./crm/routes.js";
import { createWritable } from "./crm/writable.js";
import { successMigrations } from "./migrations.js";
import { objectRoutes } from "./objects/routes.js";
import { createObjects } from "./objects/objects.js";
import { createRuleRunner, type RulePreview, type RunOptions } from "./rules/rule-runner.js";
import { ruleRoutes } from "./rules/routes.js";
import { createRuleStore } from "./rules/rules.js";
import { createRunStore } from "./rules/runs.js";
import type { RuleDeps, RuleRun } from "./rules/run-types.js";
import { scorecardRoutes } from "./scorecards/routes.js";
import { createScorecards } from "./scorecards/scorecards.js";
import type { SuccessTables } from "./tables.js";
import { usageRoutes } from "./usage/routes.js";
import { createUsage } from "./usage/usage.js";

/** What the success module needs besides the context: a way to reach the CRM. */
export type SuccessDeps = {
  /** The CRM as a client; by default a jsforce connection signed in with PENDULUM_CRM_* against the server's own URL. */
  crm?: () => Promise<CrmClient>;
};

/** The success module as the rest of Pendulum sees it. */
export type SuccessModule = PendulumModule & {
  /** Runs a rule by id or name (the jobs scheduler calls this). */
  runRule(idOrName: string, options?: RunOptions): Promise<RuleRun | RulePreview>;
};

function defaultCrm(ctx: ModuleContext): () => Promise<CrmClient> {
  const { username, password, clientId, clientSecret } = ctx.config.crm;
  if (!username || !password || !clientId || !clientSecret) {
    return () =>
      Promise.reject(new CrmUnavailableError("CRM_NOT_CONNECTED", "No CRM is connected: set PENDULUM_CRM_USERNAME, PENDULUM_CRM_PASSWORD, PENDULUM_CRM_CLIENT_ID and PENDULUM_CRM_CLIENT_SECRET."));
  }
  const client = jsforceCrmClient(() => connectWithPassword({ loginUrl: ctx.config.baseUrl, username, password, clientId, clientSecret }));
  return () => Promise.resolve(client);
}

/** Builds the customer success module: customers, usage, custom objects, scorecards, CTAs and the rules engine. */
export function createSuccessModule(ctx: ModuleContext, deps: SuccessDeps = {}): SuccessModule {
  const db = ctx.records.db.withTables<SuccessTables>();
  const now = ctx.clock;
  const customers = createCustomers(db, now);
  const usage = createUsage(db, now);
  const objects = createObjects(db, now);
  const scorecards = createScorecards(db, now);
  const ctas = createCtas(db, now);
  const writable = createWritable(db);
  const ruleDeps: RuleDeps = { customers, usage, objects, scorecards, ctas, writable, crm: deps.crm ?? defaultCrm(ctx) };
  const rules = createRuleStore(db, now);
  const runs = createRunStore(db);
  const runner = createRuleRunner({ rules, runs, deps: ruleDeps, clock: now, onFinished: () => ctx.signal("rule-ran") });
  return {
    name: "success",
    migrations: successMigrations,
    runRule: (idOrName, options) => runner.run(idOrName, options),
    jobHandlers: () => ({
      /** A scheduled rule run: params `{rule: id or name, date?: YYYY-MM-DD}` (date defaults to the run's day). */
      rule: async (params) => {
        const name = params["rule"];
        if (typeof name !== "string") return { status: "failure", summary: { reason: "params.rule names the rule to run" } };
        const date = typeof params["date"] === "string" ? params["date"] : undefined;
        const run = (await runner.run(name, date ? { date } : {})) as RuleRun;
        return { status: run.status === "running" ? "failure" : run.status, summary: { ruleRun: run.id, rule: run.ruleName, ruleDate: run.ruleDate, rowsRead: run.rowsRead, rowsWritten: run.rowsWritten, errors: run.errorCount, message: run.message } };
      },
    }),
    async apiRoutes(app: HttpApp) {
      await app.register(
        async (scope) => {
          const s = scope as unknown as HttpApp;
          // CSV import arrives as text/csv; the parser is scoped to these routes only.
          s.addContentTypeParser("text/csv", { parseAs: "string" }, (_request, body, done) => done(null, body));
          customerRoutes(s, customers);
          usageRoutes(s, usage);
          objectRoutes(s, objects, now);
          scorecardRoutes(s, scorecards, customers);
          ctaRoutes(s, ctas, customers);
          writableRoutes(s, writable);
          ruleRoutes(s, { rules, runs, runner, deps: ruleDeps });
        },
        { prefix: "/success" },
      );
    },
  };
}
