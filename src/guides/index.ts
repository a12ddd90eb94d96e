import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ModuleContext, PendulumModule } from "../kernel/index.js";
import { analyticsGuideSource } from "./analytics-source.js";
import { registerGuideApiRoutes } from "./api-routes.js";
import { registerGuideDataRoutes } from "./data-routes.js";
import { createGuidesService, type GuidesAnalytics, type GuidesService } from "./service.js";
import { guidesMigrations } from "./tables.js";

export type { Guide, GuideInput, ThrottleSettings, Step, Button, Layout, Activation, Frequency, Status } from "./model.js";
export type { GuideMetrics } from "./metrics.js";
export type { NpsResult, NpsCategory } from "./nps.js";
export { npsCategory, npsScore } from "./nps.js";
export type { WireGuide, WireStep, GuidesResponse, WireGuideEvent, GuideEventsBody, GuideEventType } from "./wire.js";
export type { GuidesAnalytics } from "./service.js";
export { renderContent, sanitizeHtml } from "./sanitize.js";
export { PREVIEW_PAGE_SCRIPT, previewPageHtml } from "./preview-page.js";

/** The guides module: guide CRUD, delivery to the agent, guide events, metrics and NPS (also fed to analytics reports and segments). */
export type GuidesModule = PendulumModule &
  Pick<GuidesService, "npsByAccount" | "npsByVisitor" | "npsOverall" | "npsCategories" | "refreshSegments"> & {
    name: "guides";
    service: GuidesService;
  };

const here = path.dirname(fileURLToPath(import.meta.url));
/** dist/agent-guides.js, whether running from src/ (tests) or dist/ (built). */
const RENDERER_FILE = path.resolve(here, "..", "..", "dist", "agent-guides.js");
const FIVE_MINUTES = 5 * 60_000;

/**
 * Builds the guides module. It needs the analytics module (apps, segments); the composition
 * root passes it: `(ctx) => createGuidesModule(ctx, { analytics: analyticsModule })`.
 */
export function createGuidesModule(ctx: ModuleContext, options: { analytics: GuidesAnalytics; refreshMs?: number; rendererFile?: string }): GuidesModule {
  // Guides are held in memory for delivery: a change made in any process reloads them in every one (ADR 0018).
  const service = createGuidesService({ records: ctx.records, analytics: options.analytics, now: ctx.clock, written: () => ctx.signal("guides-changed") });
  let timer: NodeJS.Timeout | undefined;
  return {
    name: "guides",
    migrations: guidesMigrations,
    service,
    npsByAccount: service.npsByAccount,
    npsByVisitor: service.npsByVisitor,
    npsOverall: service.npsOverall,
    npsCategories: service.npsCategories,
    refreshSegments: service.refreshSegments,
    async start() {
      await service.load();
      // Analytics never imports guides: it offers the nps.* / guides.* report columns and NPS segment rules once this is plugged in.
      options.analytics.setGuideDataSource?.(analyticsGuideSource(service));
      // Membership is computed off the request path; a failure keeps the last good sets.
      const refresh = (): void => void service.refreshSegments().catch((e: unknown) => console.error("pendulum: refreshing guide segments failed; will retry", e));
      refresh();
      // At once after new CRM data or a rule run, as well as every few minutes.
      ctx.onSignal("crm-pulled", refresh);
      ctx.onSignal("rule-ran", refresh);
      ctx.onSignal("guides-changed", () => service.reloadGuides());
      timer = setInterval(refresh, options.refreshMs ?? FIVE_MINUTES);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      await service.refreshSegments().catch(() => undefined);
      options.analytics.setGuideDataSource?.(undefined);
    },
    apiRoutes(app) {
      registerGuideApiRoutes(app, service);
    },
    async publicRoutes(app) {
      await registerGuideDataRoutes(app, { appByKey: (k) => options.analytics.apps.byAppKey(k), delivery: service.delivery, events: service.events, rendererFile: options.rendererFile ?? RENDERER_FILE });
    },
  };
}
