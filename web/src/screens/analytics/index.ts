import type { ScreenRoute } from "../types";
import { dataRoutes } from "./data";
import { setupRoutes } from "./setup";

/** Analytics: what is captured and defined (apps, pages, features, segments), then what it shows. */
export const analyticsRoutes: ScreenRoute[] = [...setupRoutes, ...dataRoutes];
