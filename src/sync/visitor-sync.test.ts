// Issue 16, finding 9: visitor-level sync (analytics visitors ↔ CRM Contacts) end to end, the way an
// admin sets it up through the API and every Salesforce client sees the CRM (jsforce): the link
// by Email or by a Contact field, the link check with duplicates and orphans, the pull into the
// visitors' `crm` metadata, the push of a visitor report to Pendo_ Contact fields, and an
// unchanged second push that writes nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_APP_KEY } from "../../test/harness.js";
import type { SyncRun } from "./index.js";
import { connectCrm, startSyncPendulum, type SyncPendulum } from "./test-kit.js";

let p: SyncPendulum;
const now = Date.now();
const min = 60_000;
const ids: Record<string, string> = {};
type Check = { matched: number; duplicates: { key: string; recordId: string }[]; unmatched: { key: string }[]; unmatchedCount: number; orphans: { recordId: string; key: string }[]; orphanCount: number };
type Rows = { rows: { id: string; values: Record<string, unknown> }[] };

const send = (visitor: string, account: string, minutesAgo: number[]) =>
  fetch(`${p.url}/data/ingest?key=${TEST_APP_KEY}`, {
    method: "POST",
    headers: { "content-type": "text/plain" },
    body: JSON.stringify({ visitor: { id: visitor }, account: { id: account }, events: minutesAgo.map((m) => ({ type: "load", ts: now - m * min, url: "https://app.example.com/home" })) }),
  });
const run = (body: Record<string, unknown>) => p.json<SyncRun>("/api/v1/sync/runs?wait=true", { method: "POST", body: JSON.stringify(body) });
const contacts = async () => (await p.conn.query<Record<string, unknown>>("SELECT Id, Email, Pendo_minutes_last30d__c, Pendo_lastvisit_last30d__c FROM Contact")).records;

beforeAll(async () => {
  p = await startSyncPendulum();
  for (const f of [
    { FullName: "Contact.Pendo_minutes_last30d__c", Metadata: { type: "Number", label: "Pendo Minutes (Last 30d)", precision: 18, scale: 0 } },
    { FullName: "Contact.Pendo_lastvisit_last30d__c", Metadata: { type: "Date", label: "Pendo Last Visit (Last 30d)" } },
    { FullName: "Contact.Analytics_Visitor_Id__c", Metadata: { type: "Text", label: "Analytics Visitor Id", length: 80, externalId: true } },
  ]) {
    await p.conn.tooling.sobject("CustomField").create(f);
  }
  // Visitor ids are the users' emails, as many apps sign visitors in.
  await send("ann@acme.test", "acme", [50, 49, 48]);
  await send("bob@acme.test", "acme", [20]);
  await send("cat@globex.test", "globex", [10, 9, 5]);
  await send("dup@globex.test", "globex", [4]);
  await send("lonely@globex.test", "globex", [3]);
  await p.analytics.settle();
  const made = await p.conn.sobject("Contact").create([
    { LastName: "Ann", Email: "ann@acme.test", Title: "CTO", Analytics_Visitor_Id__c: "ann@acme.test" },
    { LastName: "Bob", Email: "bob@acme.test", Title: "Analyst", Analytics_Visitor_Id__c: "bob@acme.test" },
    { LastName: "Cat", Email: "cat@globex.test", Title: "Admin" },
    { LastName: "Dup One", Email: "dup@globex.test", Title: "Buyer" },
    { LastName: "Dup Two", Email: "dup@globex.test", Title: "Buyer" },
    { LastName: "Ghost", Email: "ghost@globex.test", Title: "Prospect" },
    { LastName: "No email", Title: "Unknown" },
  ]);
  ["ann", "bob", "cat", "dup1", "dup2", "ghost", "noemail"].forEach((k, i) => {
    const r = made[i];
    if (!r?.success) throw new Error(`Contact insert failed: ${JSON.stringify(r)}`);
    ids[k] = r.id;
  });
  await connectCrm(p);
});
afterAll(async () => {
  await p?.close();
});

describe("visitor-level sync through jsforce", () => {
  it("checks a Contact link field before saving: by Email with a duplicate, an unmatched visitor and an orphan; by a Contact field too", async () => {
    const byEmail = await p.json<Check>("/api/v1/sync/link/check", { method: "POST", body: JSON.stringify({ kind: "visitor", field: "Email" }) });
    expect(byEmail.matched).toBe(3);
    expect(byEmail.duplicates.map((d) => [d.key, d.recordId]).sort()).toEqual([
      ["dup@globex.test", ids["dup1"]],
      ["dup@globex.test", ids["dup2"]],
    ]);
    expect(byEmail.unmatched.map((u) => u.key)).toEqual(["lonely@globex.test"]);
    expect(byEmail.orphans).toEqual([{ recordId: ids["ghost"], key: "ghost@globex.test" }]);
    expect(byEmail.orphanCount).toBe(1);
    const byField = await p.json<Check>("/api/v1/sync/link/check", { method: "POST", body: JSON.stringify({ kind: "visitor", field: "Analytics_Visitor_Id__c" }) });
    expect(byField).toMatchObject({ matched: 2, duplicates: [], unmatchedCount: 3, orphanCount: 0 });
    // A Contact field of another type cannot hold the link.
    const bad = await p.api("/api/v1/sync/link", { method: "PUT", body: JSON.stringify({ accountField: "Id", visitorField: "Pendo_minutes_last30d__c" }) });
    expect(await bad.json()).toMatchObject({ code: "LINK_FIELD_TYPE", field: "visitorField" });
    await p.json("/api/v1/sync/link", { method: "PUT", body: JSON.stringify({ accountField: "Id", visitorField: "Email" }) });
  });

  it("pulls Contact fields into the visitors' crm metadata, usable in segments", async () => {
    await p.json("/api/v1/sync/pull", { method: "PUT", body: JSON.stringify({ accountFields: [], visitorFields: ["Title"] }) });
    const r = await run({ pull: true, push: false });
    expect(r.status).toBe("success");
    expect(r.counts).toMatchObject({ duplicates: 2, orphans: 1, failed: 0 });
    const contactNotices = (code: string) => r.errors.filter((e) => e.object === "Contact" && e.code === code);
    expect(contactNotices("DUPLICATE_KEY").map((e) => e.recordId).sort()).toEqual([ids["dup1"], ids["dup2"]].sort());
    expect(contactNotices("UNMATCHED").map((e) => e.key)).toEqual(["lonely@globex.test"]);
    expect(contactNotices("ORPHAN").map((e) => [e.recordId, e.key])).toEqual([[ids["ghost"], "ghost@globex.test"]]);
    // The Account side is pulled too (linked by Id, which no analytics account id is here): its two accounts are unmatched.
    expect(r.errors.filter((e) => e.object === "Account").map((e) => [e.code, e.key])).toEqual([
      ["UNMATCHED", "acme"],
      ["UNMATCHED", "globex"],
    ]);
    const appId = p.analytics.apps.list()[0]?.id as string;
    const crmOf = async (id: string) => (await p.analytics.metadata.get(appId, "visitor", id))?.metadata.crm;
    expect(await crmOf("ann@acme.test")).toEqual({ Title: "CTO" });
    expect(await crmOf("cat@globex.test")).toEqual({ Title: "Admin" });
    expect(await crmOf("dup@globex.test")).toEqual({}); // on a duplicated key: nothing pulled
    expect(await crmOf("lonely@globex.test")).toEqual({});
    const admins = await p.json<{ count: number; sample: string[] }>("/api/v1/segments/preview", {
      method: "POST",
      body: JSON.stringify({ kind: "visitor", definition: { op: "and", rules: [{ kind: "metadata", target: "visitor", group: "crm", key: "Title", operator: "equals", value: "Admin" }] } }),
    });
    expect(admins.sample).toEqual(["cat@globex.test"]);
  });

  it("pushes a visitor report to Pendo_ Contact fields, listing duplicates and orphans, then writes nothing when nothing changed", async () => {
    const report = await p.json<{ id: string }>("/api/v1/reports", { method: "POST", body: JSON.stringify({ name: "Visitors, last 30 days", kind: "visitor", range: { last: 30 }, columns: ["minutes", "lastVisit"] }) });
    const mapping = await p.json<{ object: string }>("/api/v1/sync/push-mappings", {
      method: "POST",
      body: JSON.stringify({ reportId: report.id, dailySync: true, fields: [{ column: "minutes", field: "Pendo_minutes_last30d__c" }, { column: "lastVisit", field: "Pendo_lastvisit_last30d__c" }] }),
    });
    expect(mapping.object).toBe("Contact");
    const noPrefix = await p.api("/api/v1/sync/push-mappings", { method: "POST", body: JSON.stringify({ reportId: report.id, fields: [{ column: "minutes", field: "Title" }] }) });
    expect(await noPrefix.json()).toMatchObject({ code: "FIELD_NOT_WRITABLE", field: "Title" });

    const first = await run({ pull: false, push: true });
    expect(first.status).toBe("success");
    expect(first.counts).toMatchObject({ changed: 3, written: 3, failed: 0, refused: 0, duplicates: 2, unmatched: 1, orphans: 1 });
    expect(first.notices).toBe(4);
    const rows = (await p.json<Rows>(`/api/v1/reports/${report.id}/results`)).rows;
    const byId = new Map((await contacts()).map((c) => [c["Id"], c]));
    for (const [key, email] of [["ann", "ann@acme.test"], ["bob", "bob@acme.test"], ["cat", "cat@globex.test"]] as const) {
      const row = rows.find((r) => r.id === email)?.values ?? {};
      const c = byId.get(ids[key]) ?? {};
      expect(c["Pendo_minutes_last30d__c"]).toBe(row["minutes"]);
      expect(c["Pendo_lastvisit_last30d__c"]).toBe(String(row["lastVisit"]).slice(0, 10));
    }
    expect(byId.get(ids["ann"])?.["Pendo_minutes_last30d__c"]).toBe(3);
    for (const key of ["dup1", "dup2", "ghost", "noemail"]) expect(byId.get(ids[key])?.["Pendo_minutes_last30d__c"]).toBeNull();

    const second = await run({ pull: false, push: true });
    expect(second.counts).toMatchObject({ changed: 0, written: 0 });
    expect(second.status).toBe("success");
    // token + describe + one query page
    expect(second.apiCalls).toBeLessThanOrEqual(3);
  });

  it("a daily sync job pushes the visitor mapping and pulls Contact fields in one run", async () => {
    await send("bob@acme.test", "acme", [1]);
    await p.analytics.settle();
    const handler = p.sync.jobHandlers["sync"];
    const result = await handler?.({}, { job: { id: "j", name: "daily" }, runId: "r", now: Date.now() });
    // The Contact side's four notices, met by both the pull and the push, count once; plus the two unmatched accounts.
    expect(result).toMatchObject({ status: "success", notices: 6 });
    const bob = (await contacts()).find((c) => c["Id"] === ids["bob"]);
    expect(bob?.["Pendo_minutes_last30d__c"]).toBe(2);
  });
});
