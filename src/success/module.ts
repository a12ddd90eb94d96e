import type { HttpApp, JobHandler, ModuleContext, PendulumModule } from "../kernel/index.js";
import { ctaRoutes } from "./ctas/routes.js";
import { createCtas } from "./ctas/ctas.js";
import { customerPageRoute } from "./customers/page-route.js";
import { customerRoutes } from "./customers/routes.js";
import { createCustomers } from "./customers/customers.js";
import type { CrmAccess } from "./crm-writes/crm-client.js";
import { writableRoutes } from "./crm-writes/routes.js";
import { createWritable } from "./crm-writes/writable.js";
import { successMigrations } from "./migrations.js";
import { objectRoutes } from "./objects/routes.js";
import { createObjects } from "./objects/objects.js";
import { createRuleRunner, type RulePreview, type RunOptions } from "./rules/rule-runner.js";
import { ruleRoutes } from "./rules/routes.js";
import { createRuleStore } from "./rules/rules.js";
import { createRunStore } from "./rules/runs.js";
import type { RuleRun, RuleStores } from "./rules/run-types.js";
import { scorecardRoutes } from "./scorecards/routes.js";
import { createScorecards } from "./scorecards/scorecards.js";
import type { SuccessTables } from "./tables.js";
import { usageRoutes } from "./usage/routes.js";
import { createUsage } from "./usage/usage.js";

/** What the success module is built with: how its rules reach the CRM (the sync connection, passed in by the composition root). */
export type SuccessDeps = { crm: CrmAccess };

/** The success module as the rest of Pendulum sees it. */
export type SuccessModule = PendulumModule & {
  name: "success";
  /** Runs a rule by id or name. */
  runRule(idOrName: string, options?: RunOptions): Promise<RuleRun | RulePreview>;
  /** The `rule` job kind. */
  jobHandlers: Record<string, JobHandler>;
};

/** Builds the customer success module: customers, usage, custom objects, scorecards, CTAs and the rules engine. */
export function createSuccessModule(ctx: ModuleContext, deps: SuccessDeps): SuccessModule {
  const db = ctx.records.db.withTables<SuccessTables>();
  const now = ctx.clock;
  const customers = createCustomers(db, now);
  const usage = createUsage(db, now);
  const objects = createObjects(db, now);
  const scorecards = createScorecards(db, now);
  const ctas = createCtas(db, now);
  const writable = createWritable(db);
  const ruleDeps: RuleStores = { customers, usage, objects, scorecards, ctas, writable };
  const rules = createRuleStore(db, now);
  const runs = createRunStore(db);
  const runner = createRuleRunner({ rules, runs, deps: ruleDeps, crm: deps.crm, clock: now, onFinished: () => ctx.signal("rule-ran"), maxRefusedPercent: ctx.config.maxRefusedPercent, leases: ctx.leases });
  return {
    name: "success",
    migrations: successMigrations,
    runRule: (idOrName, options) => runner.run(idOrName, options),
    jobHandlers: {
      /** A scheduled rule run: params `{rule: id or name, date?: YYYY-MM-DD}` (date defaults to the run's day). */
      rule: async (params) => {
        const name = params["rule"];
        if (typeof name !== "string") return { status: "failure", summary: { reason: "params.rule names the rule to run" } };
        const date = typeof params["date"] === "string" ? params["date"] : undefined;
        const run = await runner.execute(name, date ? { date } : {});
        return { status: run.status === "running" ? "failure" : run.status, notices: run.notices, summary: { ruleRun: run.id, notices: run.notices, rule: run.ruleName, ruleDate: run.ruleDate, rowsRead: run.rowsRead, rowsWritten: run.rowsWritten, errors: run.errorCount, message: run.message } };
      },
    },
    async apiRoutes(app: HttpApp) {
      await app.register(
        async (scope) => {
          const s = scope as unknown as HttpApp;
          // CSV import arrives as text/csv; the parser is scoped to these routes only.
          s.addContentTypeParser("text/csv", { parseAs: "string" }, (_request, body, done) => done(null, body));
          customerRoutes(s, customers);
          customerPageRoute(s, { customers, usage, scorecards, ctas });
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
