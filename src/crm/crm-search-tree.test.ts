import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type jsforce from "jsforce";
import { startCrm, type CrmHarness } from "./test-kit.js";

let crm: CrmHarness;
let conn: jsforce.Connection;

beforeAll(async () => {
  crm = await startCrm();
  conn = await crm.login();
});
afterAll(async () => {
  await crm.close();
});

type TreeAnswer = { hasErrors: boolean; results: Array<{ referenceId: string; id?: string; errors?: Array<{ statusCode: string; message: string; fields: string[] }> }> };

async function tree(type: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${crm.url}/services/data/v62.0/composite/tree/${type}`, {
    method: "POST",
    headers: { authorization: `Bearer ${conn.accessToken}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

function account(ref: string, fields: Record<string, unknown>, contacts?: Array<Record<string, unknown>>): Record<string, unknown> {
  return { attributes: { type: "Account", referenceId: ref }, ...fields, ...(contacts ? { Contacts: { records: contacts } } : {}) };
}

function contact(ref: string, fields: Record<string, unknown>): Record<string, unknown> {
  return { attributes: { type: "Contact", referenceId: ref }, ...fields };
}

describe("sObject Tree (/composite/tree)", () => {
  it("creates roots, then their children linked to them, and reports ids level by level", async () => {
    const r = await tree("Account", {
      records: [
        account("a1", { Name: "Tree One", Industry: "Retail" }, [contact("c1", { FirstName: "Ada", LastName: "Lovelace" }), contact("c2", { LastName: "Hopper" })]),
        account("a2", { Name: "Tree Two" }, [contact("c3", { LastName: "Turing" })]),
      ],
    });
    expect(r.status).toBe(201);
    const body = r.body as TreeAnswer;
    expect(body.hasErrors).toBe(false);
    expect(body.results.map((x) => x.referenceId)).toEqual(["a1", "a2", "c1", "c2", "c3"]);
    const ids = Object.fromEntries(body.results.map((x) => [x.referenceId, x.id]));
    const contacts = await conn.query<{ Id: string; Name: string; AccountId: string }>("SELECT Id, Name, AccountId FROM Contact ORDER BY LastName");
    expect(contacts.records.map((c) => [c.Id, c.Name, c.AccountId])).toEqual([
      [ids["c2"], "Hopper", ids["a1"]],
      [ids["c1"], "Ada Lovelace", ids["a1"]],
      [ids["c3"], "Turing", ids["a2"]],
    ]);
  });

  it("undoes the whole request when a record fails and reports only that record", async () => {
    const before = (await conn.query("SELECT Id FROM Account")).totalSize;
    const r = await tree("Account", { records: [account("ok", { Name: "Kept?" }, [contact("bad", { FirstName: "No Last Name" })]), account("later", { Name: "Later" })] });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ hasErrors: true, results: [{ referenceId: "bad", errors: [{ statusCode: "REQUIRED_FIELD_MISSING", message: "Required fields are missing: [LastName]", fields: ["LastName"] }] }] });
    expect((await conn.query("SELECT Id FROM Account")).totalSize).toBe(before);
  });

  it("reports every use of a duplicated reference id and saves nothing", async () => {
    const r = await tree("Account", { records: [account("dup", { Name: "A" }), account("DUP", { Name: "B" }), account("fine", { Name: "C" })] });
    expect(r.status).toBe(400);
    expect((r.body as TreeAnswer).results.map((x) => [x.referenceId, x.errors?.[0]?.statusCode])).toEqual([
      ["dup", "INVALID_INPUT"],
      ["DUP", "INVALID_INPUT"],
    ]);
    expect((await conn.query("SELECT Id FROM Account WHERE Name = 'C'")).totalSize).toBe(0);
  });

  it("refuses requests over Salesforce's limits or of the wrong shape", async () => {
    const many = Array.from({ length: 201 }, (_, i) => account(`r${i}`, { Name: `n${i}` }));
    const cases: Array<[string, unknown, number, string]> = [
      ["Account", { records: many }, 400, "EXCEEDED_ID_LIMIT"],
      ["Account", { records: [account("x", { Name: "x" }, undefined), { attributes: { type: "Contact", referenceId: "y" }, LastName: "y" }] }, 400, "INVALID_INPUT"],
      ["Account", { records: [{ attributes: { type: "Account" }, Name: "no ref" }] }, 400, "INVALID_INPUT"],
      ["Account", { records: [{ attributes: { type: "Account", referenceId: "r" }, Name: "x", Opportunities: { records: [] } }] }, 400, "INVALID_FIELD"],
      ["Account", { notRecords: [] }, 400, "INVALID_INPUT"],
      ["User", { records: [] }, 400, "INVALID_TYPE_FOR_OPERATION"],
      ["Nope", { records: [] }, 404, "NOT_FOUND"],
    ];
    for (const [type, body, status, code] of cases) {
      const r = await tree(type, body);
      expect([r.status, (r.body as Array<{ errorCode: string }>)[0]?.errorCode], JSON.stringify(body).slice(0, 80)).toEqual([status, code]);
    }
  });
});

describe("SOSL (/search) and parameterized search", () => {
  beforeAll(async () => {
    await conn.sobject("Account").create([
      { Name: "Acme Rockets", Website: "https://acme.example", Industry: "Technology" },
      { Name: "Acmeville Farms", Industry: "Agriculture" },
      { Name: "Big Acme Holdings", Industry: "Finance" },
      { Name: "Gone Acme" },
    ]);
    const gone = await conn.query<{ Id: string }>("SELECT Id FROM Account WHERE Name = 'Gone Acme'");
    await conn.sobject("Account").destroy((gone.records[0] as { Id: string }).Id);
    await conn.sobject("Contact").create({ FirstName: "Wile", LastName: "Coyote", Email: "wile@acme.example", Title: "Customer" });
  });

  type Found = { searchRecords: Array<{ attributes: { type: string; url: string }; Id?: string; Name?: string; Email?: string }> };

  it("matches whole words without regard to case, in every text field, leaving out deleted records", async () => {
    const r = (await conn.search("FIND {ACME} RETURNING Account(Name ORDER BY Name), Contact(Name, Email)")) as unknown as Found;
    expect(r.searchRecords.map((x) => [x.attributes.type, x.Name])).toEqual([
      ["Account", "Acme Rockets"],
      ["Account", "Big Acme Holdings"],
      ["Contact", "Wile Coyote"],
    ]);
    expect(r.searchRecords[2]?.Email).toBe("wile@acme.example");
    expect(r.searchRecords[0]?.attributes.url).toMatch(/^\/services\/data\/v62\.0\/sobjects\/Account\/001/);
  });

  it("takes wildcards, phrases, OR, scopes, WHERE and limits", async () => {
    const names = async (sosl: string): Promise<Array<string | undefined>> => ((await conn.search(sosl)) as unknown as Found).searchRecords.map((x) => x.Name);
    expect(await names("FIND {acme*} RETURNING Account(Name ORDER BY Name)")).toEqual(["Acme Rockets", "Acmeville Farms", "Big Acme Holdings"]);
    expect(await names('FIND {"big acme"} RETURNING Account(Name)')).toEqual(["Big Acme Holdings"]);
    expect(await names("FIND {rockets OR farms} RETURNING Account(Name ORDER BY Name)")).toEqual(["Acme Rockets", "Acmeville Farms"]);
    expect(await names("FIND {acme rockets} RETURNING Account(Name)")).toEqual(["Acme Rockets"]);
    // The website holds "acme" too, but NAME FIELDS looks only at Name; EMAIL FIELDS only at emails.
    expect(await names("FIND {example} IN NAME FIELDS RETURNING Account(Name), Contact(Name)")).toEqual([]);
    expect(await names("FIND {example} IN EMAIL FIELDS RETURNING Account(Name), Contact(Name)")).toEqual(["Wile Coyote"]);
    expect(await names("FIND {acme*} RETURNING Account(Name WHERE Industry != 'Finance' ORDER BY Name DESC LIMIT 1)")).toEqual(["Acmeville Farms"]);
    expect(await names("FIND {acme*} RETURNING Account(Name ORDER BY Name), Contact(Name) LIMIT 2")).toEqual(["Acme Rockets", "Acmeville Farms"]);
    const ids = ((await conn.search("FIND {coyote}")) as unknown as Found).searchRecords;
    expect(ids.map((x) => [x.attributes.type, Object.keys(x).sort()])).toEqual([["Contact", ["Id", "attributes"]]]);
  });

  it("answers bad searches with MALFORMED_SEARCH, INVALID_TYPE or the SOQL error of a bad WHERE", async () => {
    await expect(conn.search("FIND {a}")).rejects.toMatchObject({ errorCode: "MALFORMED_SEARCH" });
    await expect(conn.search("FIND {acme} RETURNING Opportunity")).rejects.toMatchObject({ errorCode: "INVALID_TYPE" });
    await expect(conn.search("FIND {acme} RETURNING Profile(Name)")).rejects.toMatchObject({ errorCode: "MALFORMED_SEARCH" });
    await expect(conn.search("FIND {acme} RETURNING Account(Nope__c)")).rejects.toMatchObject({ errorCode: "INVALID_FIELD" });
  });

  it("parameterized search by GET parameters and by POST body", async () => {
    const get = (await conn.request(`/services/data/v62.0/parameterizedSearch/?q=acme&sobject=Account&Account.fields=Id,Name&Account.where=${encodeURIComponent("Industry = 'Technology'")}`)) as Found;
    expect(get.searchRecords.map((x) => x.Name)).toEqual(["Acme Rockets"]);
    const post = (await conn.requestPost("/services/data/v62.0/parameterizedSearch", { q: "acme", in: "ALL", fields: ["Name"], sobjects: [{ name: "Contact" }, { name: "Account", limit: 1 }] })) as Found;
    expect(post.searchRecords.map((x) => [x.attributes.type, x.Name])).toEqual([
      ["Contact", "Wile Coyote"],
      ["Account", "Acme Rockets"],
    ]);
  });
});

describe("parent-to-child sub-queries", () => {
  it("nests each Account's Contacts, with the sub-query's WHERE, ORDER BY and per-parent LIMIT", async () => {
    type Row = { Name: string; Contacts: { totalSize: number; done: boolean; records: Array<{ attributes: { type: string }; LastName: string }> } | null };
    const r = await conn.query<Row>("SELECT Name, (SELECT LastName FROM Contacts WHERE LastName != 'Turing' ORDER BY LastName DESC LIMIT 5) FROM Account WHERE Name LIKE 'Tree %' ORDER BY Name");
    expect(r.records.map((a) => [a.Name, a.Contacts?.records.map((c) => c.LastName) ?? null])).toEqual([
      ["Tree One", ["Lovelace", "Hopper"]],
      ["Tree Two", null],
    ]);
    expect(r.records[0]?.Contacts).toMatchObject({ totalSize: 2, done: true });
    expect(r.records[0]?.Contacts?.records[0]?.attributes.type).toBe("Contact");
    const one = await conn.query<Row>("SELECT Name, (SELECT LastName FROM Contacts ORDER BY LastName LIMIT 1) FROM Account WHERE Name LIKE 'Tree %' ORDER BY Name");
    expect(one.records.map((a) => a.Contacts?.records.map((c) => c.LastName))).toEqual([["Hopper"], ["Turing"]]);
  });

  it("describes a sub-query as an aggregate column holding the child's columns, and refuses what SOQL refuses", async () => {
    const cols = (await conn.request(`/services/data/v62.0/query?q=${encodeURIComponent("SELECT Name, (SELECT LastName, Email FROM Contacts) FROM Account")}&columns=true`)) as {
      columnMetadata: Array<{ columnName: string; aggregate: boolean; joinColumns: Array<{ columnName: string }> }>;
    };
    expect(cols.columnMetadata.map((c) => [c.columnName, c.aggregate, c.joinColumns.map((j) => j.columnName)])).toEqual([
      ["Name", false, []],
      ["Contacts", true, ["LastName", "Email"]],
    ]);
    await expect(conn.query("SELECT Name, (SELECT Id FROM Opportunities) FROM Account")).rejects.toMatchObject({ errorCode: "INVALID_TYPE" });
    await expect(conn.query("SELECT COUNT(Id), (SELECT Id FROM Contacts) FROM Account")).rejects.toMatchObject({ errorCode: "MALFORMED_QUERY" });
    const bulk = (await conn.requestPost("/services/data/v62.0/jobs/query", { operation: "query", query: "SELECT Name, (SELECT Id FROM Contacts) FROM Account" }).catch((e: unknown) => e)) as { errorCode?: string };
    expect(bulk.errorCode).toBe("INVALIDJOB");
  });
});
