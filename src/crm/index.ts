import type { ModuleContext, PendulumModule } from "../kernel/index.js";
import { registerCrmRoutes } from "./routes.js";
import { crmMigrations } from "./schema.js";
import { createCrmServices, DEFAULT_CRM_OPTIONS, type CrmOptions } from "./services.js";
import { registerAdminRoutes } from "./admin-routes.js";

export type { CrmOptions } from "./services.js";
export type { FaultSettings, FaultKind } from "./faults.js";
export { addCustomField, ensureCrmSchema, ensureCustomColumns, loadObjects, type NewCustomField } from "./schema.js";
export { CUSTOM_FIELD_TYPES } from "./metadata.js";
export { normalizeId, to18 } from "./ids.js";

/** The built-in CRM as the composition root sees it. */
export type CrmModule = PendulumModule & {
  name: "crm";
  /**
   * Registers a callback URL on one of this CRM's connected apps (false when there is no such app).
   * The sync module calls it when an admin connects Pendulum to its own CRM with the
   * authorization-code flow, so Pendulum's callback is the one registered URL codes may go to.
   */
  registerCallbackUrl(clientId: string, url: string): Promise<boolean>;
};

/** The built-in CRM: a Salesforce-compatible server under `/services` and `/id` (tests shorten token lifetimes or API budgets through `overrides`). */
export function createCrmModule(ctx: ModuleContext, overrides: Partial<CrmOptions> = {}): CrmModule {
  const options: CrmOptions = { ...DEFAULT_CRM_OPTIONS, ...overrides };
  const svc = createCrmServices(ctx.records.db, ctx.config, ctx.clock, options);
  // Access tokens are cached per process: a revocation in any process empties every cache (ADR 0018).
  svc.oauth.onRevoked(() => ctx.signal("crm-tokens-revoked"));
  ctx.onSignal("crm-tokens-revoked", () => svc.oauth.forgetAccessTokens());
  return {
    name: "crm",
    migrations: crmMigrations,
    registerCallbackUrl: async (clientId, url) => (await svc.oauth.addCallbackUrl(clientId, url)) !== undefined,
    async start() {
      await svc.data.reload();
      // Bulk ingest jobs a previous process left: known again, and resumed where they stopped.
      await svc.bulk.recover();
      const c = ctx.config.crm;
      // Two processes starting on one empty PostgreSQL database would both create the org, API user and app.
      const seeded = await ctx.records.withLock("crm-seed", () => svc.oauth.seed({ username: c.username, password: c.password, clientId: c.clientId, clientSecret: c.clientSecret }));
      for (const line of seeded) ctx.announce(line);
      await svc.limits.load();
    },
    async stop() {
      await svc.limits.save();
    },
    publicRoutes: (app) => registerCrmRoutes(app, svc),
    apiRoutes: (app) => registerAdminRoutes(app, svc),
  };
}
