import type { ScreenRoute } from "../types";
import { GuideScreen } from "./editor";
import { GuidesList } from "./list";
import { NpsScreen } from "./nps";

/** Guides: the list with status and metrics, NPS, and the editor with preview and metrics (order = sidebar order). */
export const guidesRoutes: ScreenRoute[] = [
  { path: "/guides", component: GuidesList, nav: { label: "Guides", section: "Guides" } },
  { path: "/guides/nps", component: NpsScreen, nav: { label: "NPS", section: "Guides" } },
  { path: "/guides/new", component: GuideScreen },
  { path: "/guides/:id", component: GuideScreen },
];
