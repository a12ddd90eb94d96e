// Step 9 of the article, closing the loop: poll answers become NPS report columns, which a push
// mapping writes to CRM Account fields. Everything runs in one Pendulum built from the default
// modules (built-in CRM, analytics, sync, guides…), driven through its HTTP APIs and jsforce.
import jsforce from "jsforce";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPendulum, TEST_APP_KEY, type TestPendulum } from "./harness.js";

const CRM = { username: "nps-api@acme.test", password: "s3cret-Passw0rd-nps", clientId: "3MVG9nps_client_0123456789", clientSecret: "nps-client-secret-0123456789" };
const FIELDS = [
  { FullName: "Account.Analytics_Account_Id__c", Metadata: { type: "Text", label: "Analytics Account Id", length: 64, externalId: true } },
  { FullName: "Account.Pendo_NPS_Score__c", Metadata: { type: "Number", label: "Pendo NPS Score", precision: 5, scale: 1 } },
  { FullName: "Account.Pendo_NPS_Responses__c", Metadata: { type: "Number", label: "Pendo NPS Responses", precision: 9, scale: 0 } },
];

let p: TestPendulum;
let conn: jsforce.Connection;
let guideId = "";
const json = async <T>(path: string, init?: RequestInit): Promise<T> => {
  const res = await p.api(path, init);
  const body = (await res.json()) as T;
  if (!res.ok) throw new Error(`${init?.method ?? "GET"} ${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
};
const post = <T>(path: string, body: unknown, method = "POST"): Promise<T> => json<T>(path, { method, body: JSON.stringify(body) });
const visit = (visitor: string, account: string) =>
  fetch(`${p.url}/data/ingest?key=${TEST_APP_KEY}`, { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify({ visitor: { id: visitor }, account: { id: account }, events: [{ type: "load", ts: Date.now() - 60_000, url: "https://app.example.com/home" }] }) });
const answer = async (guide: string, visitor: string, account: string, score: number, view: string): Promise<void> => {
  const res = await fetch(`${p.url}/data/guide-events?key=${TEST_APP_KEY}`, {
    method: "POST",
    headers: { "content-type": "text/plain" },
    body: JSON.stringify({ visitor, account, events: [{ type: "shown", guide, step: 0, view }, { type: "poll_answered", guide, step: 0, view, score }] }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
};
const accounts = async () => new Map((await conn.query<Record<string, unknown>>("SELECT Analytics_Account_Id__c, Pendo_NPS_Score__c, Pendo_NPS_Responses__c FROM Account")).records.map((r) => [r["Analytics_Account_Id__c"], r]));

beforeAll(async () => {
  p = await startTestPendulum({ env: { PENDULUM_CRM_USERNAME: CRM.username, PENDULUM_CRM_PASSWORD: CRM.password, PENDULUM_CRM_CLIENT_ID: CRM.clientId, PENDULUM_CRM_CLIENT_SECRET: CRM.clientSecret } });
  conn = new jsforce.Connection({ loginUrl: p.url, version: "62.0", oauth2: { loginUrl: p.url, clientId: CRM.clientId, clientSecret: CRM.clientSecret } });
  await conn.login(CRM.username, CRM.password);
  for (const f of FIELDS) await conn.tooling.sobject("CustomField").create(f);
  for (const [name, key] of [["Acme A", "acct-a"], ["Acme B", "acct-b"], ["Acme C", "acct-c"]]) await conn.sobject("Account").create({ Name: name, Analytics_Account_Id__c: key });

  for (const [v, a] of [["ann", "acct-a"], ["bob", "acct-b"], ["bea", "acct-b"], ["cy", "acct-c"]] as const) expect((await visit(v, a)).status).toBe(200);
  await p.modules.analytics.settle();
  guideId = (await post<{ id: string }>("/api/v1/guides", { name: "NPS", status: "public", steps: [{ layout: "poll", content: "", poll: { type: "nps", question: "How likely are you to recommend us?" } }] })).id;
  // acct-a: one promoter (9) → 100. acct-b: a detractor (3) and a passive (7) → −50. acct-c: no answer.
  await answer(guideId, "ann", "acct-a", 9, "w1");
  await answer(guideId, "bob", "acct-b", 3, "w2");
  await answer(guideId, "bea", "acct-b", 7, "w3");

  await post("/api/v1/sync/connection", { loginUrl: p.url, clientId: CRM.clientId, clientSecret: CRM.clientSecret, grant: "password", username: CRM.username, password: CRM.password }, "PUT");
  await post("/api/v1/sync/link", { accountField: "Analytics_Account_Id__c" }, "PUT");
}, 60_000);
afterAll(async () => {
  await p?.close();
});

describe("NPS report columns pushed to CRM Account fields", () => {
  it("maps nps.score and nps.responses to Pendo_ fields and writes them to the built-in CRM", async () => {
    const report = await post<{ id: string }>("/api/v1/reports", { name: "NPS, last 30 days", range: { last: 30 }, columns: ["nps.score", "nps.responses", "nps.latest"] });
    const rows = await json<{ rows: { id: string; values: Record<string, unknown> }[] }>(`/api/v1/reports/${report.id}/results`);
    expect(rows.rows.map((r) => [r.id, r.values["nps.score"], r.values["nps.responses"], r.values["nps.latest"]])).toEqual([
      ["acct-a", 100, 1, 9],
      ["acct-b", -50, 2, 7],
      ["acct-c", null, 0, null],
    ]);
    await post("/api/v1/sync/push-mappings", {
      reportId: report.id,
      fields: [
        { column: "nps.score", field: "Pendo_NPS_Score__c" },
        { column: "nps.responses", field: "Pendo_NPS_Responses__c" },
      ],
    });
    const run = await post<{ status: string; counts: Record<string, number> }>("/api/v1/sync/runs?wait=true", { push: true, pull: false });
    expect(run.status).toBe("success");
    const byKey = await accounts();
    expect(byKey.get("acct-a")).toMatchObject({ Pendo_NPS_Score__c: 100, Pendo_NPS_Responses__c: 1 });
    expect(byKey.get("acct-b")).toMatchObject({ Pendo_NPS_Score__c: -50, Pendo_NPS_Responses__c: 2 });
    expect(byKey.get("acct-c")).toMatchObject({ Pendo_NPS_Score__c: null, Pendo_NPS_Responses__c: 0 });

    // A new answer moves the score; the next push writes only what changed.
    await answer(guideId, "cy", "acct-c", 10, "w4");
    const again = await post<{ counts: Record<string, number> }>("/api/v1/sync/runs?wait=true", { push: true, pull: false });
    expect(again.counts).toMatchObject({ changed: 1, written: 1 });
    expect((await accounts()).get("acct-c")).toMatchObject({ Pendo_NPS_Score__c: 100, Pendo_NPS_Responses__c: 1 });
  });

  it("refuses to map an NPS column to a field without the Pendo_ prefix, naming the field", async () => {
    const report = await post<{ id: string }>("/api/v1/reports", { name: "NPS to text", range: { last: 7 }, columns: ["nps.score"] });
    const res = await p.api("/api/v1/sync/push-mappings", { method: "POST", body: JSON.stringify({ reportId: report.id, fields: [{ column: "nps.score", field: "Analytics_Account_Id__c" }] }) });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "FIELD_NOT_WRITABLE", field: "Analytics_Account_Id__c" });
  });
});
