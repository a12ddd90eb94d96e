import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabaseFor, testPostgresUrl } from "./postgres.js";
import { connectCrm, startSyncPendulum, type SyncPendulum } from "../src/sync/test-kit.js";

/**
 * Issue 17, build 3: the paths where two writers can race once records are on PostgreSQL, run
 * from two Pendulum processes' worth of connections at once. Under `npm run test:postgres` the
 * two are separate Pendulum instances (each its own pools, modules and caches) on one database,
 * as two processes behind a load balancer would be. Under `npm test` (SQLite, where one process
 * owns the file) both names point at one instance, so the same requests race inside it.
 */
const server = testPostgresUrl();
let a: SyncPendulum;
let b: SyncPendulum;
let token = "";

beforeAll(async () => {
  if (server) {
    // Both instances keep sealed secrets both must open (the sync connection), as a deployment would.
    const env = { PENDULUM_DATABASE_URL: await testDatabaseFor(`records race ${process.pid} ${Date.now()}`, server), PENDULUM_SECRET_KEY: "records-race-secret-key-0123456789abcdef" };
    a = await startSyncPendulum({ env });
    b = await startSyncPendulum({ env, createFields: false, dataDir: fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-race-b-")) });
  } else {
    a = await startSyncPendulum();
    b = a;
  }
  token = a.conn.accessToken as string;
}, 120_000);

afterAll(async () => {
  if (b !== a) await b?.close();
  await a?.close();
});

/** A REST call to one instance's built-in CRM with the API user's token (valid on both: tokens are records). */
async function crm(p: SyncPendulum, method: string, pathname: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${p.url}/services/data/v62.0${pathname}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

async function accountsWhere(where: string): Promise<Array<Record<string, unknown>>> {
  return (await a.conn.query<Record<string, unknown>>(`SELECT Id, Name, Analytics_Account_Id__c FROM Account WHERE ${where}`, { autoFetch: true, maxFetch: 100_000 })).records;
}

describe(`racing writers on ${server ? "two Pendulum instances on one PostgreSQL database" : "one SQLite Pendulum"}`, () => {
  it("gives every record a different 18-character id when both insert at once", async () => {
    const one = (p: SyncPendulum, i: number) => crm(p, "POST", "/sobjects/Account", { Name: `race-one-${i}` });
    const many = (p: SyncPendulum, k: number) => crm(p, "POST", "/composite/sobjects", { allOrNone: false, records: Array.from({ length: 50 }, (_, i) => ({ attributes: { type: "Account" }, Name: `race-many-${k}-${i}` })) });
    const answers = await Promise.all([...Array.from({ length: 20 }, (_, i) => one(i % 2 ? a : b, i)), ...[0, 1, 2, 3].map((k) => many(k % 2 ? a : b, k))]);
    const ids: string[] = [];
    for (const r of answers) {
      expect(r.status).toBeLessThan(300);
      if (Array.isArray(r.body)) for (const s of r.body as Array<{ id: string; success: boolean }>) ids.push(s.id);
      else ids.push((r.body as { id: string }).id);
    }
    expect(ids).toHaveLength(20 + 4 * 50);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^001[0-9A-Za-z]{15}$/);
    const stored = await accountsWhere("Name LIKE 'race-%'");
    expect(stored).toHaveLength(ids.length);
    expect(new Set(stored.map((r) => r["Id"]))).toEqual(new Set(ids));
  });

  it("creates one record per external id when both upsert the same new keys at once, one by one and in collections", async () => {
    const keys = Array.from({ length: 15 }, (_, i) => `race-key-${i}`);
    const single = keys.flatMap((key, i) => [a, b, a, b].map((p, k) => crm(p, "PATCH", `/sobjects/Account/Analytics_Account_Id__c/${key}`, { Name: `single ${i}.${k}` })));
    const batchKeys = Array.from({ length: 40 }, (_, i) => `race-batch-${i}`);
    const batch = [a, b, a, b].map((p, k) =>
      crm(p, "PATCH", "/composite/sobjects/Account/Analytics_Account_Id__c", { allOrNone: false, records: batchKeys.map((key) => ({ attributes: { type: "Account" }, Analytics_Account_Id__c: key, Name: `batch ${k}` })) }),
    );
    const [singles, batches] = await Promise.all([Promise.all(single), Promise.all(batch)]);
    for (const r of singles) expect([200, 201]).toContain(r.status);
    // Of the four upserts of each key, exactly one created the record; the rest updated it.
    expect(singles.filter((r) => r.status === 201)).toHaveLength(keys.length);
    const created = batches.flatMap((r) => {
      expect(r.status).toBe(200);
      return (r.body as Array<{ success: boolean; created: boolean }>).map((s) => {
        expect(s.success).toBe(true);
        return s.created;
      });
    });
    expect(created.filter(Boolean)).toHaveLength(batchKeys.length);
    const stored = await accountsWhere("Analytics_Account_Id__c LIKE 'race-%'");
    const perKey = new Map<string, number>();
    for (const r of stored) perKey.set(String(r["Analytics_Account_Id__c"]), (perKey.get(String(r["Analytics_Account_Id__c"])) ?? 0) + 1);
    expect([...perKey.keys()].sort()).toEqual([...keys, ...batchKeys].sort());
    expect([...perKey.values()].every((n) => n === 1)).toBe(true);
  });

  it("counts every API request of both against one daily budget and grants exactly the allocation", async () => {
    const limits = (p: SyncPendulum, body: Record<string, unknown>) => p.json<{ used: number; max: number }>("/api/v1/crm/limits", { method: "POST", body: JSON.stringify(body) });
    // The allocation is each process's setting; the count is the org's.
    await limits(a, { dailyApiRequests: 1_000, resetUsage: true });
    await limits(b, { dailyApiRequests: 1_000 });
    const spend = (n: number) => Promise.all(Array.from({ length: n }, (_, i) => crm(i % 2 ? a : b, "GET", "/limits")));
    await spend(60);
    expect((await a.json<{ used: number }>("/api/v1/crm/limits")).used).toBe(60);
    expect((await b.json<{ used: number }>("/api/v1/crm/limits")).used).toBe(60);
    // 40 requests left of the day; 70 race for them.
    await limits(a, { dailyApiRequests: 100 });
    await limits(b, { dailyApiRequests: 100 });
    const raced = await spend(70);
    expect(raced.filter((r) => r.status === 200)).toHaveLength(40);
    expect(raced.filter((r) => r.status === 403).every((r) => JSON.stringify(r.body).includes("REQUEST_LIMIT_EXCEEDED"))).toBe(true);
    expect((await a.json<{ used: number }>("/api/v1/crm/limits")).used).toBe(100);
    await limits(a, { dailyApiRequests: 100_000, resetUsage: true });
    await limits(b, { dailyApiRequests: 100_000 });
  });

  it("runs one sync at a time across both, and resumes a run left behind exactly once", async () => {
    await connectCrm(a);
    // Every CRM request of the run waits a little, so the first run is still going when the others ask.
    await a.json("/api/v1/crm/faults", { method: "POST", body: JSON.stringify({ share: 1, kinds: ["stall"], stallMs: 150 }) });
    try {
      const start = (p: SyncPendulum) => p.api("/api/v1/sync/runs", { method: "POST", body: JSON.stringify({ pull: true, push: false }) });
      const answers = await Promise.all([start(a), start(b), start(a), start(b)]);
      const statuses = answers.map((r) => r.status).sort();
      expect(statuses).toEqual([202, 409, 409, 409]);
      const refused = (await Promise.all(answers.filter((r) => r.status === 409).map((r) => r.json()))) as Array<{ code: string }>;
      expect(refused.every((r) => r.code === "RUN_IN_PROGRESS")).toBe(true);
      const accepted = answers.find((r) => r.status === 202) as Response;
      const run = (await accepted.json()) as { id: string };
      const finished = await (accepted === answers[0] || accepted === answers[2] ? a : b).sync.runs.wait(run.id);
      expect(finished.status).not.toBe("running");
    } finally {
      await a.json("/api/v1/crm/faults", { method: "DELETE" });
    }
    // A run a crash left `running`: both instances try to resume it at once; one does, once.
    const left = await a.sync.store.createRun({ pull: true, push: false });
    const [byA, byB] = await Promise.all([a.sync.runs.resume(), b.sync.runs.resume()]);
    const resumed = [...byA, ...byB];
    expect(resumed.map((r) => r.id)).toEqual([left.id]);
    const after = await a.sync.store.getRun(left.id);
    expect(after?.resumed).toBe(1);
    expect(after?.status).not.toBe("running");
  }, 60_000);
});
