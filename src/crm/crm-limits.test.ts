import { describe, expect, it } from "vitest";
import { startCrm } from "./test-kit.js";

describe("API limits, fault injection and durability", () => {
  it("sends Sforce-Limit-Info on every response and refuses with REQUEST_LIMIT_EXCEEDED when the allocation is spent", async () => {
    const crm = await startCrm({ dailyApiRequests: 5 });
    try {
      const conn = await crm.login();
      await conn.query("SELECT Id FROM Account");
      expect(conn.limitInfo.apiUsage).toEqual({ used: 1, limit: 5 });
      const limits = (await conn.limits()) as { DailyApiRequests: { Max: number; Remaining: number } };
      expect(limits.DailyApiRequests).toEqual({ Max: 5, Remaining: 3 });
      for (let i = 0; i < 3; i++) await conn.query("SELECT Id FROM Account");
      await expect(conn.query("SELECT Id FROM Account")).rejects.toMatchObject({ errorCode: "REQUEST_LIMIT_EXCEEDED" });
      const raw = await fetch(`${crm.url}/services/data/v62.0/limits`, { headers: { authorization: `Bearer ${conn.accessToken}` } });
      expect(raw.status).toBe(403);
      expect(raw.headers.get("sforce-limit-info")).toBe("api-usage=5/5");
      await crm.admin("/crm/limits", { dailyApiRequests: 100 });
      await expect(conn.query("SELECT Id FROM Account")).resolves.toMatchObject({ totalSize: 0 });
    } finally {
      await crm.close();
    }
  });

  it("injects a seeded, reproducible share of 500/503/limit faults through the admin API", async () => {
    const crm = await startCrm();
    try {
      const conn = await crm.login();
      const sample = async (): Promise<number[]> => {
        const set = await crm.admin("/crm/faults", { share: 0.5, kinds: ["500", "503", "REQUEST_LIMIT_EXCEEDED"], seed: 42 });
        expect(set.status).toBe(200);
        const statuses: number[] = [];
        for (let i = 0; i < 20; i++) statuses.push((await fetch(`${crm.url}/services/data/v62.0/limits`, { headers: { authorization: `Bearer ${conn.accessToken}` } })).status);
        return statuses;
      };
      const first = await sample();
      expect(first).toEqual(await sample());
      expect(new Set(first)).toEqual(new Set([200, 500, 503, 403].filter((s) => first.includes(s))));
      expect(first.filter((s) => s !== 200).length).toBeGreaterThan(3);
      await crm.admin("/crm/faults", undefined, "DELETE");
      expect((await fetch(`${crm.url}/services/data/v62.0/limits`, { headers: { authorization: `Bearer ${conn.accessToken}` } })).status).toBe(200);
    } finally {
      await crm.close();
    }
  });

  it("keeps records, custom fields and sessions across a restart on the same data folder", async () => {
    const crm = await startCrm();
    const conn = await crm.login();
    await conn.tooling.sobject("CustomField").create({ FullName: "Account.Kept__c", Metadata: { type: "Percent", label: "Kept", precision: 5, scale: 2 } });
    const { id } = await conn.sobject("Account").create({ Name: "Survivor", Kept__c: 12.5 });
    await crm.close();
    const again = await startCrm({}, crm.dataDir);
    try {
      const conn2 = await again.login();
      const rec = await conn2.sobject("Account").retrieve(id as string);
      expect(rec["Kept__c"]).toBe(12.5);
      const next = await conn2.sobject("Account").create({ Name: "After restart" });
      expect(next.id).not.toBe(id);
      expect((await conn2.query("SELECT Id FROM Account")).totalSize).toBe(2);
    } finally {
      await again.close();
    }
  });
});
