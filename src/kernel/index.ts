/**
 * The ground floor every module stands on: the module contract, the error type and the HTTP
 * types. It imports no module; modules and the composition root import it.
 */
export { requireRole, type Principal, type Role } from "./auth.js";
export { ApiError, validationField, type ApiErrorBody, type ValidationItem } from "./errors.js";
export type { HttpApp, HttpModule } from "./http.js";
export { DATA_SIGNALS } from "./module.js";
export type { DataSignal, ProcessRole, JobCall, JobHandler, JobResult, JobStatus, ModuleContext, PendulumModule } from "./module.js";
export { DEFAULT_MAX_REFUSED_PERCENT, outcomeOf } from "./outcome.js";
export { MAX_JSON_DEPTH, refuseDeepBody, tooDeep } from "./json-depth.js";
export { createLoginThrottle, DEFAULT_LOGIN_LIMITS, type Kdf, type LoginThrottle, type LoginThrottleLimits } from "./login-throttle.js";
export { neutraliseFormula, restoreFormulaText } from "./spreadsheet.js";
export { CsvText, Deleted, ErrorBody, NoContent, Nullable, Ok, OpenObject, Redirect, Scalar } from "./responses.js";
