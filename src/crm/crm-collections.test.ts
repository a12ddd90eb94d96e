import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type jsforce from "jsforce";
import { startCrm, type CrmHarness } from "./test-kit.js";

let crm: CrmHarness;
let conn: jsforce.Connection;

beforeAll(async () => {
  crm = await startCrm();
  conn = await crm.login();
  await conn.tooling.sobject("CustomField").create({ FullName: "Account.Ext_Key__c", Metadata: { type: "Text", label: "Ext Key", length: 40, externalId: true } });
  await conn.tooling.sobject("CustomField").create({ FullName: "Account.Score__c", Metadata: { type: "Number", label: "Score", precision: 5, scale: 1 } });
  await conn.tooling.sobject("CustomField").create({ FullName: "Account.Code__c", Metadata: { type: "Text", label: "Code", length: 10, unique: true } });
});
afterAll(async () => {
  await crm.close();
});

describe("Tooling CustomField", () => {
  it("makes a created field visible in describe and SOQL at once", async () => {
    const d = await conn.describe("Account");
    const score = d.fields.find((f) => f.name === "Score__c");
    expect(score).toMatchObject({ type: "double", precision: 5, scale: 1, custom: true });
    expect(d.fields.find((f) => f.name === "Ext_Key__c")).toMatchObject({ externalId: true, type: "string", length: 40 });
    const res = await conn.tooling.query<{ DeveloperName: string; TableEnumOrId: string }>("SELECT Id, DeveloperName, TableEnumOrId FROM CustomField WHERE DeveloperName = 'Score'");
    expect(res.records).toHaveLength(1);
    expect(res.records[0]?.TableEnumOrId).toBe("Account");
    await expect(conn.query("SELECT Id, Score__c FROM Account")).resolves.toMatchObject({ totalSize: expect.any(Number) });
  });
});

describe("upsert by external id", () => {
  it("creates then updates (created true/false) and answers 300 for duplicate external ids", async () => {
    const first = (await conn.sobject("Account").upsert({ Name: "Up", Ext_Key__c: "K-1" }, "Ext_Key__c")) as { created?: boolean; success: boolean };
    expect(first).toMatchObject({ success: true, created: true });
    const second = (await conn.sobject("Account").upsert({ Name: "Up 2", Ext_Key__c: "k-1" }, "Ext_Key__c")) as { created?: boolean; success: boolean };
    expect(second).toMatchObject({ success: true, created: false });
    const rows = await conn.query<{ Name: string }>("SELECT Name FROM Account WHERE Ext_Key__c = 'K-1'");
    expect(rows.records.map((r) => r.Name)).toEqual(["Up 2"]);
    await conn.sobject("Account").create([{ Name: "D1", Ext_Key__c: "DUP" }, { Name: "D2", Ext_Key__c: "DUP" }]);
    await expect(conn.sobject("Account").upsert({ Name: "D3", Ext_Key__c: "DUP" }, "Ext_Key__c")).rejects.toMatchObject({ errorCode: "MULTIPLE_CHOICES" });
    const raw = await fetch(`${crm.url}/services/data/v62.0/sobjects/Account/Ext_Key__c/DUP`, { method: "PATCH", headers: { authorization: `Bearer ${conn.accessToken}`, "content-type": "application/json" }, body: JSON.stringify({ Name: "D4" }) });
    expect(raw.status).toBe(300);
  });

  it("upserts a collection reporting created per record", async () => {
    const res = await conn.sobject("Account").upsert([{ Name: "C1", Ext_Key__c: "CU-1" }, { Name: "Up 3", Ext_Key__c: "K-1" }], "Ext_Key__c");
    expect(res.map((r) => (r as { created?: boolean }).created)).toEqual([true, false]);
  });
});

describe("sObject Collections", () => {
  it("updates text, numbers and nulls exactly, whatever characters the text holds", async () => {
    // On PostgreSQL a Collections update sends each column as one array: these values must survive its quoting.
    const texts = ['quote " inside', "back\\slash \\\" both", "{braces},and,commas", "NULL", "", "  spaces  ", "ünïcødé 日本 🙂", "line\nbreak\ttab", "'single'"];
    await conn.tooling.sobject("CustomField").create({ FullName: "Account.Note__c", Metadata: { type: "Text", label: "Note", length: 100 } });
    const made = (await conn.sobject("Account").create(texts.map((_, i) => ({ Name: `Chars ${i}` })))) as { id: string; success: boolean }[];
    expect(made.every((r) => r.success)).toBe(true);
    const updates = texts.map((t, i) => ({ Id: made[i]?.id as string, Name: `Chars ${i}`, Note__c: t, Score__c: i % 3 === 0 ? null : i * 1.5 - 4 }));
    const res = (await conn.sobject("Account").update(updates)) as { success: boolean }[];
    expect(res.filter((r) => !r.success)).toEqual([]);
    const back = await conn.query<{ Id: string; Note__c: string | null; Score__c: number | null }>(`SELECT Id, Note__c, Score__c FROM Account WHERE Name LIKE 'Chars %'`);
    const byId = new Map(back.records.map((r) => [r.Id, r]));
    for (const [i, u] of updates.entries()) {
      const r = byId.get(u.Id);
      // Salesforce stores an empty text as null.
      expect(r?.Note__c ?? "", `row ${i}`).toBe(texts[i]);
      expect(r?.Score__c ?? null, `row ${i}`).toBe(u.Score__c);
    }
  });

  it("creates 200 records in one call and refuses 201", async () => {
    const records = Array.from({ length: 200 }, (_, i) => ({ Name: `Bulk ${i}`, Score__c: i / 10 }));
    const res = await conn.sobject("Account").create(records);
    expect(res).toHaveLength(200);
    expect(res.every((r) => r.success)).toBe(true);
    await expect(conn.sobject("Account").create([...records, { Name: "one too many" }])).rejects.toMatchObject({ errorCode: "EXCEEDED_ID_LIMIT" });
    const ids = res.map((r) => r.id as string);
    const updated = await conn.sobject("Account").update(ids.map((Id) => ({ Id, Industry: "Banking" })));
    expect(updated.every((r) => r.success)).toBe(true);
    const got = await conn.sobject("Account").retrieve(ids.slice(0, 3));
    expect(got.map((r) => r?.["Industry"])).toEqual(["Banking", "Banking", "Banking"]);
  });

  it("reports mixed results per record without allOrNone", async () => {
    const res = await conn.sobject("Account").create([{ Name: "ok" }, { Name: "x".repeat(300) }, { Name: "dup", Code__c: "C1" }, { Name: "dup2", Code__c: "C1" }]);
    expect(res.map((r) => r.success)).toEqual([true, false, true, false]);
    const errors = res.map((r) => (r.success ? undefined : (r.errors[0] as { statusCode?: string; errorCode?: string })));
    expect(errors[1]).toMatchObject({ statusCode: "STRING_TOO_LONG" });
    expect(errors[3]).toMatchObject({ statusCode: "DUPLICATE_VALUE" });
  });

  it("rolls everything back with allOrNone when one record fails", async () => {
    const res = await conn.sobject("Account").create([{ Name: "AON-1" }, { Name: "AON-2", Score__c: 123456789 }], { allOrNone: true });
    expect(res.map((r) => r.success)).toEqual([false, false]);
    expect((res[0]?.errors[0] as { statusCode?: string }).statusCode).toBe("ALL_OR_NONE_OPERATION_ROLLED_BACK");
    expect((res[1]?.errors[0] as { statusCode?: string }).statusCode).toBe("NUMBER_OUTSIDE_VALID_RANGE");
    const left = await conn.query("SELECT Id FROM Account WHERE Name LIKE 'AON-%'");
    expect(left.totalSize).toBe(0);
  });

  it("updates a collection with a unique clash in the middle: the others written (allOrNone false), none (allOrNone true)", async () => {
    const made = await conn.sobject("Account").create([{ Name: "UQ holder", Code__c: "UQ-HOLD" }, ...Array.from({ length: 5 }, (_, i) => ({ Name: `UQ ${i}`, Code__c: `UQ-${i}` }))]);
    const holder = made[0]?.id as string;
    const ids = made.slice(1).map((r) => r.id as string);
    // Record 2 takes the holder's code (in other case: the index ignores case); the others take new codes and scores.
    const batch = (round: number) => ids.map((Id, i) => ({ Id, Score__c: round * 10 + i, Code__c: i === 2 ? "uq-hold" : `UQ-${round}-${i}` }));
    const res = await conn.sobject("Account").update(batch(1));
    expect(res.map((r) => r.success)).toEqual([true, true, false, true, true]);
    expect(res[2]).toMatchObject({ id: ids[2], success: false });
    expect(res[2]?.errors[0]).toMatchObject({ statusCode: "DUPLICATE_VALUE", message: `duplicate value found: Code__c duplicates value on record with id: ${holder}`, fields: ["Code__c"] });
    const after = async () => (await conn.sobject("Account").retrieve(ids)).map((r) => [r?.["Code__c"], r?.["Score__c"]]);
    expect(await after()).toEqual([["UQ-1-0", 10], ["UQ-1-1", 11], ["UQ-2", null], ["UQ-1-3", 13], ["UQ-1-4", 14]]);

    const all = await conn.sobject("Account").update(batch(2), { allOrNone: true });
    expect(all.map((r) => (r.errors[0] as { statusCode?: string } | undefined)?.statusCode)).toEqual(["ALL_OR_NONE_OPERATION_ROLLED_BACK", "ALL_OR_NONE_OPERATION_ROLLED_BACK", "DUPLICATE_VALUE", "ALL_OR_NONE_OPERATION_ROLLED_BACK", "ALL_OR_NONE_OPERATION_ROLLED_BACK"]);
    expect(await after()).toEqual([["UQ-1-0", 10], ["UQ-1-1", 11], ["UQ-2", null], ["UQ-1-3", 13], ["UQ-1-4", 14]]);
  });

  it("deletes a collection", async () => {
    const res = await conn.sobject("Account").create([{ Name: "Del 1" }, { Name: "Del 2" }]);
    const del = await conn.sobject("Account").destroy(res.map((r) => r.id as string));
    expect(del.every((r) => r.success)).toBe(true);
    expect((await conn.query("SELECT Id FROM Account WHERE Name LIKE 'Del %'")).totalSize).toBe(0);
    expect((await conn.query("SELECT Id FROM Account WHERE Name LIKE 'Del %'", { scanAll: true })).totalSize).toBe(2);
  });
});

describe("composite", () => {
  it("chains subrequests with @{ref.id} and rolls back with allOrNone", async () => {
    const body = {
      allOrNone: false,
      compositeRequest: [
        { method: "POST", url: "/services/data/v62.0/sobjects/Account", referenceId: "acct", body: { Name: "Parent Co" } },
        { method: "POST", url: "/services/data/v62.0/sobjects/Contact", referenceId: "ct", body: { LastName: "Kid", AccountId: "@{acct.id}" } },
        { method: "GET", url: "/services/data/v62.0/sobjects/Contact/@{ct.id}", referenceId: "read" },
      ],
    };
    const res = (await conn.requestPost("/services/data/v62.0/composite", body)) as { compositeResponse: Array<{ httpStatusCode: number; body: Record<string, unknown> }> };
    expect(res.compositeResponse.map((r) => r.httpStatusCode)).toEqual([201, 201, 200]);
    expect(res.compositeResponse[2]?.body["AccountId"]).toBe(res.compositeResponse[0]?.body["id"]);
    const withRel = await conn.query<{ Account: { Name: string } }>(`SELECT Id, Account.Name FROM Contact WHERE Id = '${String(res.compositeResponse[1]?.body["id"])}'`);
    expect(withRel.records[0]?.Account.Name).toBe("Parent Co");

    const failing = {
      allOrNone: true,
      compositeRequest: [
        { method: "POST", url: "/services/data/v62.0/sobjects/Account", referenceId: "a", body: { Name: "Rolled Back Co" } },
        { method: "POST", url: "/services/data/v62.0/sobjects/Contact", referenceId: "b", body: { FirstName: "no last name" } },
      ],
    };
    const r2 = (await conn.requestPost("/services/data/v62.0/composite", failing)) as { compositeResponse: Array<{ httpStatusCode: number }> };
    expect(r2.compositeResponse.map((r) => r.httpStatusCode)).toEqual([400, 400]);
    expect((await conn.query("SELECT Id FROM Account WHERE Name = 'Rolled Back Co'")).totalSize).toBe(0);
  });

  it("runs independent subrequests with /composite/batch", async () => {
    const res = (await conn.requestPost("/services/data/v62.0/composite/batch", { batchRequests: [{ method: "GET", url: "v62.0/query?q=SELECT+Id+FROM+Account+LIMIT+1" }, { method: "GET", url: "v62.0/sobjects/Account/001000000000000AAA" }] })) as {
      hasErrors: boolean;
      results: Array<{ statusCode: number }>;
    };
    expect(res.hasErrors).toBe(true);
    expect(res.results.map((r) => r.statusCode)).toEqual([200, 404]);
  });
});
