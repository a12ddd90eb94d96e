import type { ModuleContext, PendulumModule } from "../kernel/index.js";
import type { AnalyticsModule } from "../analytics/index.js";
import type { CrmModule, CrmOptions } from "../crm/index.js";
import type { GuidesModule } from "../guides/index.js";
import type { JobsModule } from "../jobs/index.js";
import type { SuccessModule } from "../success/index.js";
import type { SyncModule, SyncTuning } from "../sync/index.js";

/** The modules of one Pendulum by name; their order is start order (stop runs in reverse). */
export type Modules = Record<string, PendulumModule>;

/** Builds the modules from the shared context, passing each the others it needs. */
export type Composition<M extends Modules> = (ctx: ModuleContext) => M | Promise<M>;

/** Pendulum as `npm start` runs it: the three roles and the loop between them. */
export type DefaultModules = {
  crm: CrmModule;
  analytics: AnalyticsModule;
  sync: SyncModule;
  guides: GuidesModule;
  success: SuccessModule;
  jobs: JobsModule;
};

/** What tests and benchmarks may tune in the default composition. */
export type CompositionOptions = { crm?: Partial<CrmOptions>; sync?: SyncTuning; jobs?: { tickMs?: number; lockMs?: number } };

/**
 * The composition root: every module built once, its dependencies passed in by type. Analytics
 * and success never meet: sync carries analytics to the CRM, and success reaches the CRM through
 * the connection the admin made for sync (one integration user for the whole loop).
 */
export async function composeDefault(ctx: ModuleContext, options: CompositionOptions = {}): Promise<DefaultModules> {
  // Imported lazily so a module's import cost is paid only by the process that runs it.
  const [{ createCrmModule }, { createAnalyticsModule }, { createSyncModule }, { createGuidesModule }, { createSuccessModule }, { createJobsModule }] = await Promise.all([
    import("../crm/index.js"),
    import("../analytics/index.js"),
    import("../sync/index.js"),
    import("../guides/index.js"),
    import("../success/index.js"),
    import("../jobs/index.js"),
  ]);
  const crm = createCrmModule(ctx, options.crm);
  const analytics = createAnalyticsModule(ctx);
  // The connection wizard registers Pendulum's own OAuth callback on the built-in CRM's app.
  const sync = createSyncModule(ctx, { analytics, localCrm: crm, ...options.sync });
  const guides = createGuidesModule(ctx, { analytics });
  const success = createSuccessModule(ctx, { crm: sync.crmAccess });
  const jobs = createJobsModule(ctx, { handlers: { ...sync.jobHandlers, ...success.jobHandlers }, ...options.jobs });
  return { crm, analytics, sync, guides, success, jobs };
}

/** The default composition with options (tests shorten retry delays, token lifetimes, ticks). */
export function composeDefaultWith(options: CompositionOptions): Composition<DefaultModules> {
  return (ctx) => composeDefault(ctx, options);
}
