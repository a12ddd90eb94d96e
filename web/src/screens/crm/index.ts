import type { ScreenRoute } from "../types";

/** Screens of this section (filled in as each screen lands). */
export const crmRoutes: ScreenRoute[] = [];
