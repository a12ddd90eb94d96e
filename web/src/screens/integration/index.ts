import type { ScreenRoute } from "../types";
import { ConnectionWizard } from "./connection";
import { CrmFields } from "./fields";
import { SyncRunDetail, SyncRuns } from "./runs";

/** The CRM integration (sync): the connection wizard, the Account's fields and the sync runs. */
export const integrationRoutes: ScreenRoute[] = [
  { path: "/crm", component: ConnectionWizard, nav: { label: "Connection", section: "CRM integration" } },
  { path: "/crm/fields", component: CrmFields, nav: { label: "Account fields", section: "CRM integration" } },
  { path: "/crm/runs", component: SyncRuns, nav: { label: "Sync runs", section: "CRM integration" } },
  { path: "/crm/runs/:id", component: SyncRunDetail },
];
