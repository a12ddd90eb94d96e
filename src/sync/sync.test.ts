import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { TEST_APP_KEY } from "../../test/harness.js";
import type { SyncRun } from "./index.js";
import { connectCrm, insertAccounts, startSyncPendulum, type SyncPendulum } from "./test-kit.js";

let p: SyncPendulum;
const now = Date.now();
const min = 60_000;
type ReportRows = { rows: { id: string; values: Record<string, unknown> }[] };

const send = (visitor: string, account: string, minutesAgo: number[]) =>
  fetch(`${p.url}/data/ingest?key=${TEST_APP_KEY}`, {
    method: "POST",
    headers: { "content-type": "text/plain" },
    body: JSON.stringify({ visitor: { id: visitor }, account: { id: account }, events: minutesAgo.map((m) => ({ type: "load", ts: now - m * min, url: "https://app.example.com/home" })) }),
  });
const crmAccounts = async () => (await p.conn.query<Record<string, unknown>>("SELECT Id, Analytics_Account_Id__c, Pendo_numberofvisitors_last30d__c, Pendo_timeonsite_last30d__c, Pendo_lastvisit_last30d__c FROM Account")).records;
const run = (body: Record<string, unknown>) => p.json<SyncRun>("/api/v1/sync/runs?wait=true", { method: "POST", body: JSON.stringify(body) });
let reportId = "";

beforeAll(async () => {
  p = await startSyncPendulum();
  await send("ann", "acct-a", [50, 40, 30]);
  await send("bob", "acct-a", [20]);
  await send("cat", "acct-b", [10, 9]);
  await send("dan", "acct-c", [5]);
  await send("eve", "acct-dup", [4]);
  await send("fay", "acct-lonely", [3]);
  await p.analytics.settle();
  await insertAccounts(
    p,
    ["Name", "Analytics_Account_Id__c", "Health__c"],
    [
      ["Acme A", "acct-a", "Red"],
      ["Acme B", "acct-b", "Green"],
      ["Acme C", "acct-c", "Green"],
      ["Dup One", "acct-dup", "Yellow"],
      ["Dup Two", "acct-dup", "Yellow"],
      ["CRM only", "acct-crm-only", "Green"],
    ],
  );
  const report = await p.json<{ id: string }>("/api/v1/reports", { method: "POST", body: JSON.stringify({ name: "Pendo push, last 30 days", range: { last: 30 }, columns: ["visitors", "minutes", "lastVisit"] }) });
  reportId = report.id;
});
afterAll(async () => {
  await p.close();
});

describe("connection", () => {
  it("connects with the password grant and shows org, user and API usage, never the secrets", async () => {
    expect((await p.json<{ status: string }>("/api/v1/sync/connection")).status).toBe("disconnected");
    const view = await connectCrm(p);
    expect(view).toMatchObject({ status: "connected", grant: "password", org: { username: "sync-api@acme.test" }, fieldPrefix: "Pendo_" });
    expect((view["apiUsage"] as { limit: number }).limit).toBe(100_000);
    const text = JSON.stringify(await p.json("/api/v1/sync/connection"));
    expect(text).not.toContain("sync-client-secret");
    expect(text).not.toContain("s3cret-Passw0rd");
  });

  it("refuses a wrong password with an error naming the field", async () => {
    const res = await p.api("/api/v1/sync/connection", { method: "PUT", body: JSON.stringify({ loginUrl: p.url, clientId: "x", clientSecret: "y", grant: "password", username: "nobody@acme.test", password: "wrong-password" }) });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "CRM_LOGIN_FAILED", field: "password" });
    await connectCrm(p);
  });
});

describe("link", () => {
  it("shows duplicates, unmatched analytics accounts and orphan CRM Accounts before saving, and saves a text link field", async () => {
    type Check = { matched: number; duplicates: { key: string; recordId: string }[]; unmatched: { key: string }[]; orphans: { recordId: string; key: string }[]; orphanCount: number };
    const check = await p.json<Check>("/api/v1/sync/link/check", { method: "POST", body: JSON.stringify({ field: "Analytics_Account_Id__c" }) });
    expect(check.matched).toBe(3);
    expect(check.duplicates.map((d) => d.key)).toEqual(["acct-dup", "acct-dup"]);
    expect(check.unmatched.map((u) => u.key)).toEqual(["acct-lonely"]);
    // The other direction: a CRM Account whose link value matches no analytics account, by record.
    const crmOnly = (await crmAccounts()).find((r) => r["Analytics_Account_Id__c"] === "acct-crm-only");
    expect(check.orphans).toEqual([{ recordId: crmOnly?.["Id"], key: "acct-crm-only" }]);
    expect(check.orphanCount).toBe(1);
    await p.json("/api/v1/sync/link", { method: "PUT", body: JSON.stringify({ accountField: "Analytics_Account_Id__c" }) });
    const bad = await p.api("/api/v1/sync/link", { method: "PUT", body: JSON.stringify({ accountField: "Pendo_timeonsite_last30d__c" }) });
    expect(await bad.json()).toMatchObject({ code: "LINK_FIELD_TYPE", field: "accountField" });
  });
});

describe("push", () => {
  it("refuses a field without the prefix and a type mismatch at mapping time", async () => {
    const noPrefix = await p.api("/api/v1/sync/push-mappings", { method: "POST", body: JSON.stringify({ reportId, fields: [{ column: "visitors", field: "Health__c" }] }) });
    expect(noPrefix.status).toBe(400);
    expect(await noPrefix.json()).toMatchObject({ code: "FIELD_NOT_WRITABLE", field: "Health__c", message: "Pendulum only writes fields whose API name starts with Pendo_" });
    const mismatch = await p.api("/api/v1/sync/push-mappings", { method: "POST", body: JSON.stringify({ reportId, fields: [{ column: "minutes", field: "Pendo_lastvisit_last30d__c" }] }) });
    expect(await mismatch.json()).toMatchObject({ code: "FIELD_TYPE_MISMATCH", field: "Pendo_lastvisit_last30d__c", columnType: "number", fieldType: "date" });
  });

  it("writes exactly the report's values, succeeds with duplicates, unmatched and orphans listed by record as notices, then writes nothing when nothing changed", async () => {
    await p.json("/api/v1/sync/push-mappings", {
      method: "POST",
      body: JSON.stringify({
        reportId,
        dailySync: true,
        fields: [
          { column: "visitors", field: "Pendo_numberofvisitors_last30d__c" },
          { column: "minutes", field: "Pendo_timeonsite_last30d__c" },
          { column: "lastVisit", field: "Pendo_lastvisit_last30d__c" },
        ],
      }),
    });
    const first = await run({ push: true, pull: false });
    // Data problems in four records do not make the run partial: it did its work (ADR 0012).
    expect(first.status).toBe("success");
    expect(first.counts).toMatchObject({ changed: 3, written: 3, failed: 0, refused: 0, duplicates: 2, unmatched: 1, orphans: 1 });
    expect(first.notices).toBe(4);
    expect(first.errors.filter((e) => e.code === "DUPLICATE_KEY").map((e) => e.key)).toEqual(["acct-dup", "acct-dup"]);
    expect(first.errors.find((e) => e.code === "UNMATCHED")?.key).toBe("acct-lonely");
    const crmOnly = (await crmAccounts()).find((r) => r["Analytics_Account_Id__c"] === "acct-crm-only");
    expect(first.errors.filter((e) => e.code === "ORPHAN").map((e) => [e.recordId, e.key])).toEqual([[crmOnly?.["Id"], "acct-crm-only"]]);
    expect(first.errors.every((e) => e.notice === true)).toBe(true);
    expect(first.apiCalls).toBeGreaterThan(0);

    const report = await p.json<ReportRows>(`/api/v1/reports/${reportId}/results`);
    const byKey = new Map((await crmAccounts()).map((r) => [r["Analytics_Account_Id__c"], r]));
    for (const id of ["acct-a", "acct-b", "acct-c"]) {
      const row = report.rows.find((r) => r.id === id)?.values ?? {};
      const acc = byKey.get(id) ?? {};
      expect(acc["Pendo_numberofvisitors_last30d__c"]).toBe(row["visitors"]);
      expect(acc["Pendo_timeonsite_last30d__c"]).toBe(row["minutes"]);
      expect(acc["Pendo_lastvisit_last30d__c"]).toBe(String(row["lastVisit"]).slice(0, 10));
    }
    expect(byKey.get("acct-a")?.["Pendo_numberofvisitors_last30d__c"]).toBe(2);
    expect(byKey.get("acct-crm-only")?.["Pendo_numberofvisitors_last30d__c"]).toBeNull();

    const second = await run({ push: true, pull: false });
    expect(second.counts).toMatchObject({ changed: 0, written: 0 });
    // token + describe + one query page
    expect(second.apiCalls).toBeLessThanOrEqual(3);
  });

  it("rewrites a value someone changed in the CRM, and only that one", async () => {
    const a = (await crmAccounts()).find((r) => r["Analytics_Account_Id__c"] === "acct-b");
    await p.conn.sobject("Account").update({ Id: String(a?.["Id"]), Pendo_timeonsite_last30d__c: 999 });
    const r = await run({ push: true, pull: false });
    expect(r.counts).toMatchObject({ changed: 1, written: 1 });
  });
});

describe("pull", () => {
  it("makes a CRM field read-only account metadata usable in segments at once", async () => {
    await p.json("/api/v1/sync/pull", { method: "PUT", body: JSON.stringify({ accountFields: ["Health__c", "Pendo_numberofvisitors_last30d__c"] }) });
    const r = await run({ pull: true, push: false });
    expect(r.counts).toMatchObject({ duplicates: 2, unmatched: 1, orphans: 1 });
    expect(r.status).toBe("success");
    const red = await p.json<{ count: number; sample: string[] }>("/api/v1/segments/preview", {
      method: "POST",
      body: JSON.stringify({ definition: { op: "and", rules: [{ kind: "metadata", target: "account", group: "crm", key: "Health__c", operator: "equals", value: "Red" }] } }),
    });
    expect(red).toEqual({ count: 1, sample: ["acct-a"] });
    const appId = p.analytics.apps.list()[0]?.id as string;
    const a = await p.analytics.metadata.get(appId, "account", "acct-a");
    expect(a?.metadata.crm).toEqual({ Health__c: "Red", Pendo_numberofvisitors_last30d__c: 2 });
    const report = await p.json<{ id: string }>("/api/v1/reports", { method: "POST", body: JSON.stringify({ name: "Health", range: { last: 30 }, columns: ["crm.Health__c"] }) });
    const rows = await p.json<ReportRows>(`/api/v1/reports/${report.id}/results`);
    expect(rows.rows.find((x) => x.id === "acct-b")?.values["crm.Health__c"]).toBe("Green");
  });

  it("writes only the accounts whose pulled values changed, and none when nothing did", async () => {
    const appId = p.analytics.apps.list()[0]?.id as string;
    const replace = vi.spyOn(p.analytics.metadata, "replaceCrm");
    try {
      await run({ pull: true, push: false });
      expect(replace).not.toHaveBeenCalled();
      const b = (await p.conn.query<{ Id: string }>("SELECT Id FROM Account WHERE Analytics_Account_Id__c = 'acct-b'")).records[0] as { Id: string };
      await p.conn.sobject("Account").update({ Id: b.Id, Health__c: "Red" });
      await run({ pull: true, push: false });
      expect(replace).toHaveBeenCalledTimes(1);
      expect([...(replace.mock.calls[0]?.[2] ?? new Map()).keys()]).toEqual(["acct-b"]);
      expect((await p.analytics.metadata.get(appId, "account", "acct-b"))?.metadata.crm["Health__c"]).toBe("Red");
      expect((await p.analytics.metadata.get(appId, "account", "acct-a"))?.metadata.crm["Health__c"]).toBe("Red");
      await p.conn.sobject("Account").update({ Id: b.Id, Health__c: "Green" });
      await run({ pull: true, push: false });
    } finally {
      replace.mockRestore();
    }
  });

  it("refuses to pull a field the CRM does not have", async () => {
    const res = await p.api("/api/v1/sync/pull", { method: "PUT", body: JSON.stringify({ accountFields: ["Nope__c"] }) });
    expect(await res.json()).toMatchObject({ code: "UNKNOWN_FIELD", field: "Nope__c" });
  });
});

describe("a deactivated API user", () => {
  it("fails the run with RECONNECT_REQUIRED and shows the connection as needing a reconnect", async () => {
    const view = await p.json<{ org: { userId: string } }>("/api/v1/sync/connection");
    await p.json(`/api/v1/crm/users/${view.org.userId}`, { method: "PATCH", body: JSON.stringify({ isActive: false }) });
    try {
      const r = await run({});
      expect(r.status).toBe("failure");
      expect(r.message).toMatch(/^RECONNECT_REQUIRED/);
      expect(await p.json("/api/v1/sync/connection")).toMatchObject({ status: "reconnect" });
    } finally {
      await p.json(`/api/v1/crm/users/${view.org.userId}`, { method: "PATCH", body: JSON.stringify({ isActive: true }) });
    }
    const again = await run({ pull: false });
    expect(again.status).toBe("success");
    expect(again.notices).toBeGreaterThan(0);
    expect(await p.json("/api/v1/sync/connection")).toMatchObject({ status: "connected" });
    const list = await p.json<{ runs: SyncRun[] }>("/api/v1/sync/runs");
    expect(list.runs.length).toBeGreaterThanOrEqual(6);
  });
});
