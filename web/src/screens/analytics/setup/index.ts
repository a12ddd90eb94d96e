import type { ScreenRoute } from "../../types";
import { AppDetail, Apps } from "./apps";
import { Features, Pages } from "./definitions";
import { SegmentEditor, Segments } from "./segments";

/** Analytics set-up: apps and their snippet, pages, features and segments (sidebar order = this order). */
export const setupRoutes: ScreenRoute[] = [
  { path: "/apps", component: Apps, nav: { label: "Apps", section: "Analytics" } },
  { path: "/apps/:id", component: AppDetail },
  { path: "/pages", component: Pages, nav: { label: "Pages", section: "Analytics" } },
  { path: "/features", component: Features, nav: { label: "Features", section: "Analytics" } },
  { path: "/segments", component: Segments, nav: { label: "Segments", section: "Analytics" } },
  { path: "/segments/new", component: SegmentEditor },
  { path: "/segments/:id", component: SegmentEditor },
];
