import { afterAll, beforeAll, describe, expect, it } from "vitest";
import jsforce from "jsforce";
import { startCrm, type CrmHarness } from "./test-kit.js";

let crm: CrmHarness;
let conn: jsforce.Connection;
const DAY = 86_400_000;

beforeAll(async () => {
  crm = await startCrm();
  conn = await crm.login();
  await conn.tooling.sobject("CustomField").create({ FullName: "Account.Renewal__c", Metadata: { type: "Date", label: "Renewal" } });
  await conn.tooling.sobject("CustomField").create({ FullName: "Account.Active__c", Metadata: { type: "Checkbox", label: "Active" } });
  await conn.tooling.sobject("CustomField").create({ FullName: "Account.Seen__c", Metadata: { type: "DateTime", label: "Seen" } });
  const day = (n: number): string => new Date(Date.now() + n * DAY).toISOString().slice(0, 10);
  await conn.sobject("Account").create([
    { Name: "alpha", Industry: "Banking", AnnualRevenue: 100, Active__c: true, Renewal__c: day(0), Seen__c: new Date(Date.now() - 2 * DAY).toISOString() },
    { Name: "Beta", Industry: "Retail", AnnualRevenue: 300, Active__c: false, Renewal__c: day(-1) },
    { Name: "gamma", AnnualRevenue: 200, Active__c: true, Renewal__c: day(5), Seen__c: "2020-01-01T00:00:00Z" },
    { Name: "Delta", Industry: "banking", Renewal__c: day(40) },
  ]);
});
afterAll(async () => {
  await crm.close();
});

async function names(conditions: object | string, sort: string = "Name"): Promise<string[]> {
  const recs = await conn.sobject("Account").find(conditions as Record<string, unknown>, ["Id", "Name"]).sort(sort);
  return recs.map((r) => String(r["Name"]));
}

describe("SOQL as jsforce's find() writes it", () => {
  it("compares text case-insensitively with = and != (nulls included in !=)", async () => {
    expect(await names({ Industry: "BANKING" })).toEqual(["alpha", "Delta"]);
    expect(await names({ Industry: { $ne: "banking" } })).toEqual(["Beta", "gamma"]);
    expect(await names({ Industry: null })).toEqual(["gamma"]);
    expect(await names({ Industry: { $exists: true } })).toEqual(["alpha", "Beta", "Delta"]);
  });

  it("handles < <= > >=, IN, NOT IN, LIKE and NOT LIKE", async () => {
    expect(await names({ AnnualRevenue: { $gt: 100 } })).toEqual(["Beta", "gamma"]);
    expect(await names({ $and: [{ AnnualRevenue: { $gte: 100 } }, { AnnualRevenue: { $lte: 200 } }] })).toEqual(["alpha", "gamma"]);
    expect(await names({ AnnualRevenue: { $lt: 200 } })).toEqual(["alpha"]);
    expect(await names({ Name: { $in: ["ALPHA", "beta"] } })).toEqual(["alpha", "Beta"]);
    expect(await names({ Name: { $nin: ["alpha", "beta"] } })).toEqual(["Delta", "gamma"]);
    expect(await names({ Name: { $like: "%ta" } })).toEqual(["Beta", "Delta"]);
    expect(await names({ Name: { $nlike: "%a" } })).toEqual([]);
  });

  it("combines AND, OR, NOT with parentheses and booleans", async () => {
    expect(await names({ $or: [{ Industry: "Retail" }, { Active__c: true, AnnualRevenue: { $gt: 150 } }] })).toEqual(["Beta", "gamma"]);
    expect(await names({ $not: { Active__c: true } })).toEqual(["Beta", "Delta"]);
    expect(await names("(Name = 'alpha' OR Name = 'beta') AND NOT (AnnualRevenue > 200)")).toEqual(["alpha"]);
  });

  it("understands date and datetime literals and TODAY / YESTERDAY / LAST_N_DAYS / NEXT_N_DAYS", async () => {
    expect(await names({ Renewal__c: jsforce.SfDate.TODAY })).toEqual(["alpha"]);
    expect(await names({ Renewal__c: jsforce.SfDate.YESTERDAY })).toEqual(["Beta"]);
    expect(await names({ Renewal__c: jsforce.SfDate.NEXT_N_DAYS(7) })).toEqual(["gamma"]);
    expect(await names({ Seen__c: jsforce.SfDate.LAST_N_DAYS(3) })).toEqual(["alpha"]);
    expect(await names({ CreatedDate: jsforce.SfDate.TODAY })).toHaveLength(4);
    expect(await names({ Seen__c: { $lt: jsforce.SfDate.toDateTimeLiteral("2021-01-01T00:00:00Z") } })).toEqual(["gamma"]);
    expect(await names({ Renewal__c: { $gt: jsforce.SfDate.toDateLiteral(new Date(Date.now() + 10 * DAY)) } })).toEqual(["Delta"]);
  });

  it("orders with NULLS FIRST/LAST, limits and offsets", async () => {
    const q = (soql: string) => conn.query<{ Name: string }>(soql).then((r) => r.records.map((x) => x.Name));
    expect(await q("SELECT Name FROM Account ORDER BY Industry ASC NULLS LAST, Name")).toEqual(["alpha", "Delta", "Beta", "gamma"]);
    expect(await q("SELECT Name FROM Account ORDER BY AnnualRevenue DESC NULLS FIRST")).toEqual(["Delta", "Beta", "gamma", "alpha"]);
    const page = await conn.sobject("Account").find({}, ["Name"]).sort("Name").limit(2).offset(1);
    expect(page.map((r) => r["Name"])).toEqual(["Beta", "Delta"]);
    await expect(conn.query("SELECT Name FROM Account LIMIT 1 OFFSET 2001")).rejects.toMatchObject({ errorCode: "NUMBER_OUTSIDE_VALID_RANGE" });
  });

  it("counts with count() and returns canonical field names with attributes", async () => {
    expect(await conn.sobject("Account").count({ Active__c: true })).toBe(2);
    const r = await conn.query<Record<string, unknown>>("select name, ANNUALREVENUE from account where name = 'alpha'");
    expect(Object.keys(r.records[0] ?? {})).toEqual(["attributes", "Name", "AnnualRevenue"]);
    expect((r.records[0]?.["attributes"] as { type: string }).type).toBe("Account");
  });

  it("pages over 2,500 rows with nextRecordsUrl and autoFetch", async () => {
    const batch = Array.from({ length: 200 }, (_, i) => ({ Name: `Row ${i}`, Industry: "Media" }));
    for (let i = 0; i < 13; i++) await conn.sobject("Account").create(batch);
    const first = await conn.request<{ totalSize: number; done: boolean; records: unknown[]; nextRecordsUrl: string }>("/services/data/v62.0/query?q=" + encodeURIComponent("SELECT Id FROM Account WHERE Industry = 'Media'"));
    expect(first.totalSize).toBe(2600);
    expect(first.done).toBe(false);
    expect(first.records).toHaveLength(2000);
    expect(first.nextRecordsUrl).toMatch(/^\/services\/data\/v62\.0\/query\/01g/);
    const all = await conn.query("SELECT Id FROM Account WHERE Industry = 'Media'", { autoFetch: true, maxFetch: 5000 });
    expect(all.records).toHaveLength(2600);
    expect(new Set(all.records.map((r) => r.Id)).size).toBe(2600);
    const small = await conn.request<{ records: unknown[]; nextRecordsUrl: string }>({ method: "GET", url: "/services/data/v62.0/query?q=SELECT+Id+FROM+Account", headers: { "Sforce-Query-Options": "batchSize=300" } });
    expect(small.records).toHaveLength(300);
  });

  it("pages in insertion order from where the last page ended: a record deleted meanwhile skips no other, a repeated locator gives its page again", async () => {
    const made: string[] = [];
    for (let i = 0; i < 3; i++) made.push(...(await conn.sobject("Account").create(Array.from({ length: 200 }, (_, k) => ({ Name: `Keyset ${i * 200 + k}`, Industry: "Keyset" })))).map((r) => r.id as string));
    type Page = { totalSize: number; done: boolean; records: Array<{ Id: string }>; nextRecordsUrl?: string };
    const first = await conn.request<Page>({ method: "GET", url: "/services/data/v62.0/query?q=" + encodeURIComponent("SELECT Id FROM Account WHERE Industry = 'Keyset'"), headers: { "Sforce-Query-Options": "batchSize=200" } });
    expect(first.records.map((r) => r.Id)).toEqual(made.slice(0, 200));
    // Deleting a record of the first page would make an OFFSET of 200 skip the 201st record.
    await conn.sobject("Account").destroy(made[10] as string);
    const second = await conn.request<Page>(first.nextRecordsUrl as string);
    expect(second.records.map((r) => r.Id)).toEqual(made.slice(200, 400));
    const again = await conn.request<Page>(first.nextRecordsUrl as string);
    expect(again.records.map((r) => r.Id)).toEqual(made.slice(200, 400));
    const third = await conn.request<Page>(second.nextRecordsUrl as string);
    expect(third.records.map((r) => r.Id)).toEqual(made.slice(400, 600));
  });
});
