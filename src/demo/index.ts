export { demoApi, DemoApiError, type DemoApi, type LoopTarget } from "./api.js";
export { LINK_FIELD, PENDO_FIELDS, SUCCESS_FIELDS, crmLogin } from "./crm.js";
export { generateAccounts, generateEvents, type Cohort, type DemoAccount, type ImportEvent, type WorkspaceSize } from "./generator.js";
export { RULE_ACCOUNT_TO_USAGE, RULE_SUCCESS_TO_ACCOUNT, USAGE_MEASURES } from "./rules.js";
export { setUpArticleLoop, LOOP_JOB, CONTINUOUS_LOOP_JOB, type LoopOptions, type LoopWorkspace } from "./workspace.js";
export { runLoopDemo, type LoopReport } from "./run-loop.js";
