import type { HttpApp } from "../server/http.js";
import type { CrmServices } from "./services.js";

/** `/composite`, `/composite/batch` and sObject Collections. */
export function registerCompositeRoutes(_api: HttpApp, _svc: CrmServices): void {}
