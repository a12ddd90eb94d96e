import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SyncRun } from "../../sync/index.js";
import { startCrmSuccessPendulum, type CrmSuccessPendulum } from "../crm-test-kit.js";
import { call } from "../../../test/success-kit.js";
import type { Rule } from "./definition.js";
import type { RuleRun } from "./run-types.js";

// Rule 2 writes through the connection the admin made in the connection wizard, so it shares the
// sync's Salesforce client: the same retries under 503 and REQUEST_LIMIT_EXCEEDED, and the same
// stop before eating into the org's reserved API calls.

const N = 450;
let p: CrmSuccessPendulum;
let ids: string[] = [];

const RULE_2 = {
  name: "Pendo: Sync data from Gainsight to Account",
  type: "Custom",
  source: { kind: "customers" },
  show: ["accountId", "healthScore"],
  filters: [],
  actions: [{ type: "loadToCrm", object: "Account", operation: "update", mappings: [{ to: "Id", field: "accountId", identifier: true }, { to: "Health_Score__c", field: "healthScore" }] }],
};

async function json<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await p.api(path, init);
  const body = (await res.json()) as T;
  if (!res.ok) throw new Error(`${init?.method ?? "GET"} ${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** Sets every customer's health score to `score` through the CSV import (the rule then has N changed records to write). */
async function scoreAll(score: number): Promise<void> {
  const csv = ["accountId,name,healthScore", ...ids.map((id, i) => `${id},Customer ${i},${score}`)].join("\n");
  const res = await p.api("/api/v1/success/customers/import", { method: "POST", body: csv, headers: { "content-type": "text/csv" } });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
}

async function crmScores(): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  const result = await p.conn.query<{ Health_Score__c: number | null }>("SELECT Health_Score__c FROM Account").run({ autoFetch: true, maxFetch: 10_000 });
  for (const r of result.records) counts.set(r.Health_Score__c ?? -1, (counts.get(r.Health_Score__c ?? -1) ?? 0) + 1);
  return counts;
}

/** Leaves the org `left` calls above the connection's reserve of 1,000. */
async function leaveAboveReserve(left: number): Promise<void> {
  const usage = await json<{ used: number; max: number }>("/api/v1/crm/limits");
  await json("/api/v1/crm/limits", { method: "POST", body: JSON.stringify({ dailyApiRequests: usage.used + 1_000 + left }) });
}

beforeAll(async () => {
  p = await startCrmSuccessPendulum();
  await p.conn.tooling.sobject("CustomField").create({ FullName: "Account.Analytics_Account_Id__c", Metadata: { type: "Text", label: "Analytics Account Id", length: 64, externalId: true } });
  const rows = Array.from({ length: N }, (_, i) => ({ Name: `Account ${i}`, Analytics_Account_Id__c: `acct-${i}`, Health_Score__c: 0, Pendo_numberofvisitors_last30d__c: 999 }));
  const load = await p.conn.bulk2.loadAndWaitForResults({ object: "Account", operation: "insert", input: rows, pollInterval: 20, pollTimeout: 120_000 });
  expect(load.failedResults).toHaveLength(0);
  ids = load.successfulResults.map((r) => r.sf__Id);
  await scoreAll(50);
  expect((await call(p, "PUT", "/crm/writable", { objects: [{ object: "Account", fields: ["Id", "Health_Score__c"] }] })).status).toBe(200);
  expect((await call<Rule>(p, "POST", "/rules", RULE_2)).status).toBe(201);
});
afterAll(async () => {
  await p?.close();
});

describe("rule 2 under CRM faults, through the sync connection", () => {
  it("retries 503 and REQUEST_LIMIT_EXCEEDED like a sync run and writes every record once", async () => {
    await json("/api/v1/crm/faults", { method: "POST", body: JSON.stringify({ share: 0.4, kinds: ["503", "REQUEST_LIMIT_EXCEEDED"], seed: 7 }) });
    const run = await call<RuleRun>(p, "POST", `/rules/${encodeURIComponent(RULE_2.name)}/run`, { date: "2024-05-15" });
    const faults = await json<{ injected: number }>("/api/v1/crm/faults");
    await json("/api/v1/crm/faults", { method: "DELETE" });
    expect(faults.injected).toBeGreaterThan(0);
    expect(run.body, JSON.stringify(run.body)).toMatchObject({ status: "success", rowsRead: N, rowsWritten: N, errorCount: 0 });
    expect(await crmScores()).toEqual(new Map([[50, N]]));
    // The run's API usage is recorded on the admin's connection, as a sync run's is.
    const connection = await json<{ status: string; apiUsage?: { used: number; at: number } }>("/api/v1/sync/connection");
    expect(connection.status).toBe("connected");
    expect(connection.apiUsage?.used).toBeGreaterThan(0);
  });

  it("stops before the org's API reserve, as a sync push does", async () => {
    await scoreAll(70);
    await leaveAboveReserve(2);
    const run = await call<RuleRun>(p, "POST", `/rules/${encodeURIComponent(RULE_2.name)}/run`, { date: "2024-05-16" });
    expect(run.body.status).toBe("failure");
    expect(run.body.message).toMatch(/^API_BUDGET_RESERVE: Stopped to keep the org's API reserve/);
    expect(await crmScores()).toEqual(new Map([[50, N]]));

    // The same stop in a sync push over the same connection.
    const appId = p.modules.analytics.apps.list()[0]?.id as string;
    const now = Date.now();
    const accounts = new Map(ids.map((_, i) => [`acct-${i}`, { first: now, last: now }]));
    await p.modules.analytics.metadata.recordSeen([{ appId, visitors: new Map(), accounts, links: new Map(), eventNames: new Map() }]);
    await json("/api/v1/sync/link", { method: "PUT", body: JSON.stringify({ accountField: "Analytics_Account_Id__c" }) });
    const report = await json<{ id: string }>("/api/v1/reports", { method: "POST", body: JSON.stringify({ name: "30 days", range: { last: 30 }, columns: ["visitors"] }) });
    await json("/api/v1/sync/push-mappings", { method: "POST", body: JSON.stringify({ reportId: report.id, fields: [{ column: "visitors", field: "Pendo_numberofvisitors_last30d__c" }] }) });
    await leaveAboveReserve(2);
    const sync = await json<SyncRun>("/api/v1/sync/runs?wait=true", { method: "POST", body: JSON.stringify({ push: true, pull: false }) });
    expect(sync.status).not.toBe("success");
    expect(sync.message).toMatch(/^API_BUDGET_RESERVE: Stopped to keep the org's API reserve/);

    // With the allocation raised, the rule writes what it could not.
    await json("/api/v1/crm/limits", { method: "POST", body: JSON.stringify({ dailyApiRequests: 1_000_000 }) });
    const again = await call<RuleRun>(p, "POST", `/rules/${encodeURIComponent(RULE_2.name)}/run`, { date: "2024-05-16" });
    expect(again.body).toMatchObject({ status: "success", rowsWritten: N });
    expect(await crmScores()).toEqual(new Map([[70, N]]));
  });
});
