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

describe("sObject REST resources through jsforce", () => {
  it("password grant gives a session whose identity names the seeded user and org", async () => {
    const id = await conn.identity();
    expect(id.username).toBe("api@acme.test");
    expect(conn.userInfo?.organizationId).toMatch(/^00D[0-9A-Za-z]{15}$/);
    expect(conn.instanceUrl).toBe(crm.url);
  });

  it("lists API versions from 42.0 and the resources of one version", async () => {
    const versions = (await conn.request("/services/data")) as Array<{ version: string }>;
    expect(versions[0]?.version).toBe("42.0");
    expect(versions.map((v) => v.version)).toContain("62.0");
    const resources = (await conn.request("/services/data/v62.0")) as Record<string, string>;
    expect(resources["sobjects"]).toBe("/services/data/v62.0/sobjects");
  });

  it("describeGlobal and describe Account report the standard fields", async () => {
    const global = await conn.describeGlobal();
    expect(global.sobjects.map((s) => s.name)).toEqual(expect.arrayContaining(["Account", "Contact", "User", "Organization"]));
    const d = await conn.describe("Account");
    expect(d.keyPrefix).toBe("001");
    const names = d.fields.map((f) => f.name);
    for (const n of ["Id", "Name", "Type", "Industry", "Website", "AnnualRevenue", "NumberOfEmployees", "BillingCountry", "OwnerId", "CreatedDate", "LastModifiedDate", "SystemModstamp", "IsDeleted"]) expect(names).toContain(n);
  });

  it("creates, retrieves, updates and deletes an Account with 18-char ids, accepting the 15-char form", async () => {
    const created = await conn.sobject("Account").create({ Name: "Acme", AnnualRevenue: 1200.5, NumberOfEmployees: 40 });
    expect(created.success).toBe(true);
    const id = created.id as string;
    expect(id).toMatch(/^001[0-9A-Za-z]{15}$/);
    const byShort = await conn.sobject("Account").retrieve(id.slice(0, 15));
    expect(byShort.Id).toBe(id);
    expect(byShort["Name"]).toBe("Acme");
    expect(byShort.attributes).toEqual({ type: "Account", url: `/services/data/v62.0/sobjects/Account/${id}` });
    await conn.sobject("Account").update({ Id: id.slice(0, 15), Industry: "Retail" });
    const after = await conn.sobject("Account").retrieve(id);
    expect(after["Industry"]).toBe("Retail");
    expect(after["OwnerId"]).toBe(conn.userInfo?.id);
    await conn.sobject("Account").destroy(id);
    await expect(conn.sobject("Account").retrieve(id)).rejects.toMatchObject({ errorCode: "NOT_FOUND" });
  });

  it("answers Salesforce error codes for bad writes", async () => {
    await expect(conn.sobject("Account").create({ Name: "x", Nope__c: 1 })).rejects.toMatchObject({ errorCode: "INVALID_FIELD" });
    await expect(conn.sobject("Account").create({ Name: "x".repeat(256) })).rejects.toMatchObject({ errorCode: "STRING_TOO_LONG" });
    await expect(conn.sobject("Account").create({ Name: "x", CreatedDate: "2020-01-01T00:00:00Z" })).rejects.toMatchObject({ errorCode: "INVALID_FIELD_FOR_INSERT_UPDATE" });
    await expect(conn.sobject("Account").create({ Industry: "Retail" })).rejects.toMatchObject({ errorCode: "REQUIRED_FIELD_MISSING" });
    await expect(conn.sobject("Account").create({ Name: "x", AnnualRevenue: "lots" })).rejects.toMatchObject({ errorCode: "JSON_PARSER_ERROR" });
    await expect(conn.describe("Nope")).rejects.toMatchObject({ errorCode: "NOT_FOUND" });
    await expect(conn.query("SELECT Id FROM Nope")).rejects.toMatchObject({ errorCode: "INVALID_TYPE" });
    await expect(conn.query("SELECT Id FROM Account WHERE")).rejects.toMatchObject({ errorCode: "MALFORMED_QUERY" });
    await expect(conn.query("SELECT Bogus FROM Account")).rejects.toMatchObject({ errorCode: "INVALID_FIELD" });
    const raw = await fetch(`${crm.url}/services/data/v62.0/sobjects/Account`, { method: "POST", headers: { authorization: `Bearer ${conn.accessToken}`, "content-type": "application/json" }, body: "{nope" });
    expect(raw.status).toBe(400);
    expect(((await raw.json()) as Array<{ errorCode: string }>)[0]?.errorCode).toBe("JSON_PARSER_ERROR");
  });

  it("refuses a bad bearer token with 401 INVALID_SESSION_ID", async () => {
    const res = await fetch(`${crm.url}/services/data/v62.0/sobjects`, { headers: { authorization: "Bearer nope" } });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual([{ message: "Session expired or invalid", errorCode: "INVALID_SESSION_ID" }]);
  });
});
