import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { AcceptedBatch } from "./accepted.js";
import { DAY_MS } from "./key-index.js";
import { keysOf, openKeyStore } from "./key-store.js";

const T0 = Date.UTC(2026, 2, 1, 12);
const record = (keys: string[], receivedAt = T0): AcceptedBatch => ({ appId: "app", visitorId: "v", accountId: "", receivedAt, keys, events: [] });

describe("key store", () => {
  it("treats a key asked twice in one call, or already durable, as a repeat", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-keys-"));
    const store = await openKeyStore({ dir, windowDays: 8, now: () => T0 });
    const first = await store.claim("app", ["m:1", "m:2", "m:1"]);
    expect(first.repeat).toEqual([false, false, true]);
    store.durable(record(["m:1", "m:2"]), 2);
    first.end();
    expect((await store.claim("app", ["m:2", "m:3"])).repeat).toEqual([true, false]);
    // Keys belong to an app.
    expect((await store.claim("other-app", ["m:1"])).repeat).toEqual([false]);
    await store.close();
  });

  it("makes a second claim of a key wait for the first request, then decides by its outcome", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-keys-"));
    const store = await openKeyStore({ dir, windowDays: 8, now: () => T0 });
    const stored = await store.claim("app", ["b:stored"]);
    const failed = await store.claim("app", ["b:failed"]);
    const waiting = [store.claim("app", ["b:stored"]), store.claim("app", ["b:failed", "b:stored"])];
    store.durable(record(["b:stored"]), 10);
    stored.end();
    failed.end(); // its write failed: nothing durable
    const [again, both] = await Promise.all(waiting);
    expect(again?.repeat).toEqual([true]);
    expect(both?.repeat).toEqual([false, true]);
    await store.close();
  });

  it("keeps stored keys across a reopen, written up to the stored id only", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-keys-"));
    const store = await openKeyStore({ dir, windowDays: 8, now: () => T0 });
    store.durable(record(["b:1"]), 5);
    store.durable(record(["b:2"], T0 - DAY_MS), 9);
    await store.persistThrough(5);
    expect(store.stats().unwritten).toBe(1);
    await store.persistThrough(9);
    expect(store.stats().unwritten).toBe(0);
    await store.close();
    expect(fs.readdirSync(dir).sort()).toEqual(["2026-02-28.keys", "2026-03-01.keys"]);

    const reopened = await openKeyStore({ dir, windowDays: 8, now: () => T0 });
    expect(reopened.loaded).toBe(2);
    expect((await reopened.claim("app", ["b:1", "b:2", "b:3"])).repeat).toEqual([true, true, false]);
    await reopened.close();
  });

  it("cuts a torn fingerprint off a key file and skips zero-filled ones", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-keys-"));
    const store = await openKeyStore({ dir, windowDays: 8, now: () => T0 });
    store.durable(record(["b:1"]), 1);
    await store.persistThrough(1);
    await store.close();
    const file = path.join(dir, "2026-03-01.keys");
    fs.appendFileSync(file, Buffer.alloc(8 + 3));
    const reopened = await openKeyStore({ dir, windowDays: 8, now: () => T0 });
    expect(reopened.loaded).toBe(1);
    expect(fs.statSync(file).size).toBe(16);
    expect((await reopened.claim("app", ["b:1"])).repeat).toEqual([true]);
    await reopened.close();
  });

  it("forgets keys, and deletes their files, once their day leaves the window", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-keys-"));
    let now = T0;
    const store = await openKeyStore({ dir, windowDays: 8, now: () => now });
    store.durable(record(["b:old"]), 1);
    await store.persistThrough(1);
    now = T0 + 8 * DAY_MS;
    expect((await store.claim("app", ["b:old"])).repeat).toEqual([true]);
    now = T0 + 9 * DAY_MS;
    expect((await store.claim("app", ["b:old"])).repeat).toEqual([false]);
    expect(fs.readdirSync(dir)).toEqual([]);
    await store.close();

    // The same when the process starts after the window.
    const dir2 = fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-keys-"));
    const s1 = await openKeyStore({ dir: dir2, windowDays: 8, now: () => T0 });
    s1.durable(record(["b:old"]), 1);
    await s1.persistThrough(1);
    await s1.close();
    const s2 = await openKeyStore({ dir: dir2, windowDays: 8, now: () => T0 + 9 * DAY_MS });
    expect(s2.loaded).toBe(0);
    expect(fs.readdirSync(dir2)).toEqual([]);
    await s2.close();
  });

  it("reads the batch id of a log record written before keys existed", () => {
    expect(keysOf({ appId: "a", visitorId: "v", accountId: "", receivedAt: 0, batchId: "x", events: [] })).toEqual(["b:x"]);
    expect(keysOf(record(["m:1"]))).toEqual(["m:1"]);
  });
});
