import type { ScreenRoute } from "../../types";

/** Screens of this part (filled in as each screen lands). */
export const setupRoutes: ScreenRoute[] = [];
