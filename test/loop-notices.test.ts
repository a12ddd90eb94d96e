// Issue 16, finding 1: a CRM with one duplicated and two orphaned link values must not stop the
// article's loop. The chain runs all five steps; each sync run names the duplicate's two records
// and both orphans; every cleanly linked Account gets its fields written.
import type { Connection } from "jsforce";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliIo } from "../src/cli/command.js";
import { main } from "../src/cli/main.js";
import { LINK_FIELD } from "../src/demo/crm.js";
import { setUpArticleLoop, type LoopTarget, type LoopWorkspace } from "../src/demo/index.js";
import { crmLogin } from "./crm-login.js";
import { startTestPendulum, TEST_TOKEN, type TestPendulum } from "./harness.js";

const CRM = { username: "notices-api@acme.test", password: "s3cret-Passw0rd-notices", clientId: "3MVG9notices_client_0123456789", clientSecret: "notices-client-secret-0123456789" };

let p: TestPendulum;
let ws: LoopWorkspace;
let conn: Connection;
const ids = { duplicate: "", orphans: [] as string[] };
const json = async <T>(path: string, init?: RequestInit): Promise<T> => {
  const res = await p.api(path, init);
  const body = (await res.json()) as T;
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
};
type RecordError = { step: string; object: string; key?: string; recordId?: string; code: string; notice?: boolean };
type SyncRun = { id: string; status: string; notices: number; counts: Record<string, number>; errors: RecordError[] };
type Step = { job: string; status: string; runId: string; notices: number };
type ChainRun = { status: string; notices: number; summary: { steps: Step[] }; steps: { id: string; summary: Record<string, unknown> }[] };

beforeAll(async () => {
  p = await startTestPendulum({ env: { PENDULUM_CRM_USERNAME: CRM.username, PENDULUM_CRM_PASSWORD: CRM.password, PENDULUM_CRM_CLIENT_ID: CRM.clientId, PENDULUM_CRM_CLIENT_SECRET: CRM.clientSecret } });
  const target: LoopTarget = { url: p.url, token: TEST_TOKEN, crm: CRM };
  ws = await setUpArticleLoop(target, { accounts: 8, visitorsPerAccount: 4, days: 3 });
  conn = await crmLogin(target);
  // Someone in the CRM copied an Account (same link value) and typed two link values the product has never seen.
  const first = ws.accounts[0]?.id as string;
  const made = await conn.sobject("Account").create([
    { Name: "Copy of the first account", [LINK_FIELD]: first },
    { Name: "Prospect, never signed in", [LINK_FIELD]: "acct-not-in-analytics-1" },
    { Name: "Typo", [LINK_FIELD]: "acct-not-in-analytics-2" },
  ]);
  const created = made.map((r) => (r.success ? r.id : ""));
  ids.duplicate = created[0] as string;
  ids.orphans = created.slice(1);
  expect(created.every(Boolean)).toBe(true);
}, 180_000);
afterAll(async () => {
  await p?.close();
});

describe("the article's loop over a CRM with one duplicated and two orphaned link values", () => {
  let chain: ChainRun;

  it("runs all five steps, each succeeding with its notices", async () => {
    chain = await json<ChainRun>(`/api/v1/jobs/${ws.jobs.loop}/run`, { method: "POST" });
    const steps = chain.summary.steps;
    expect(steps.map((s) => s.job)).toEqual(["Loop 1: pull CRM fields", "Loop 2: push analytics to the CRM", "Loop 3: rule 1, Account to Usage", "Loop 4: rule 2, success to Account", "Loop 5: pull CRM fields again"]);
    expect(steps.map((s) => s.status)).toEqual(["success", "success", "success", "success", "success"]);
    expect(chain.status).toBe("success");
    // Each sync step: the duplicate's two records and the two orphans.
    expect(steps.map((s) => s.notices)).toEqual([4, 4, 0, 0, 4]);
    expect(chain.notices).toBe(12);
  }, 180_000);

  it("each sync run lists the duplicate and both orphans by record", async () => {
    const original = ws.crmIds.get(ws.accounts[0]?.id as string);
    const syncSteps = chain.steps.filter((s) => s.summary["syncRun"] !== undefined);
    expect(syncSteps).toHaveLength(3);
    for (const s of syncSteps) {
      const run = await json<SyncRun>(`/api/v1/sync/runs/${String(s.summary["syncRun"])}`);
      expect(run.status).toBe("success");
      expect(run.counts).toMatchObject({ duplicates: 2, orphans: 2, unmatched: 0, refused: 0, failed: 0 });
      expect(run.notices).toBe(4);
      const dups = run.errors.filter((e) => e.code === "DUPLICATE_KEY");
      expect(dups.map((e) => e.recordId).sort()).toEqual([original, ids.duplicate].sort());
      expect(dups.every((e) => e.key === ws.accounts[0]?.id && e.object === "Account" && e.notice === true)).toBe(true);
      const orphans = run.errors.filter((e) => e.code === "ORPHAN");
      expect(orphans.map((e) => [e.recordId, e.key]).sort()).toEqual([
        [ids.orphans[0], "acct-not-in-analytics-1"],
        [ids.orphans[1], "acct-not-in-analytics-2"],
      ]);
    }
  });

  it("writes the Account fields of every cleanly linked Account", async () => {
    const report = await json<{ rows: { id: string; values: Record<string, unknown> }[] }>(`/api/v1/reports/${ws.reports.last30}/results?limit=1000`);
    const customers = await json<{ customers: Record<string, unknown>[] }>("/api/v1/success/customers?limit=1000");
    const accounts = (await conn.query<Record<string, unknown>>(`SELECT Id, ${LINK_FIELD}, Pendo_numberofvisitors_last30d__c, Pendo_timeonsite_last30d__c, Pendo_lastvisit_last30d__c, Health_Score__c, Health_Color__c FROM Account`)).records;
    const clean = ws.accounts.slice(1);
    expect(clean.length).toBe(7);
    for (const a of clean) {
      const crm = accounts.find((r) => r["Id"] === ws.crmIds.get(a.id)) ?? {};
      const row = report.rows.find((r) => r.id === a.id)?.values ?? {};
      expect(crm["Pendo_numberofvisitors_last30d__c"]).toBe(row["visitors"]);
      expect(crm["Pendo_timeonsite_last30d__c"]).toBe(row["minutes"]);
      expect(crm["Pendo_lastvisit_last30d__c"]).toBe(String(row["lastVisit"]).slice(0, 10));
      expect(Number(row["visitors"])).toBeGreaterThan(0);
      const c = customers.customers.find((x) => x["accountId"] === crm["Id"]) ?? {};
      expect([crm["Health_Score__c"], crm["Health_Color__c"]]).toEqual([c["healthScore"], c["healthColour"]]);
    }
    // The duplicated pair is left alone by the push: which of the two is the customer's is the admin's call.
    for (const id of [ws.crmIds.get(ws.accounts[0]?.id as string), ids.duplicate]) expect(accounts.find((r) => r["Id"] === id)?.["Pendo_numberofvisitors_last30d__c"]).toBeNull();
  });

  it("the link check names the orphans with a count", async () => {
    const check = await json<{ orphans: { recordId: string; key: string }[]; orphanCount: number; duplicates: unknown[] }>("/api/v1/sync/link/check", { method: "POST", body: JSON.stringify({ field: LINK_FIELD }) });
    expect(check.orphanCount).toBe(2);
    expect(check.orphans.map((o) => o.recordId).sort()).toEqual([...ids.orphans].sort());
    expect(check.duplicates).toHaveLength(2);
  });
});

describe("the CLI shows the notices", () => {
  const cli = async (argv: string[]): Promise<{ code: number; out: string }> => {
    let out = "";
    const io: CliIo = { env: {}, cwd: process.cwd(), out: (l) => (out += `${l}\n`), err: (l) => (out += `${l}\n`), stopped: new Promise(() => undefined) };
    const code = await main([...argv, "--url", p.url, "--token", TEST_TOKEN], io);
    return { code, out };
  };

  it("pendulum jobs history and sync run say 'succeeded with notices' and list them by record", async () => {
    const history = await cli(["jobs", "history", ws.jobs.loop]);
    expect(history.code).toBe(0);
    expect(history.out).toMatch(/success\s+12\s+manual/);
    const list = await cli(["jobs", "list"]);
    expect(list.out).toContain("succeeded with 12 notices");
    const sync = await cli(["sync", "run", "--pull"]);
    expect(sync.code).toBe(0);
    expect(sync.out).toContain("succeeded with 4 notices");
    for (const id of ids.orphans) expect(sync.out).toMatch(new RegExp(`notice\\tORPHAN\\tacct-not-in-analytics-\\d\\t${id}`));
    expect(sync.out).toContain(`DUPLICATE_KEY\t${ws.accounts[0]?.id}\t${ids.duplicate}`);
  });
});
