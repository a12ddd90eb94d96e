import type { ScreenRoute } from "../../types";
import { AccountDetail, AccountsList, VisitorDetail, VisitorsList } from "./entities";
import { ReportDetail, ReportEditor, ReportsList } from "./reports";

/** Analytics data: accounts and visitors with their usage and metadata, and saved reports (sidebar order = array order). */
export const dataRoutes: ScreenRoute[] = [
  { path: "/accounts", component: AccountsList, nav: { label: "Accounts", section: "Analytics" } },
  { path: "/accounts/:id", component: AccountDetail },
  { path: "/visitors", component: VisitorsList, nav: { label: "Visitors", section: "Analytics" } },
  { path: "/visitors/:id", component: VisitorDetail },
  { path: "/reports", component: ReportsList, nav: { label: "Account reports", section: "Analytics" } },
  { path: "/reports/new", component: ReportEditor },
  { path: "/reports/:id", component: ReportDetail },
  { path: "/reports/:id/edit", component: ReportEditor },
];
