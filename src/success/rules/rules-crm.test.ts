import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCrmSuccessPendulum, type CrmSuccessPendulum } from "../crm-test-kit.js";
import { call } from "../../../test/success-kit.js";
import type { Rule } from "./definition.js";
import type { RulePreview } from "./rule-runner.js";
import type { RuleRun } from "./run-types.js";

let p: CrmSuccessPendulum;
let ids: string[] = [];

/** The article's rule 1, as an admin would create it through the API. */
const RULE_1 = {
  name: "Pendo: Sync data from Account to Usage",
  type: "Custom",
  source: { kind: "crm", object: "Account" },
  show: ["Id", "Pendo_numberofvisitors_last30d__c", "Pendo_timeonsite_last30d__c", "Pendo_lastvisit_last30d__c"],
  filters: [],
  customersOnly: true,
  actions: [
    {
      type: "loadToUsage",
      mappings: [
        { to: "accountId", field: "Id" },
        { to: "Pendo_numberofvisitors_last30d", field: "Pendo_numberofvisitors_last30d__c" },
        { to: "Pendo_timeonsite_last30d", field: "Pendo_timeonsite_last30d__c" },
        { to: "Pendo_lastvisit_last30d", field: "Pendo_lastvisit_last30d__c" },
        { to: "aggregationLevel", constant: "ACCOUNTLEVEL" },
        { to: "date", ruleDate: 0 },
      ],
    },
  ],
};

/** The article's rule 2. */
const RULE_2 = {
  name: "Pendo: Sync data from Gainsight to Account",
  type: "Custom",
  source: { kind: "customers" },
  show: ["accountId", "healthScore", "renewalDate"],
  filters: [],
  customersOnly: true,
  actions: [
    {
      type: "loadToCrm",
      object: "Account",
      operation: "update",
      mappings: [
        { to: "Id", field: "accountId", identifier: true },
        { to: "Health_Score__c", field: "healthScore" },
        { to: "Renewal_Date__c", field: "renewalDate" },
      ],
    },
  ],
};

beforeAll(async () => {
  p = await startCrmSuccessPendulum();
  const created = await p.conn.sobject("Account").create(
    [
      { Name: "Acme", Pendo_numberofvisitors_last30d__c: 42, Pendo_timeonsite_last30d__c: 310.5, Pendo_lastvisit_last30d__c: "2024-05-14" },
      { Name: "Globex", Pendo_numberofvisitors_last30d__c: 7, Pendo_timeonsite_last30d__c: 12, Pendo_lastvisit_last30d__c: "2024-05-02" },
      { Name: "Not a customer", Pendo_numberofvisitors_last30d__c: 99, Pendo_timeonsite_last30d__c: 1, Pendo_lastvisit_last30d__c: "2024-05-10" },
    ],
    { allOrNone: true },
  );
  ids = created.map((c) => c.id as string);
  await call(p, "POST", "/customers", { accountId: ids[0], name: "Acme", healthScore: 82, renewalDate: "2024-11-30" });
  await call(p, "POST", "/customers", { accountId: ids[1], name: "Globex", healthScore: 35, renewalDate: "2024-07-01" });
  for (const [name, type, aggregation] of [
    ["Pendo_numberofvisitors_last30d", "integer", "sum"],
    ["Pendo_timeonsite_last30d", "number", "sum"],
    ["Pendo_lastvisit_last30d", "date", "max"],
  ]) {
    expect((await call(p, "POST", "/usage/measures", { name, label: name, type, aggregation })).status).toBe(201);
  }
});
afterAll(async () => {
  await p?.close();
});

describe("the article's rules against the built-in CRM, through jsforce", () => {
  it("rule 1 loads the customers' Account Pendo_ fields into usage for the rule date's week, and a rerun changes nothing", async () => {
    const rule = await call<Rule>(p, "POST", "/rules", RULE_1);
    expect(rule.status, JSON.stringify(rule.body)).toBe(201);

    const preview = await call<RulePreview>(p, "POST", `/rules/${rule.body.id}/run`, { date: "2024-05-15", preview: true, previewRows: 1 });
    expect(preview.body.soql).toBe("SELECT Id, Pendo_numberofvisitors_last30d__c, Pendo_timeonsite_last30d__c, Pendo_lastvisit_last30d__c FROM Account");
    expect(preview.body.rowsRead).toBe(2);
    expect(preview.body.actions[0]?.wouldWrite).toHaveLength(1);
    expect((await call<{ rows: unknown[] }>(p, "GET", "/usage/data")).body.rows).toHaveLength(0);

    const run = await call<RuleRun>(p, "POST", `/rules/${encodeURIComponent(RULE_1.name)}/run`, { date: "2024-05-15" });
    expect(run.body).toMatchObject({ status: "success", ruleName: RULE_1.name, rowsRead: 2, rowsWritten: 2, errorCount: 0 });
    const usage = await call<{ rows: { accountId: string; periodStart: string; aggregationLevel: string; measures: Record<string, unknown> }[] }>(p, "GET", "/usage/data");
    const byAccount = new Map(usage.body.rows.map((r) => [r.accountId, r]));
    expect(usage.body.rows).toHaveLength(2);
    expect(byAccount.get(ids[0] as string)).toMatchObject({
      periodStart: "2024-05-13",
      aggregationLevel: "ACCOUNTLEVEL",
      measures: { Pendo_numberofvisitors_last30d: 42, Pendo_timeonsite_last30d: 310.5, Pendo_lastvisit_last30d: "2024-05-14" },
    });
    expect(byAccount.get(ids[1] as string)?.measures).toEqual({ Pendo_numberofvisitors_last30d: 7, Pendo_timeonsite_last30d: 12, Pendo_lastvisit_last30d: "2024-05-02" });

    const rerun = await call<RuleRun>(p, "POST", `/rules/${rule.body.id}/run`, { date: "2024-05-15" });
    expect(rerun.body).toMatchObject({ status: "success", rowsRead: 2, rowsWritten: 0 });
    expect(rerun.body.actions[0]).toMatchObject({ unchanged: 2 });
    expect((await call<{ rows: unknown[] }>(p, "GET", "/usage/data")).body.rows).toEqual(usage.body.rows);
  });

  it("rule 2 is refused until its fields are allow-listed, then writes the customers' values onto their Accounts", async () => {
    const refused = await call(p, "POST", "/rules", RULE_2);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: "OBJECT_NOT_WRITABLE" });
    await call(p, "PUT", "/crm/writable", { objects: [{ object: "Account", fields: ["Id", "Health_Score__c"] }] });
    const field = await call(p, "POST", "/rules", RULE_2);
    expect(field.body).toMatchObject({ code: "FIELD_NOT_WRITABLE", field: "actions[0].mappings" });
    expect((field.body as { message: string }).message).toContain("Account.Renewal_Date__c");

    await call(p, "PUT", "/crm/writable", { objects: [{ object: "Account", fields: ["Id", "Health_Score__c", "Renewal_Date__c"] }] });
    const rule = await call<Rule>(p, "POST", "/rules", RULE_2);
    expect(rule.status, JSON.stringify(rule.body)).toBe(201);
    const run = await call<RuleRun>(p, "POST", `/rules/${rule.body.id}/run`, { date: "2024-05-15" });
    expect(run.body).toMatchObject({ status: "success", rowsRead: 2, rowsWritten: 2 });
    const accounts = await p.conn.query<{ Id: string; Health_Score__c: number | null; Renewal_Date__c: string | null }>(`SELECT Id, Health_Score__c, Renewal_Date__c FROM Account ORDER BY Name`);
    expect(accounts.records.map((a) => [a.Id, a.Health_Score__c, a.Renewal_Date__c])).toEqual([
      [ids[0], 82, "2024-11-30"],
      [ids[1], 35, "2024-07-01"],
      [ids[2], null, null],
    ]);

    const rerun = await call<RuleRun>(p, "POST", `/rules/${rule.body.id}/run`, { date: "2024-05-15" });
    expect(rerun.body).toMatchObject({ status: "success", rowsRead: 2, rowsWritten: 0 });
    expect(rerun.body.actions[0]).toMatchObject({ written: 0, unchanged: 2, failed: 0 });
    const after = await p.conn.query<{ Id: string; Health_Score__c: number | null; Renewal_Date__c: string | null }>(`SELECT Id, Health_Score__c, Renewal_Date__c FROM Account ORDER BY Name`);
    expect(after.records.map((a) => [a.Id, a.Health_Score__c, a.Renewal_Date__c])).toEqual(accounts.records.map((a) => [a.Id, a.Health_Score__c, a.Renewal_Date__c]));
  });

  it("fails a run with a clear error when a field leaves the allow-list, and writes nothing", async () => {
    await call(p, "PATCH", `/customers/${ids[0]}`, { healthScore: 10 });
    await call(p, "PUT", "/crm/writable", { objects: [{ object: "Account", fields: ["Id", "Renewal_Date__c"] }] });
    const run = await call<RuleRun>(p, "POST", `/rules/${encodeURIComponent(RULE_2.name)}/run`, { date: "2024-05-16" });
    expect(run.body).toMatchObject({ status: "failure", rowsWritten: 0 });
    expect(run.body.message).toMatch(/^FIELD_NOT_WRITABLE: Rules may not write Account\.Health_Score__c: it is not on the CRM write allow-list/);
    const acme = await p.conn.sobject("Account").retrieve(ids[0] as string);
    expect(acme["Health_Score__c"]).toBe(82);
    await call(p, "PUT", "/crm/writable", { objects: [{ object: "Account", fields: ["Id", "Health_Score__c", "Renewal_Date__c"] }] });
  });

  it("reports a record the CRM refuses by row and completes the rest (partial)", async () => {
    // A customer whose Account id the CRM does not know, between two good ones.
    await call(p, "POST", "/customers", { accountId: "001000000000000AAA", name: "Ghost", healthScore: 50 });
    const run = await call<RuleRun>(p, "POST", `/rules/${encodeURIComponent(RULE_2.name)}/run`, { date: "2024-05-16" });
    // Acme changed (written), Globex did not (unchanged, not sent), Ghost is refused by the CRM.
    expect(run.body).toMatchObject({ status: "partial", rowsRead: 3, rowsWritten: 1, errorCount: 1 });
    expect(run.body.actions[0]).toMatchObject({ written: 1, unchanged: 1, failed: 1 });
    expect(run.body.errors[0]).toMatchObject({ key: "001000000000000AAA", action: 1, actionType: "loadToCrm" });
    expect(run.body.errors[0]?.code).toMatch(/^[A-Z_]+$/);
    const acme = await p.conn.sobject("Account").retrieve(ids[0] as string);
    expect(acme["Health_Score__c"]).toBe(10);
  });

  it("filters a CRM source in SOQL, including rule date ± N days", async () => {
    const rule = await call<Rule>(p, "POST", "/rules", {
      ...RULE_1,
      name: "Recent visitors",
      filters: [{ field: "Pendo_lastvisit_last30d__c", operator: "greater", value: { ruleDate: -7 } }],
      customersOnly: false,
    });
    const preview = await call<RulePreview>(p, "POST", `/rules/${rule.body.id}/run`, { date: "2024-05-15", preview: true });
    expect(preview.body.soql).toContain("WHERE Pendo_lastvisit_last30d__c > 2024-05-08");
    expect(preview.body.rows.map((r) => r["Id"]).sort()).toEqual([ids[0], ids[2]].sort());
  });

  it("upserts on an external id (no duplicates on rerun) and inserts related records", async () => {
    await p.conn.tooling.sobject("CustomField").create({ FullName: "Account.Success_Key__c", Metadata: { type: "Text", label: "Success key", length: 64, externalId: true, unique: true } });
    await call(p, "PUT", "/crm/writable", { objects: [{ object: "Account", fields: ["Id", "Name", "Success_Key__c", "Health_Score__c", "Renewal_Date__c"] }, { object: "Contact", fields: ["AccountId", "LastName"] }] });
    await call(p, "POST", "/customers", { accountId: "EXT-1", name: "Initech", healthScore: 64 });
    const upsert = await call<Rule>(p, "POST", "/rules", {
      name: "Customers to Accounts by key",
      type: "Custom",
      source: { kind: "customers" },
      show: ["accountId", "name", "healthScore"],
      filters: [{ field: "accountId", operator: "contains", value: "EXT-" }],
      customersOnly: true,
      actions: [
        { type: "loadToCrm", object: "Account", operation: "upsert", mappings: [{ to: "Success_Key__c", field: "accountId", identifier: true }, { to: "Name", field: "name" }, { to: "Health_Score__c", field: "healthScore" }] },
      ],
    });
    expect(upsert.status, JSON.stringify(upsert.body)).toBe(201);
    expect((await call<RuleRun>(p, "POST", `/rules/${upsert.body.id}/run`, { date: "2024-05-16" })).body).toMatchObject({ status: "success", rowsWritten: 1 });
    await call(p, "PATCH", "/customers/EXT-1", { healthScore: 70 });
    expect((await call<RuleRun>(p, "POST", `/rules/${upsert.body.id}/run`, { date: "2024-05-17" })).body).toMatchObject({ status: "success", rowsWritten: 1 });
    const initech = await p.conn.query<{ Name: string; Health_Score__c: number }>("SELECT Name, Health_Score__c FROM Account WHERE Success_Key__c = 'EXT-1'");
    expect(initech.records.map((r) => [r.Name, r.Health_Score__c])).toEqual([["Initech", 70]]);

    const insert = await call<Rule>(p, "POST", "/rules", {
      name: "A contact per customer",
      type: "Custom",
      source: { kind: "customers" },
      show: ["accountId", "name"],
      filters: [{ field: "name", operator: "equals", value: "Acme" }],
      customersOnly: true,
      actions: [{ type: "loadToCrm", object: "Contact", operation: "insert", mappings: [{ to: "AccountId", field: "accountId" }, { to: "LastName", field: "name" }] }],
    });
    expect(insert.status, JSON.stringify(insert.body)).toBe(201);
    expect((await call<RuleRun>(p, "POST", `/rules/${insert.body.id}/run`, { date: "2024-05-16" })).body).toMatchObject({ status: "success", rowsWritten: 1 });
    const contacts = await p.conn.query<{ AccountId: string; LastName: string }>("SELECT AccountId, LastName FROM Contact");
    expect(contacts.records.map((c) => [c.AccountId, c.LastName])).toEqual([[ids[0], "Acme"]]);
  });
});
