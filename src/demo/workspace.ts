import { demoApi, type DemoApi, type LoopTarget } from "./api.js";
import { createAccountFields, crmLogin, insertAccounts, LINK_FIELD, PENDO_7D_FIELDS, PENDO_FIELDS, SUCCESS_FIELDS } from "./crm.js";
import { generateAccounts, generateEvents, type DemoAccount, type WorkspaceSize } from "./generator.js";
import { recordGuideActivity, type GuideActivity } from "./guide-activity.js";
import { backfillHistory, historyDates, type HistoryReport } from "./history.js";
import { setUpScorecard } from "./scorecard.js";
import { RULE_ACCOUNT_TO_USAGE, RULE_RED_HEALTH_CTA, RULE_RELATIONSHIP_SCORE, RULE_SUCCESS_TO_ACCOUNT, USAGE_MEASURES, usageScoreRules } from "./rules.js";

/** The name of the default chain, and of its disabled continuous twin. */
export const LOOP_JOB = "The article's loop";
export const CONTINUOUS_LOOP_JOB = "The article's loop (every 15 minutes)";
/** The chain that scores health from usage and opens CTAs, after the loop has loaded the day's usage. */
export const HEALTH_JOB = "Health scores and CTAs";

/** What the set-up created, for the summary and for tests. */
export type LoopWorkspace = {
  accounts: DemoAccount[];
  crmIds: Map<string, string>;
  events: number;
  reports: { last30: string; last7: string };
  pushMappings: { last30: string; last7: string };
  segments: { renewalRed: string; onboarding: string };
  guides: { renewalRed: string; onboarding: string; nps: string };
  jobs: { loop: string; continuous: string; health?: string };
  /** With `history`: what the back-filled weeks and the visitors' guide activity left behind. */
  history?: HistoryReport;
  guideActivity?: GuideActivity;
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
  /**
   * A workspace that looks lived in: health scored by rules from usage and CTAs opened by a rule,
   * back-filled week by week by running the rules over past rule dates, and NPS answers and guide
   * views from the generated visitors. Off for tests that check the article's loop on its own.
   */
  history?: boolean;
  /** Called once per set-up stage, so a CLI can show progress. */
  progress?: (line: string) => void;
  /** Called while a long stage (the usage load) runs: done of total units. */
  stageProgress?: (done: number, total: number) => void;
  /** How the usage gets in (default: the import API). */
  loadUsage?: UsageLoader;
};

type Id = { id: string };
/** A count as people read it: 10,000 rather than 10000. */
const n = (v: number): string => v.toLocaleString("en-US");
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

  say(`CRM: Account fields and ${n(accounts.length)} Accounts`);
  const crm = crmLogin(target);
  await createAccountFields(crm);
  const crmIds = await insertAccounts(crm, accounts);

  say(`Analytics: ${n(size.days)} days of usage, ${n(accounts.length * size.visitorsPerAccount)} visitors`);
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
  // The CRM's account name rides along (after the pull fills it) so the reports read by name.
  const report30 = { name: "Pendo push, last 30 days", kind: "account", range: { last: 30 }, columns: ["minutes", "visitors", "lastVisit", "crm.Name"] };
  const report7 = { name: "Accounts, last 7 days", kind: "account", range: { last: 7 }, columns: ["minutes", "visitors", "daysActive", "lastVisit", "crm.Name"] };
  const last30 = await api.call<Id>("POST", "/reports", report30);
  const last7 = await api.call<Id>("POST", "/reports", report7);

  say("Sync: connection, link, pull and push");
  await api.call("PUT", "/sync/connection", { loginUrl: target.url, clientId: target.crm.clientId, clientSecret: target.crm.clientSecret, grant: "password", username: target.crm.username, password: target.crm.password });
  await api.call("PUT", "/sync/link", { accountField: LINK_FIELD });
  // Id and Name link each analytics account to its customer and name it; the Pendo_ fields show what the push wrote.
  await api.call("PUT", "/sync/pull", { accountFields: ["Id", "Name", ...SUCCESS_FIELDS, ...PENDO_FIELDS, ...PENDO_7D_FIELDS] });
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

  say("Success: measures, customers, two rules");
  await api.call("PUT", "/success/usage/config", { dataGranularity: "account", timeGranularity: "week", weekStartDay: 1 });
  for (const m of USAGE_MEASURES) await api.call("POST", "/success/usage/measures", m);
  // custom.relationship is the success team's own review, which the relationship score rule reads.
  const csv = ["accountId,name,arr,renewalDate,onboardingStatus,healthScore,healthColour,users,custom.relationship", ...accounts.map((a) => [crmIds.get(a.id), a.name, a.arr, a.renewalDate, a.onboardingStatus, a.healthScore, a.healthColour, a.visitors.length, a.healthScore].join(","))].join("\n");
  const imported = await api.call<{ created: number; updated: number; problems: unknown[] }>("POST", "/success/customers/import", csv, "text/csv");
  if (imported.problems.length > 0) throw new Error(`Customer Info import refused lines: ${JSON.stringify(imported.problems.slice(0, 3))}`);
  const history = options.history === true;
  say(history ? "Success: scorecard, health and CTA rules" : "Success: scorecard and scores");
  await setUpScorecard(api, accounts, crmIds, tick, { byRules: history });
  await api.call("PUT", "/success/crm/writable", { objects: [{ object: "Account", fields: ["Id", ...SUCCESS_FIELDS] }] });
  await api.call("POST", "/success/rules", RULE_ACCOUNT_TO_USAGE);
  await api.call("POST", "/success/rules", RULE_SUCCESS_TO_ACCOUNT);
  const scoreRules = history ? [RULE_RELATIONSHIP_SCORE, ...usageScoreRules(size.visitorsPerAccount)] : [];
  for (const r of [...scoreRules, ...(history ? [RULE_RED_HEALTH_CTA] : [])]) await api.call("POST", "/success/rules", r);

  say("Guides: segments, two guides, an NPS poll");
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

  say(history ? "Jobs: the loop and the health chain" : "Jobs: the loop chain and its twin");
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
  let health: Id | undefined;
  let backfilled: HistoryReport | undefined;
  let guideActivity: GuideActivity | undefined;
  if (history) {
    // Scored after the loop has loaded the day's usage; rule 2 takes the new health to the CRM on the next loop.
    const healthSteps: string[] = [];
    for (const [i, r] of [...scoreRules, RULE_RED_HEALTH_CTA].entries()) healthSteps.push((await step(`Health ${i + 1}: ${String(r["name"]).replace(/^(Health|CTA): /, "")}`, "rule", { rule: r["name"] })).id);
    health = await api.call<Id>("POST", "/jobs", { name: HEALTH_JOB, kind: "chain", params: { steps: healthSteps }, schedule: "daily at 00:45", timeZone });
    // The report the push sends, on the overview; the 7-day one can be pinned from its page.
    await api.call("PUT", `/reports/${last30.id}/pin`, { pinned: true });

    say(`History: ${historyDates(size.days, now).length} weeks, each rule on its date`);
    backfilled = await backfillHistory(
      api,
      {
        reports: [
          { id: last30.id, body: report30, days: 30 },
          { id: last7.id, body: report7, days: 7 },
        ],
        usageRule: RULE_ACCOUNT_TO_USAGE.name,
        scoreRules: scoreRules.map((r) => String(r["name"])),
        ctaRule: RULE_RED_HEALTH_CTA.name,
        days: size.days,
        now,
      },
      tick,
    );
    say("Guides: NPS answers and guide views");
    guideActivity = await recordGuideActivity(target, api, accounts, { nps: nps.id, onboarding: onboardingGuide.id, renewalRed: renewalGuide.id }, size.seed ?? 42);
  }

  return {
    accounts,
    crmIds,
    events,
    reports: { last30: last30.id, last7: last7.id },
    pushMappings: { last30: push30.id, last7: push7.id },
    segments: { renewalRed: renewalRed.id, onboarding: onboarding.id },
    guides: { renewalRed: renewalGuide.id, onboarding: onboardingGuide.id, nps: nps.id },
    jobs: { loop: loop.id, continuous: continuous.id, ...(health ? { health: health.id } : {}) },
    ...(backfilled ? { history: backfilled } : {}),
    ...(guideActivity ? { guideActivity } : {}),
    apiCalls: api.calls,
  };
}
