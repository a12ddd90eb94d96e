import type { HttpApp } from "../server/http.js";
import type { CrmServices } from "./services.js";

/** Bulk API 2.0 ingest and query jobs. */
export function registerBulkRoutes(_api: HttpApp, _svc: CrmServices): void {}
