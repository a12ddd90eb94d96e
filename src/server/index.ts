/** The composition root: builds the modules, opens the stores and serves them. Only the CLI, the demo, tests and benchmarks import it. */
export { startPendulum, startComposed, migrateDefaultRecords, type Pendulum, type StartOptions } from "./pendulum.js";
export { DataDirLockedError, lockDataDir } from "./data-lock.js";
export { composeDefault, composeDefaultWith, type Composition, type CompositionOptions, type DefaultModules, type Modules } from "./compose.js";
export { apiRoutesOf } from "./server.js";
export { closedSchema, schemaFor, type ApiRoute } from "./responses.js";
