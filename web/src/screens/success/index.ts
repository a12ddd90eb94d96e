import type { ScreenRoute } from "../types";
import { CtasScreen } from "./ctas";
import { CustomerPage } from "./customer-page";
import { CustomersScreen } from "./customers";
import { ObjectDetail, ObjectsScreen } from "./objects";
import { RuleBuilder } from "./rule-builder";
import { RuleRunDetail, RuleRunsScreen, RulesScreen } from "./rules";
import { ScorecardsScreen } from "./scorecards";
import { UsageScreen } from "./usage";

const SECTION = "Customer success" as const;

/** The customer success screens (the Gainsight role), in sidebar order. */
export const successRoutes: ScreenRoute[] = [
  { path: "/success/customers", component: CustomersScreen, nav: { label: "Customers", section: SECTION } },
  { path: "/success/customers/:accountId", component: CustomerPage },
  { path: "/success/usage", component: UsageScreen, nav: { label: "Usage data", section: SECTION } },
  { path: "/success/objects", component: ObjectsScreen, nav: { label: "Objects", section: SECTION } },
  { path: "/success/objects/:name", component: ObjectDetail },
  { path: "/success/rules", component: RulesScreen, nav: { label: "Rules", section: SECTION } },
  { path: "/success/rules/new", component: RuleBuilder },
  { path: "/success/rules/:id", component: RuleBuilder },
  { path: "/success/rules/:id/runs", component: RuleRunsScreen },
  { path: "/success/rules/:id/runs/:runId", component: RuleRunDetail },
  { path: "/success/scorecards", component: ScorecardsScreen, nav: { label: "Scorecards", section: SECTION } },
  { path: "/success/ctas", component: CtasScreen, nav: { label: "CTAs", section: SECTION } },
];
