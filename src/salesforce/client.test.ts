import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CRM_CLIENT_ID, CRM_CLIENT_SECRET, CRM_PASSWORD, CRM_USER, startCrm, type CrmHarness } from "../crm/test-kit.js";
import { createSalesforceClient, SalesforceError, type SalesforceClientOptions } from "./index.js";

const FAST_RETRY = { attempts: 8, baseDelayMs: 5, maxDelayMs: 50 };

describe("salesforce client against the built-in CRM", () => {
  let crm: CrmHarness;
  let ids: string[] = [];
  const options = (over: Partial<SalesforceClientOptions> = {}): SalesforceClientOptions => ({
    credentials: { loginUrl: crm.url, clientId: CRM_CLIENT_ID, clientSecret: CRM_CLIENT_SECRET, grant: "password", username: CRM_USER, password: CRM_PASSWORD },
    retry: FAST_RETRY,
    timeoutMs: 2_000,
    pollMs: 20,
    ...over,
  });

  beforeAll(async () => {
    crm = await startCrm();
    const conn = await crm.login();
    await conn.tooling.sobject("CustomField").create({ FullName: "Account.Pendo_Minutes__c", Metadata: { type: "Number", label: "Minutes", precision: 12, scale: 0 } });
    const rows = Array.from({ length: 2_500 }, (_, i) => `Account ${i}`);
    const loaded = await conn.bulk2.loadAndWaitForResults({ object: "Account", operation: "insert", input: `Name\n${rows.join("\n")}\n`, pollInterval: 50, pollTimeout: 60_000 });
    ids = loaded.successfulResults.map((r) => r.sf__Id);
  });
  afterAll(async () => {
    await crm.close();
  });

  it("signs in with the password grant, describes, and reads every page while counting calls", async () => {
    const sf = createSalesforceClient(options());
    const d = await sf.describe("Account");
    expect(d.fields.find((f) => f.name === "Pendo_Minutes__c")?.type).toBe("double");
    const all = await sf.query("SELECT Id, Name FROM Account");
    expect(all).toHaveLength(2_500);
    expect(all[0]).not.toHaveProperty("attributes");
    // token + describe + two pages of 2,000
    expect(sf.calls()).toBe(4);
    expect((await sf.apiUsage())?.limit).toBe(100_000);
  });

  it("writes through Collections and Bulk API 2.0 with per-record results", async () => {
    const sf = createSalesforceClient(options());
    const small = ids.slice(0, 450).map((Id, i) => ({ Id, Pendo_Minutes__c: i }));
    const res = await sf.update("Account", [...small, { Id: "001000000000000AAA", Pendo_Minutes__c: 1 }]);
    expect(res.filter((r) => r.success)).toHaveLength(450);
    expect(res.at(-1)?.errors[0]?.code).toMatch(/ENTITY_IS_DELETED|INVALID_CROSS_REFERENCE_KEY|NOT_FOUND|MALFORMED_ID/);
    const big = ids.map((Id, i) => ({ Id, Pendo_Minutes__c: i * 2 }));
    const bulk = await sf.bulkUpdate("Account", ["Pendo_Minutes__c"], big);
    expect(bulk.filter((r) => r.success)).toHaveLength(2_500);
    const back = await sf.query(`SELECT Id, Pendo_Minutes__c FROM Account WHERE Id = '${ids[7]}'`);
    expect(back[0]?.["Pendo_Minutes__c"]).toBe(14);
  });

  it("retries injected 500s, 503s, limit errors and stalls until every record lands", async () => {
    await crm.admin("/crm/faults", { share: 0.2, kinds: ["500", "503", "REQUEST_LIMIT_EXCEEDED", "stall"], stallMs: 400, seed: 7 });
    try {
      const sf = createSalesforceClient(options({ timeoutMs: 200 }));
      const all = await sf.query("SELECT Id FROM Account");
      expect(all).toHaveLength(2_500);
      const res = await sf.update("Account", ids.slice(0, 1_000).map((Id) => ({ Id, Pendo_Minutes__c: 5 })));
      expect(res.every((r) => r.success)).toBe(true);
    } finally {
      await crm.admin("/crm/faults", undefined, "DELETE");
    }
    const sf = createSalesforceClient(options());
    const check = await sf.query("SELECT Id FROM Account WHERE Pendo_Minutes__c = 5");
    expect(check).toHaveLength(1_000);
  });

  it("turns a deactivated user into RECONNECT_REQUIRED instead of a retry loop", async () => {
    const created = await crm.admin("/crm/users", { username: "short@acme.test", password: "another-Passw0rd", lastName: "Short" });
    const { id } = (await created.json()) as { id: string };
    const sf = createSalesforceClient(options({ credentials: { loginUrl: crm.url, clientId: CRM_CLIENT_ID, clientSecret: CRM_CLIENT_SECRET, grant: "password", username: "short@acme.test", password: "another-Passw0rd" } }));
    await sf.describe("Account");
    await crm.admin(`/crm/users/${id}`, { isActive: false }, "PATCH");
    const err = await sf.describe("Contact").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SalesforceError);
    expect((err as SalesforceError).problem).toBe("RECONNECT_REQUIRED");
  });

  it("stops before the org's API allocation falls below the reserve", async () => {
    const sf = createSalesforceClient(options({ reserve: 99_990 }));
    await sf.describe("Account");
    const err = await sf.ensureBudget(20).catch((e: unknown) => e);
    expect((err as SalesforceError).problem).toBe("API_BUDGET_RESERVE");
  });
});
