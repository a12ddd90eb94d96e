import type { HttpApp } from "../server/http.js";
import type { CrmServices } from "./services.js";

/** Tooling API: CustomField create and query. */
export function registerToolingRoutes(_api: HttpApp, _svc: CrmServices): void {}
