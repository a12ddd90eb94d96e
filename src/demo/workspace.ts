import { demoApi, type DemoApi, type LoopTarget } from "./api.js";
import { createAccountFields, crmLogin, insertAccounts, LINK_FIELD, SUCCESS_FIELDS } from "./crm.js";
import { generateAccounts, generateEvents, type DemoAccount, type WorkspaceSize } from "./generator.js";
import { setUpScorecard } from "./scorecard.js";
import { RULE_ACCOUNT_TO_USAGE, RULE_SUCCESS_TO_ACCOUNT, USAGE_MEASURES } from "./rules.js";

/** The name of the default chain, and of its disabled continuous twin. */
export const LOOP_JOB = "The article's loop";
export const CONTINUOUS_LOOP_JOB = "The article's loop (every 15 minutes)";

/** What the set-up created, for the summary and for tests. */
export type LoopWorkspace = {
  accounts: DemoAccount[];
  crmIds: Map<string, string>;
  events: number;
  reports: { last30: string; last7: string };
  pushMappings: { last30: string; last7: string };
  segments: { renewalRed: string; onboarding: string };
  guides: { renewalRed: string; onboarding: string; nps: string };
  jobs: { loop: string; continuous: string };
  apiCalls: number;
};

/**
 * Loads the generated usage and returns how many events it stored. The default posts to
 * POST /api/v1/import; a process that runs Pendulum itself passes the analytics bulk loader
 * (`bulkUsage`), and a benchmark may generate its own history as long as it uses the accounts' ids.
 */
export type UsageLoader = (accounts: DemoAccount[], size: WorkspaceSize, now: number, progress: (done: number, total: number) => void) => Promise<number>;

/** The demo's default size: 500 accounts, 20 visitors each (10,000 visitors), 90 days of history. */
export const DEMO_SIZE: WorkspaceSize = { accounts: 500, visitorsPerAccount: 20, days: 90, seed: 42 };

export type LoopOptions = Partial<WorkspaceSize> & {
  /** The time the generated history ends at (defaults to now); a test passes its clock. */
  now?: number;
  timeZone?: string;
  /** Called once per set-up stage, so a CLI can show progress. */
  progress?: (line: string) => void;
  /** Called while a long stage (the usage load) runs: done of total units. */
  stageProgress?: (done: number, total: number) => void;
  /** How the usage gets in (default: the import API). */
  loadUsage?: UsageLoader;
};

type Id = { id: string };
const IMPORT_CHUNK = 5000;

/** Roughly how many events `generateEvents` yields, for progress (about 1.1 per visitor-day). */
export const expectedEvents = (size: WorkspaceSize): number => Math.round(size.accounts * size.visitorsPerAccount * size.days * 1.1);

/** Loads the generated usage through POST /api/v1/import, 5,000 events a call. */
async function importUsage(api: DemoApi, accounts: DemoAccount[], size: WorkspaceSize, now: number, progress: (done: number, total: number) => void): Promise<number> {
  let batch: unknown[] = [];
  let total = 0;
  for (const e of generateEvents(accounts, size, now)) {
    batch.push(e);
    if (batch.length === IMPORT_CHUNK) {
      total += (await api.call<{ accepted: number }>("POST", "/import", { events: batch })).accepted;
      batch = [];
      progress(total, Math.max(total, expectedEvents(size)));
    }
  }
  if (batch.length > 0) total += (await api.call<{ accepted: number }>("POST", "/import", { events: batch })).accepted;
  return total;
}

const crmRule = (key: string, operator: string, value: unknown) => ({ kind: "metadata", target: "account", group: "crm", key, operator, value });

/**
 * Builds the article's whole integration on a running Pendulum through its public APIs only:
 * CRM fields and Accounts (jsforce), usage (import), the connection, link, pull and push (sync),
 * usage measures, the two rules and Customer Info (success), segments and guides over the pulled
 * fields, and the loop as a scheduled chain. Meant for a new workspace: names must be free.
 */
export async function setUpArticleLoop(target: LoopTarget, options: LoopOptions = {}): Promise<LoopWorkspace> {
  const size: WorkspaceSize = { accounts: options.accounts ?? DEMO_SIZE.accounts, visitorsPerAccount: options.visitorsPerAccount ?? DEMO_SIZE.visitorsPerAccount, days: options.days ?? DEMO_SIZE.days, seed: options.seed ?? DEMO_SIZE.seed };
  const now = options.now ?? Date.now();
  const say = options.progress ?? (() => undefined);
  const tick = options.stageProgress ?? (() => undefined);
  const api = demoApi(target);
  const accounts = generateAccounts(size, now);

  say(`CRM: creating the Account fields and ${accounts.length} Accounts`);
  const crm = crmLogin(target);
  await createAccountFields(crm);
  const crmIds = await insertAccounts(crm, accounts);

  say(`Analytics: loading ${size.days} days of usage for ${accounts.length * size.visitorsPerAccount} visitors, pages, features, a 30-day and a 7-day report`);
  const events = options.loadUsage ? await options.loadUsage(accounts, size, now, tick) : await importUsage(api, accounts, size, now, tick);
  for (const [name, rules] of [
    ["Home", ["/home"]],
    ["Reports", ["/reports/**"]],
    ["Billing", ["/billing"]],
    ["Onboarding: welcome", ["/onboarding/welcome"]],
    ["Onboarding: done", ["/onboarding/done"]],
  ] as const) {
    await api.call("POST", "/pages", { name, rules });
  }
  await api.call("POST", "/features", { name: "Export", selector: "button#export" });
  const last30 = await api.call<Id>("POST", "/reports", { name: "Pendo push, last 30 days", kind: "account", range: { last: 30 }, columns: ["visitors", "minutes", "lastVisit"] });
  const last7 = await api.call<Id>("POST", "/reports", { name: "Accounts, last 7 days", kind: "account", range: { last: 7 }, columns: ["visitors", "minutes", "lastVisit", "daysActive"] });

  say("Sync: connecting the CRM, linking accounts, pull fields and push mappings");
  await api.call("PUT", "/sync/connection", { loginUrl: target.url, clientId: target.crm.clientId, clientSecret: target.crm.clientSecret, grant: "password", username: target.crm.username, password: target.crm.password });
  await api.call("PUT", "/sync/link", { accountField: LINK_FIELD });
  await api.call("PUT", "/sync/pull", { accountFields: [...SUCCESS_FIELDS] });
  const push30 = await api.call<Id>("POST", "/sync/push-mappings", {
    reportId: last30.id,
    dailySync: true,
    fields: [
      { column: "visitors", field: "Pendo_numberofvisitors_last30d__c" },
      { column: "minutes", field: "Pendo_timeonsite_last30d__c" },
      { column: "lastVisit", field: "Pendo_lastvisit_last30d__c" },
    ],
  });
  const push7 = await api.call<Id>("POST", "/sync/push-mappings", {
    reportId: last7.id,
    dailySync: true,
    fields: [
      { column: "visitors", field: "Pendo_numberofvisitors_last7d__c" },
      { column: "minutes", field: "Pendo_timeonsite_last7d__c" },
      { column: "daysActive", field: "Pendo_daysactive_last7d__c" },
    ],
  });

  say("Success: usage measures, Customer Info, the CRM write allow-list and the article's two rules");
  await api.call("PUT", "/success/usage/config", { dataGranularity: "account", timeGranularity: "week", weekStartDay: 1 });
  for (const m of USAGE_MEASURES) await api.call("POST", "/success/usage/measures", m);
  const csv = ["accountId,name,arr,renewalDate,onboardingStatus,healthScore,healthColour,users", ...accounts.map((a) => [crmIds.get(a.id), a.name, a.arr, a.renewalDate, a.onboardingStatus, a.healthScore, a.healthColour, a.visitors.length].join(","))].join("\n");
  const imported = await api.call<{ created: number; updated: number; problems: unknown[] }>("POST", "/success/customers/import", csv, "text/csv");
  if (imported.problems.length > 0) throw new Error(`Customer Info import refused lines: ${JSON.stringify(imported.problems.slice(0, 3))}`);
  say("Success: the scorecard (scheme, groups, measures) and each customer's scores");
  await setUpScorecard(api, accounts, crmIds, tick);
  await api.call("PUT", "/success/crm/writable", { objects: [{ object: "Account", fields: ["Id", ...SUCCESS_FIELDS] }] });
  await api.call("POST", "/success/rules", RULE_ACCOUNT_TO_USAGE);
  await api.call("POST", "/success/rules", RULE_SUCCESS_TO_ACCOUNT);

  say("Guides: segments over the pulled CRM fields, two guides and an NPS poll");
  const renewalRed = await api.call<Id>("POST", "/segments", {
    name: "Renewal within 60 days and health red",
    definition: { op: "and", rules: [crmRule("Health_Color__c", "equals", "Red"), crmRule("Renewal_Date__c", "withinNextDays", 60)] },
  });
  const onboarding = await api.call<Id>("POST", "/segments", { name: "Onboarding not complete", definition: { op: "and", rules: [crmRule("Onboarding_Status__c", "notEquals", "Complete")] } });
  const renewalGuide = await api.call<Id>("POST", "/guides", {
    name: "Renewal check-in",
    status: "public",
    targeting: { segment: renewalRed.id },
    steps: [{ layout: "lightbox", title: "Can we help before your renewal?", content: "Your renewal is coming up. Book 20 minutes with your success manager and we will go over what your team uses most." }],
  });
  const onboardingGuide = await api.call<Id>("POST", "/guides", {
    name: "Finish onboarding",
    status: "public",
    targeting: { segment: onboarding.id },
    steps: [{ layout: "banner", content: "You are a few steps from done: **connect your data** and **invite your team**." }],
  });
  const nps = await api.call<Id>("POST", "/guides", { name: "NPS", status: "public", steps: [{ layout: "poll", content: "", poll: { type: "nps", question: "How likely are you to recommend us to a colleague?", comment: true } }] });

  say(`Jobs: the chain "${LOOP_JOB}" (daily at 00:30) and its continuous twin (disabled)`);
  const step = (name: string, kind: string, params: Record<string, unknown>) => api.call<Id>("POST", "/jobs", { name, kind, params });
  const steps = [
    await step("Loop 1: pull CRM fields", "sync", { pull: true, push: false }),
    await step("Loop 2: push analytics to the CRM", "sync", { pull: false, push: true }),
    await step("Loop 3: rule 1, Account to Usage", "rule", { rule: RULE_ACCOUNT_TO_USAGE.name }),
    await step("Loop 4: rule 2, success to Account", "rule", { rule: RULE_SUCCESS_TO_ACCOUNT.name }),
    await step("Loop 5: pull CRM fields again", "sync", { pull: true, push: false }),
  ].map((s) => s.id);
  const timeZone = options.timeZone ?? "UTC";
  const loop = await api.call<Id>("POST", "/jobs", { name: LOOP_JOB, kind: "chain", params: { steps }, schedule: "daily at 00:30", timeZone });
  const continuous = await api.call<Id>("POST", "/jobs", { name: CONTINUOUS_LOOP_JOB, kind: "chain", params: { steps: [...steps] }, schedule: "every 15 minutes", timeZone, enabled: false });

  return {
    accounts,
    crmIds,
    events,
    reports: { last30: last30.id, last7: last7.id },
    pushMappings: { last30: push30.id, last7: push7.id },
    segments: { renewalRed: renewalRed.id, onboarding: onboarding.id },
    guides: { renewalRed: renewalGuide.id, onboarding: onboardingGuide.id, nps: nps.id },
    jobs: { loop: loop.id, continuous: continuous.id },
    apiCalls: api.calls,
  };
}
