import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { testDatabaseFor, testPostgresUrl } from "../../../test/postgres.js";
import { migrateRecords, openRecords, type Records } from "../../store/index.js";
import { DAY_MS } from "./key-index.js";
import { createSharedKeys, logOwnerId, sharedKeyMigrations, type ClaimRecord } from "./shared-keys.js";

// The shared keys exist for many processes on one PostgreSQL: the test runs under
// `npm run test:postgres` (or test:server-mode with PENDULUM_TEST_DATABASE_URL) and is skipped otherwise.
const server = testPostgresUrl();
const opened: Records[] = [];
afterEach(async () => {
  for (const r of opened.splice(0)) await r.close();
});

/** Two pools on one fresh database: two processes' connections. */
async function twoPools(): Promise<[Records, Records]> {
  const url = await testDatabaseFor(`shared-keys ${process.pid} ${Date.now()} ${Math.random()}`, server as string);
  const a = await openRecords({ engine: "postgres", url, poolSize: 4 });
  opened.push(a);
  await migrateRecords(a, [sharedKeyMigrations]);
  const b = await openRecords({ engine: "postgres", url, poolSize: 4 });
  opened.push(b);
  return [a, b];
}

const rec = (key: string, firstId: number, appId = "app-1"): ClaimRecord => ({ appId, keys: [key], firstId });

describe.skipIf(!server)("shared idempotency keys on PostgreSQL", () => {
  it("of two logs racing for the same keys exactly one holds each, and a restarted log knows its own claims", async () => {
    const [ra, rb] = await twoPools();
    const now = Date.now;
    const a = createSharedKeys({ records: ra, owner: "log-a", now, windowDays: 8 });
    const b = createSharedKeys({ records: rb, owner: "log-b", now, windowDays: 8 });
    const keys = Array.from({ length: 60 }, (_, i) => `b:batch-${i}`);
    // Each key claimed by both at once, in batches of different shapes (one record, many records).
    const [fromA, fromB] = await Promise.all([
      Promise.all(keys.map((k, i) => a.claim([rec(k, 1 + i * 10)]).then((r) => r[0] as boolean))),
      b.claim(keys.map((k, i) => rec(k, 1_000_000 + i * 10))),
    ]);
    keys.forEach((_, i) => expect([fromA[i], fromB[i]].filter(Boolean)).toHaveLength(1));
    expect(fromA.filter(Boolean).length + fromB.filter(Boolean).length).toBe(keys.length);

    // A restart of log a (same owner id) replaying the same records finds the same answers.
    const again = createSharedKeys({ records: ra, owner: "log-a", now, windowDays: 8 });
    expect(await again.claim(keys.map((k, i) => rec(k, 1 + i * 10)))).toEqual(fromA);
    // The same key in another record of the same log is not that record's: only the first is stored.
    const heldByA = keys[fromA.indexOf(true)] as string;
    expect(await again.claim([rec(heldByA, 999_999)])).toEqual([false]);
    // The same key in another app is another key.
    expect(await b.claim([rec(heldByA, 5, "app-2")])).toEqual([true]);
    // Keys with no claim at all (a record without keys) are always the log's.
    expect(await b.claim([{ appId: "app-1", keys: [], firstId: 7 }])).toEqual([true]);
  });

  it("a record with several keys is the log's when any of them is new", async () => {
    const [ra, rb] = await twoPools();
    const a = createSharedKeys({ records: ra, owner: "log-a", now: Date.now, windowDays: 8 });
    const b = createSharedKeys({ records: rb, owner: "log-b", now: Date.now, windowDays: 8 });
    expect(await a.claim([{ appId: "app-1", keys: ["t:req-1#0", "m:m1", "m:m2"], firstId: 1 }])).toEqual([true]);
    // The retry of the same request (same keys) elsewhere: held by a, so a duplicate.
    expect(await b.claim([{ appId: "app-1", keys: ["m:m1", "m:m2", "t:req-1#0"], firstId: 50 }])).toEqual([false]);
    // A new call sharing one message id: it has new events, so it is stored.
    expect(await b.claim([{ appId: "app-1", keys: ["m:m2", "m:m3"], firstId: 60 }])).toEqual([true]);
  });

  it("forgets claims older than the window, by prune and after a claim", async () => {
    const [ra] = await twoPools();
    let now = Date.UTC(2026, 5, 1);
    const a = createSharedKeys({ records: ra, owner: "log-a", now: () => now, windowDays: 8, pruneEveryMs: 0 });
    const b = createSharedKeys({ records: ra, owner: "log-b", now: () => now, windowDays: 8, pruneEveryMs: 0 });
    expect(await a.claim([rec("b:old-1", 1), rec("b:old-2", 2)])).toEqual([true, true]);
    now += 7 * DAY_MS;
    expect(await a.claim([rec("b:newer", 3)])).toEqual([true]);
    expect(await b.claim([rec("b:old-1", 100)])).toEqual([false]);
    expect(await a.prune(now - 8 * DAY_MS)).toBe(0);
    // Nine days after the first claims: the next claim prunes them (in the background).
    now += 2 * DAY_MS;
    await b.claim([rec("b:today", 101)]);
    let left = 0;
    for (let i = 0; i < 50; i++) {
      left = Number((await ra.db.withTables<{ ingest_claims: { key: string } }>().selectFrom("ingest_claims").select((e) => e.fn.countAll().as("n")).where("key", "like", "b:old-%").executeTakeFirstOrThrow()).n);
      if (left === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(left).toBe(0);
    expect(await b.claim([rec("b:old-1", 102)])).toEqual([true]);
    // Everything claimed before the given time goes: the day-7 key and the two made now.
    expect(await a.prune(now + 1)).toBe(3);
  });
});

describe("logOwnerId", () => {
  it("is made once per log folder and read back after a restart; another folder has another", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-owner-"));
    const first = logOwnerId(path.join(dir, "a"));
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(logOwnerId(path.join(dir, "a"))).toBe(first);
    expect(logOwnerId(path.join(dir, "b"))).not.toBe(first);
  });
});
