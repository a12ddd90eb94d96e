// The must-show: the article's whole loop, built through the public APIs on a generated workspace
// and run BY THE SCHEDULER (the chain becomes due on an injected clock), then checked end to end.
import type { Connection } from "jsforce";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOOP_JOB, setUpArticleLoop, type LoopTarget, type LoopWorkspace } from "../src/demo/index.js";
import { crmLogin } from "./crm-login.js";
import { startTestPendulum, TEST_APP_KEY, TEST_TOKEN, type TestPendulum } from "./harness.js";

const CRM = { username: "loop-api@acme.test", password: "s3cret-Passw0rd-loop", clientId: "3MVG9loop_client_0123456789", clientSecret: "loop-client-secret-0123456789" };
const DAY = 86_400_000;

// The clock starts ten minutes before the next 00:30 UTC, so the daily chain becomes due after a
// short advance (CRM sessions stay valid) rather than by waiting for the real 00:30.
const realNow = Date.now();
const next0030 = Date.UTC(new Date(realNow).getUTCFullYear(), new Date(realNow).getUTCMonth(), new Date(realNow).getUTCDate(), 0, 30) + (new Date(realNow).getUTCHours() * 60 + new Date(realNow).getUTCMinutes() >= 30 ? DAY : 0);
let offset = next0030 - 10 * 60_000 - realNow;
const clock = (): number => Date.now() + offset;

let p: TestPendulum;
let ws: LoopWorkspace;
let conn: Connection;
type Run = { id: string; status: string; trigger: string; summary: Record<string, unknown> };
type JobView = { id: string; nextRunAt: number | null; lastRun: Run | null };
const json = async <T>(path: string, init?: RequestInit): Promise<T> => {
  const res = await p.api(path, init);
  const body = (await res.json()) as T;
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
};

beforeAll(async () => {
  p = await startTestPendulum({ clock, env: { PENDULUM_CRM_USERNAME: CRM.username, PENDULUM_CRM_PASSWORD: CRM.password, PENDULUM_CRM_CLIENT_ID: CRM.clientId, PENDULUM_CRM_CLIENT_SECRET: CRM.clientSecret } });
  const target: LoopTarget = { url: p.url, token: TEST_TOKEN, crm: CRM };
  ws = await setUpArticleLoop(target, { accounts: 12, visitorsPerAccount: 20, days: 3, now: clock() });
  conn = await crmLogin(target);
}, 120_000);
afterAll(async () => {
  await p?.close();
});

describe("the article's loop, run by the scheduler", () => {
  it("runs the chain once when it is due: pull, push, rule 1, rule 2, pull, all successful, in order", async () => {
    const before = await json<JobView>(`/api/v1/jobs/${ws.jobs.loop}`);
    expect(before.lastRun).toBeNull();
    expect(before.nextRunAt).toBe(next0030);
    offset += (before.nextRunAt as number) - clock() + 1_000;
    // The scheduler ticks every second: wait until it has started the run, then until it is idle.
    let view = before;
    for (let i = 0; i < 200 && !view.lastRun; i++) {
      await new Promise((r) => setTimeout(r, 100));
      view = await json<JobView>(`/api/v1/jobs/${ws.jobs.loop}`);
    }
    await p.modules.jobs.runner.idle();
    const runs = await json<{ runs: Run[] }>(`/api/v1/jobs/${ws.jobs.loop}/runs`);
    expect(runs.runs).toHaveLength(1);
    const run = runs.runs[0] as Run;
    expect(run.trigger).toBe("schedule");
    expect(run.status, JSON.stringify(run.summary)).toBe("success");
    const steps = run.summary["steps"] as { job: string; status: string }[];
    expect(steps.map((s) => s.job)).toEqual(["Loop 1: pull CRM fields", "Loop 2: push analytics to the CRM", "Loop 3: rule 1, Account to Usage", "Loop 4: rule 2, success to Account", "Loop 5: pull CRM fields again"]);
    expect(steps.every((s) => s.status === "success")).toBe(true);
    expect((await json<JobView>(`/api/v1/jobs/${ws.jobs.loop}`)).nextRunAt).toBe(next0030 + DAY);
    const loopJob = await json<{ name: string }>(`/api/v1/jobs/${encodeURIComponent(LOOP_JOB)}`);
    expect(loopJob.name).toBe(LOOP_JOB);
  }, 120_000);

  it("every Account's Pendo_ fields equal the 30-day report", async () => {
    const report = await json<{ rows: { id: string; values: Record<string, unknown> }[] }>(`/api/v1/reports/${ws.reports.last30}/results?limit=1000`);
    expect(report.rows).toHaveLength(ws.accounts.length);
    const accounts = (await conn.query<Record<string, unknown>>("SELECT Id, Analytics_Account_Id__c, Pendo_numberofvisitors_last30d__c, Pendo_timeonsite_last30d__c, Pendo_lastvisit_last30d__c FROM Account")).records;
    const byKey = new Map(accounts.map((a) => [a["Analytics_Account_Id__c"], a]));
    for (const row of report.rows) {
      const a = byKey.get(row.id) ?? {};
      expect(a["Pendo_numberofvisitors_last30d__c"]).toBe(row.values["visitors"]);
      expect(a["Pendo_timeonsite_last30d__c"]).toBe(row.values["minutes"]);
      expect(a["Pendo_lastvisit_last30d__c"]).toBe(String(row.values["lastVisit"]).slice(0, 10));
    }
    expect(report.rows.every((r) => Number(r.values["visitors"]) > 0)).toBe(true);
  });

  it("rule 1 wrote a usage row for the week per customer, equal to its Account's Pendo_ fields", async () => {
    const usage = await json<{ rows: { accountId: string; periodStart: string; aggregationLevel: string; measures: Record<string, unknown> }[] }>("/api/v1/success/usage/data");
    expect(usage.rows).toHaveLength(ws.accounts.length);
    const day = new Date(clock());
    const monday = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate() - ((day.getUTCDay() + 6) % 7))).toISOString().slice(0, 10);
    const accounts = (await conn.query<Record<string, unknown>>("SELECT Id, Pendo_numberofvisitors_last30d__c, Pendo_timeonsite_last30d__c, Pendo_lastvisit_last30d__c FROM Account")).records;
    for (const a of accounts) {
      const row = usage.rows.find((r) => r.accountId === a["Id"]);
      expect(row).toMatchObject({ periodStart: monday, aggregationLevel: "ACCOUNTLEVEL" });
      expect(row?.measures).toEqual({ Pendo_numberofvisitors_last30d: a["Pendo_numberofvisitors_last30d__c"], Pendo_timeonsite_last30d: a["Pendo_timeonsite_last30d__c"], Pendo_lastvisit_last30d: a["Pendo_lastvisit_last30d__c"] });
    }
  });

  it("rule 2 wrote Customer Info's health, renewal and onboarding onto every Account", async () => {
    const customers = await json<{ customers: Record<string, unknown>[] }>("/api/v1/success/customers?limit=1000");
    const accounts = (await conn.query<Record<string, unknown>>("SELECT Id, Health_Score__c, Health_Color__c, Renewal_Date__c, Onboarding_Status__c FROM Account")).records;
    expect(accounts).toHaveLength(ws.accounts.length);
    for (const a of accounts) {
      const c = customers.customers.find((x) => x["accountId"] === a["Id"]) ?? {};
      expect([a["Health_Score__c"], a["Health_Color__c"], a["Renewal_Date__c"], a["Onboarding_Status__c"]]).toEqual([c["healthScore"], c["healthColour"], c["renewalDate"], c["onboardingStatus"]]);
    }
  });

  it("the pulled health targets the guides: a red account renewing soon gets the renewal guide, a green one does not", async () => {
    const soon = new Date(clock() + 60 * DAY).toISOString().slice(0, 10);
    const red = ws.accounts.find((a) => a.healthColour === "Red" && a.renewalDate <= soon);
    const green = ws.accounts.find((a) => a.healthColour === "Green");
    const onboarding = ws.accounts.find((a) => a.onboardingStatus !== "Complete");
    expect(red && green && onboarding).toBeTruthy();
    const guides = async (visitor: string, account: string): Promise<string[]> => {
      const q = new URLSearchParams({ key: TEST_APP_KEY, visitor, account, url: "https://app.example.com/home" });
      const res = await fetch(`${p.url}/data/guides?${q}`);
      expect(res.status).toBe(200);
      return ((await res.json()) as { guides: { id: string }[] }).guides.map((g) => g.id);
    };
    const redGuides = await guides(red?.visitors[0] as string, red?.id as string);
    expect(redGuides).toContain(ws.guides.renewalRed);
    expect(redGuides).not.toContain(ws.guides.onboarding);
    const greenGuides = await guides(green?.visitors[0] as string, green?.id as string);
    expect(greenGuides).not.toContain(ws.guides.renewalRed);
    expect(greenGuides).not.toContain(ws.guides.onboarding);
    expect(await guides(onboarding?.visitors[0] as string, onboarding?.id as string)).toContain(ws.guides.onboarding);
  });
});
