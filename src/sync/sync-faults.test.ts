import { afterEach, describe, expect, it } from "vitest";
import { testPostgresUrl } from "../../test/postgres.js";
import type { SyncRun } from "./index.js";
import { connectCrm, insertAccounts, seedAnalyticsAccounts, startSyncPendulum, type SyncPendulum } from "./test-kit.js";

const MAPPING = [
  { column: "visitors", field: "Pendo_numberofvisitors_last30d__c" },
  { column: "minutes", field: "Pendo_timeonsite_last30d__c" },
];

/** n analytics accounts (no events: visitors 0, minutes 0) and n CRM Accounts holding stale values 999. */
async function setUp(p: SyncPendulum, n: number): Promise<void> {
  const ids = Array.from({ length: n }, (_, i) => `acct-${i}`);
  await seedAnalyticsAccounts(p, ids);
  await insertAccounts(
    p,
    ["Name", "Analytics_Account_Id__c", "Pendo_numberofvisitors_last30d__c", "Pendo_timeonsite_last30d__c"],
    ids.map((id) => [`Account ${id}`, id, 999, 999]),
  );
  await connectCrm(p);
  await p.json("/api/v1/sync/link", { method: "PUT", body: JSON.stringify({ accountField: "Analytics_Account_Id__c" }) });
  const report = await p.json<{ id: string }>("/api/v1/reports", { method: "POST", body: JSON.stringify({ name: "30 days", range: { last: 30 }, columns: ["visitors", "minutes"] }) });
  await p.json("/api/v1/sync/push-mappings", { method: "POST", body: JSON.stringify({ reportId: report.id, fields: MAPPING }) });
}

async function staleCount(p: SyncPendulum): Promise<number> {
  const r = await p.conn.query("SELECT Id FROM Account WHERE Pendo_numberofvisitors_last30d__c != 0 OR Pendo_timeonsite_last30d__c != 0");
  return r.totalSize;
}

let p: SyncPendulum | undefined;
afterEach(async () => {
  await p?.close();
  p = undefined;
});

describe("sync under faults", () => {
  it("ends a push under 20% failing or stalling requests with every record written once", async () => {
    // A stall outlasts the client's timeout. On PostgreSQL a sign-in (the KDF plus a few round
    // trips to the server) can itself take over 150 ms on a loaded machine, so both are longer there.
    const timeoutMs = testPostgresUrl() ? 1_000 : 150;
    p = await startSyncPendulum({ timeoutMs });
    await setUp(p, 900);
    await p.json("/api/v1/crm/faults", { method: "POST", body: JSON.stringify({ share: 0.2, kinds: ["500", "503", "REQUEST_LIMIT_EXCEEDED", "stall"], stallMs: timeoutMs * 2, seed: 11 }) });
    const run = await p.json<SyncRun>("/api/v1/sync/runs?wait=true", { method: "POST", body: JSON.stringify({ push: true, pull: false }) });
    const faults = await p.json<{ injected: number }>("/api/v1/crm/faults");
    await p.json("/api/v1/crm/faults", { method: "DELETE" });
    expect(faults.injected).toBeGreaterThan(0);
    expect(run.status).toBe("success");
    expect(run.counts).toMatchObject({ read: 900, changed: 900, written: 900, failed: 0 });
    expect(await staleCount(p)).toBe(0);
    const again = await p.json<SyncRun>("/api/v1/sync/runs?wait=true", { method: "POST", body: JSON.stringify({ push: true, pull: false }) });
    expect(again.counts).toMatchObject({ changed: 0, written: 0 });
  });

  it("resumes a run killed mid-push without writing again what it had written", async () => {
    p = await startSyncPendulum({ parallel: 1 });
    await setUp(p, 2_000);
    const dataDir = p.dataDir;
    // Stalls slow the run down enough to stop it part-way.
    await p.json("/api/v1/crm/faults", { method: "POST", body: JSON.stringify({ share: 0.5, kinds: ["stall"], stallMs: 60, seed: 3 }) });
    const started = await p.json<SyncRun>("/api/v1/sync/runs", { method: "POST", body: JSON.stringify({ push: true, pull: false }) });
    let written = 0;
    while (written === 0) {
      await new Promise((r) => setTimeout(r, 10));
      written = (await p.json<SyncRun>(`/api/v1/sync/runs/${started.id}`)).counts.written;
    }
    await p.sync.runs.stop();
    const killed = await p.json<SyncRun>(`/api/v1/sync/runs/${started.id}`);
    expect(killed.status).toBe("running");
    const before = killed.counts.written;
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(2_000);
    const port = Number(new URL(p.url).port);
    await p.close();

    // Same data folder and port: the stored connection's instance URL still points at this CRM.
    p = await startSyncPendulum({ dataDir, createFields: false, port });
    let resumed = killed;
    while (resumed.status === "running") {
      await new Promise((r) => setTimeout(r, 20));
      resumed = await p.json<SyncRun>(`/api/v1/sync/runs/${started.id}`);
    }
    expect(resumed.status).toBe("success");
    expect(resumed.resumed).toBe(1);
    // Only what was still stale was found changed and written after the restart.
    expect(resumed.counts.changed).toBe(2_000 - before);
    expect(resumed.counts.written).toBe(2_000);
    expect(await staleCount(p)).toBe(0);
  });
});
