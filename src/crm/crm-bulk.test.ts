import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type jsforce from "jsforce";
import { sql } from "kysely";
import { testPostgresUrl } from "../../test/postgres.js";
import { startCrm, type CrmHarness } from "./test-kit.js";

let crm: CrmHarness;
let conn: jsforce.Connection;

beforeAll(async () => {
  crm = await startCrm();
  conn = await crm.login();
  await conn.tooling.sobject("CustomField").create({ FullName: "Account.Pendo_Id__c", Metadata: { type: "Text", label: "Pendo Id", length: 50, externalId: true } });
  await conn.tooling.sobject("CustomField").create({ FullName: "Account.Pendo_Minutes__c", Metadata: { type: "Number", label: "Minutes", precision: 10, scale: 0 } });
});
afterAll(async () => {
  await crm.close();
});

describe("Bulk API 2.0 through jsforce", () => {
  it("upserts CSV with loadAndWaitForResults, reporting created, updated and failed rows", async () => {
    await conn.sobject("Account").create({ Name: "Existing", Pendo_Id__c: "acc-1" });
    const csv = "Name,Pendo_Id__c,Pendo_Minutes__c\nUpdated,acc-1,10\nNew Co,acc-2,20\nBad Co,acc-3,not-a-number\n\"Quoted, Inc\",acc-4,#N/A\n";
    const res = await conn.bulk2.loadAndWaitForResults({ object: "Account", operation: "upsert", externalIdFieldName: "Pendo_Id__c", input: csv, pollInterval: 50, pollTimeout: 20_000 });
    expect(res.successfulResults).toHaveLength(3);
    expect(res.successfulResults.map((r) => [(r as Record<string, unknown>)["Pendo_Id__c"], r.sf__Created])).toEqual([
      ["acc-1", "false"],
      ["acc-2", "true"],
      ["acc-4", "true"],
    ]);
    expect(res.failedResults).toHaveLength(1);
    expect(res.failedResults[0]?.sf__Error).toMatch(/^JSON_PARSER_ERROR:/);
    expect(res.unprocessedRecords).toHaveLength(0);
    const q = await conn.query<{ Name: string; Pendo_Minutes__c: number | null }>("SELECT Name, Pendo_Minutes__c FROM Account WHERE Pendo_Id__c IN ('acc-1','acc-4') ORDER BY Pendo_Id__c");
    expect(q.records.map((r) => [r.Name, r.Pendo_Minutes__c])).toEqual([
      ["Updated", 10],
      ["Quoted, Inc", null],
    ]);
  });

  it("loads an array of records (jsforce serialises it to CSV) and runs a query job", async () => {
    const records = Array.from({ length: 300 }, (_, i) => ({ Name: `Bulk ${i}`, Pendo_Id__c: `b-${i}`, Pendo_Minutes__c: i }));
    const res = await conn.bulk2.loadAndWaitForResults({ object: "Account", operation: "insert", input: records, pollInterval: 50, pollTimeout: 20_000 });
    expect(res.successfulResults).toHaveLength(300);
    const rows = await (await conn.bulk2.query("SELECT Id, Name, Pendo_Minutes__c FROM Account WHERE Pendo_Id__c LIKE 'b-%'", { pollInterval: 50, pollTimeout: 20_000 })).toArray();
    expect(rows).toHaveLength(300);
    expect(rows.map((r) => Number(r["Pendo_Minutes__c"])).reduce((a, b) => a + b, 0)).toBe((299 * 300) / 2);
  });

  it("pages query job results with Sforce-Locator", async () => {
    const job = (await conn.requestPost("/services/data/v62.0/jobs/query", { operation: "query", query: "SELECT Id FROM Account WHERE Pendo_Id__c LIKE 'b-%'" })) as { id: string };
    const res = await fetch(`${crm.url}/services/data/v62.0/jobs/query/${job.id}/results?maxRecords=250`, { headers: { authorization: `Bearer ${conn.accessToken}` } });
    const next = res.headers.get("sforce-locator");
    expect(next).not.toBe("null");
    expect((await res.text()).trim().split("\n")).toHaveLength(251);
    const last = await fetch(`${crm.url}/services/data/v62.0/jobs/query/${job.id}/results?locator=${next}&maxRecords=250`, { headers: { authorization: `Bearer ${conn.accessToken}` } });
    expect(last.headers.get("sforce-locator")).toBe("null");
    expect(last.headers.get("sforce-numberofrecords")).toBe("50");
  });
});

// On PostgreSQL a table a Bulk job fills from nearly empty gets planner statistics as it grows
// (CrmData.noteWrites): without them the next job's key lookups scan the whole table.
describe.skipIf(!testPostgresUrl())("Bulk API 2.0 on PostgreSQL", () => {
  it("refreshes a filling table's planner statistics, so later lookups plan with its real size", async () => {
    const analysed = async (): Promise<number> => {
      const r = await sql<{ n: string | number }>`SELECT analyze_count AS n FROM pg_stat_user_tables WHERE relname = 'crm_account'`.execute(crm.records.db);
      return Number(r.rows[0]?.n ?? 0);
    };
    const before = await analysed();
    const records = Array.from({ length: 2_500 }, (_, i) => ({ Name: `Stats ${i}`, Pendo_Id__c: `s-${i}` }));
    const res = await conn.bulk2.loadAndWaitForResults({ object: "Account", operation: "insert", input: records, pollInterval: 50, pollTimeout: 60_000 });
    expect(res.successfulResults).toHaveLength(2_500);
    // At least one refresh (the table went from about 300 rows to 2,800); pg_stat counts a manual ANALYZE at once.
    await expect.poll(analysed, { timeout: 10_000 }).toBeGreaterThan(before);
  });
});
