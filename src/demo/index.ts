export { demoApi, DemoApiError, type DemoApi, type LoopTarget } from "./api.js";
export { LINK_FIELD, PENDO_FIELDS, PENDO_7D_FIELDS, SUCCESS_FIELDS } from "./crm.js";
export { generateAccounts, generateEvents, type Cohort, type DemoAccount, type ImportEvent, type WorkspaceSize } from "./generator.js";
export { RULE_ACCOUNT_TO_USAGE, RULE_SUCCESS_TO_ACCOUNT, USAGE_MEASURES } from "./rules.js";
export { setUpArticleLoop, LOOP_JOB, CONTINUOUS_LOOP_JOB, DEMO_SIZE, expectedEvents, type LoopOptions, type LoopWorkspace, type UsageLoader } from "./workspace.js";
export { bulkUsage } from "./usage.js";
export { DEMO_SCHEME, DEMO_SCORECARD } from "./scorecard.js";
export { progressBar } from "./progress.js";
export { runLoopDemo, type LoopReport } from "./run-loop.js";
