export { createSuccessModule } from "./module.js";
export type { SuccessDeps, SuccessModule } from "./module.js";
export { successMigrations } from "./migrations.js";
export type { CrmAccess, CrmClient, CrmField, CrmWriteResult } from "./crm-writes/crm-client.js";
export type { Rule, RuleInput, RuleAction, RuleSource, Mapping } from "./rules/definition.js";
export type { RuleRun, RunStatus, RowError, ActionResult } from "./rules/run-types.js";
export type { RulePreview, RunOptions } from "./rules/rule-runner.js";
export type { Customer } from "./customers/customer.js";
