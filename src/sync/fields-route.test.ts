import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectCrm, startSyncPendulum, type SyncPendulum } from "./test-kit.js";

type Described = { name: string; fields: { name: string }[] };

describe("GET /api/v1/sync/fields", () => {
  let p: SyncPendulum;
  beforeAll(async () => {
    p = await startSyncPendulum();
    await connectCrm(p);
  });
  afterAll(async () => {
    await p?.close();
  });

  it("reuses one CRM sign-in across calls but always describes afresh, so a new field shows at once", async () => {
    const first = await p.json<Described>("/api/v1/sync/fields?object=Account");
    expect(first.name).toBe("Account");
    expect(first.fields.some((f) => f.name === "Pendo_Fresh__c")).toBe(false);
    const added = await p.api("/api/v1/crm/fields", { method: "POST", body: JSON.stringify({ name: "Pendo_Fresh__c", type: "Text", length: 20 }) });
    expect(added.status).toBeLessThan(300);
    const second = await p.json<Described>("/api/v1/sync/fields?object=Account");
    expect(second.fields.some((f) => f.name === "Pendo_Fresh__c")).toBe(true);
  });

  it("follows a disconnect at once", async () => {
    await p.api("/api/v1/sync/connection", { method: "DELETE" });
    const res = await p.api("/api/v1/sync/fields?object=Account");
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ code: "CRM_NOT_CONNECTED" });
  });
});
