import { analyticsRoutes } from "./analytics";
import { integrationRoutes } from "./integration";
import { guidesRoutes } from "./guides";
import { jobsRoutes } from "./jobs";
import { overviewRoutes } from "./overview";
import { settingsRoutes } from "./settings";
import { successRoutes } from "./success";
import type { ScreenRoute } from "./types";

/** Every screen of the admin UI; the first whose path matches is shown. */
export const ROUTES: ScreenRoute[] = [...overviewRoutes, ...analyticsRoutes, ...integrationRoutes, ...successRoutes, ...guidesRoutes, ...jobsRoutes, ...settingsRoutes];
