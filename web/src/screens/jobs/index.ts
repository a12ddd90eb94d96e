import type { ScreenRoute } from "../types";
import { Jobs } from "./jobs";

/** Jobs: the loop's chain as a timeline, schedules, manual runs and run history. */
export const jobsRoutes: ScreenRoute[] = [{ path: "/jobs", component: Jobs, nav: { label: "Jobs", section: "Jobs" } }];
