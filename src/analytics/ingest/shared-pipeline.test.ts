import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { testDatabaseFor, testPostgresUrl } from "../../../test/postgres.js";
import { startTcpProxy, type TcpProxy } from "../../../test/tcp-proxy.js";
import { ApiError } from "../../kernel/index.js";
import { migrateRecords, openDuckDbEventStore, openRecords, type DuckDbEventStore, type Records } from "../../store/index.js";
import type { App } from "../apps.js";
import { createMetadataStore, metadataMigrations } from "../metadata.js";
import { createSharedKeys, logOwnerId, openIngestPipeline, sharedKeyMigrations, type IngestPipeline } from "./index.js";

// Two ingest pipelines, each with its own log and event store (two processes' data folders), on
// one PostgreSQL for their shared idempotency keys. Each keeps its own event store here so the
// test needs no cross-process event ids: "stored once" is the union of the two stores.
const server = testPostgresUrl();

const app: App = { id: "app-s", name: "S", appKey: "pk-s", settings: { trackEventsCountAsActivity: false, timeZone: "UTC" }, createdAt: 0 };
const batch = (batchId: string, n = 5) => ({
  batchId,
  visitor: { id: `v-${batchId}` },
  account: { id: "acct" },
  events: Array.from({ length: n }, (_, i) => ({ type: "track" as const, ts: Date.now() - 1000 + i, url: "https://app.example.com/", name: "Step" })),
});

type Proc = { dir: string; events: DuckDbEventStore; records: Records; pipeline: IngestPipeline };
const live: Proc[] = [];
const proxies: TcpProxy[] = [];

/** Opens a "process" on a data folder, its records through `recordsUrl`. */
async function start(dir: string, recordsUrl: string): Promise<Proc> {
  const events = await openDuckDbEventStore({ file: path.join(dir, "events.duckdb") });
  const records = await openRecords({ engine: "postgres", url: recordsUrl, poolSize: 4 });
  const logDir = path.join(dir, "ingest-log");
  const pipeline = await openIngestPipeline({
    logDir,
    keysDir: path.join(dir, "ingest-keys"),
    events,
    metadata: createMetadataStore(records),
    now: Date.now,
    // Long: nothing is stored unless the test settles.
    flushIntervalMs: 60_000,
    maxEventAgeDays: 7,
    maxBacklogBytes: 64_000_000,
    afterFlush: async () => undefined,
    sharedKeys: createSharedKeys({ records, owner: logOwnerId(logDir), now: Date.now, windowDays: 8 }),
    reclaimIntervalMs: 100,
    report: () => undefined,
  });
  const p = { dir, events, records, pipeline };
  live.push(p);
  return p;
}

/** The process dies: nothing more is flushed; its log stays as it is. */
async function kill(p: Proc): Promise<void> {
  live.splice(live.indexOf(p), 1);
  await p.events.close();
  await p.records.close().catch(() => undefined);
}

afterEach(async () => {
  for (const p of live.splice(0)) {
    await p.pipeline.stop().catch(() => undefined);
    await p.events.close();
    await p.records.close().catch(() => undefined);
  }
  for (const x of proxies.splice(0)) await x.close();
});

async function database(): Promise<string> {
  const url = await testDatabaseFor(`shared-pipeline ${process.pid} ${Date.now()} ${Math.random()}`, server as string);
  const r = await openRecords({ engine: "postgres", url });
  await migrateRecords(r, [metadataMigrations, sharedKeyMigrations]);
  await r.close();
  return url;
}

const storedIn = async (p: Proc, batchId: string): Promise<number> => (await p.events.events({ appId: app.id, visitorId: `v-${batchId}` })).length;
const dir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-shared-"));

describe.skipIf(!server)("ingest with idempotency keys shared by two processes", () => {
  it("a batch sent to both processes, one after the other or at once, is stored by exactly one", async () => {
    const url = await database();
    const a = await start(dir(), url);
    const b = await start(dir(), url);
    // One after the other: the second answers as a duplicate.
    expect(await a.pipeline.service.agentBatch(app, batch("seq"))).toMatchObject({ accepted: 5, duplicate: false });
    expect(await b.pipeline.service.agentBatch(app, batch("seq"))).toMatchObject({ accepted: 5, duplicate: true, lastId: 0 });
    // At once: exactly one of the two stores each.
    const ids = Array.from({ length: 40 }, (_, i) => `race-${i}`);
    const answers = await Promise.all(ids.map((id) => Promise.all([a.pipeline.service.agentBatch(app, batch(id)), b.pipeline.service.agentBatch(app, batch(id))])));
    for (const [x, y] of answers) expect([x.duplicate, y.duplicate].sort()).toEqual([false, true]);
    await a.pipeline.settle();
    await b.pipeline.settle();
    for (const id of ["seq", ...ids]) expect((await storedIn(a, id)) + (await storedIn(b, id))).toBe(5);
    expect((await a.events.count()) + (await b.events.count())).toBe(5 * 41);
    // The skipped records leave nothing held: both backlogs are empty.
    expect(a.pipeline.flusher.backlogBytes() + b.pipeline.flusher.backlogBytes()).toBe(0);
  });

  it("a killed process's replay stores the batches it claimed and skips those another process claimed meanwhile", async () => {
    const url = await database();
    const proxy = await startTcpProxy(new URL(url).hostname, Number(new URL(url).port || 5432));
    proxies.push(proxy);
    const aDir = dir();
    let a = await start(aDir, proxy.url(url));
    const b = await start(dir(), url);

    // Claimed by a, acknowledged, not yet stored when a dies; its retry to b is a duplicate.
    expect((await a.pipeline.service.agentBatch(app, batch("claimed"))).duplicate).toBe(false);
    // Logged by a while PostgreSQL is cut off from it: not claimed, answered 503.
    await proxy.cut();
    const refused = await a.pipeline.service.agentBatch(app, batch("unclaimed")).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ status: 503, code: "INGEST_UNAVAILABLE" });
    await kill(a);

    // The agent retries both against b.
    expect((await b.pipeline.service.agentBatch(app, batch("claimed"))).duplicate).toBe(true);
    expect((await b.pipeline.service.agentBatch(app, batch("unclaimed"))).duplicate).toBe(false);
    await b.pipeline.settle();

    // a comes back on its data folder: its log has both batches.
    await proxy.restore();
    a = await start(aDir, proxy.url(url));
    await a.pipeline.settle();
    expect([await storedIn(a, "claimed"), await storedIn(b, "claimed")]).toEqual([5, 0]);
    expect([await storedIn(a, "unclaimed"), await storedIn(b, "unclaimed")]).toEqual([0, 5]);
    // Either process answers any later retry as a duplicate.
    for (const p of [a, b]) for (const id of ["claimed", "unclaimed"]) expect((await p.pipeline.service.agentBatch(app, batch(id))).duplicate).toBe(true);
  });

  it("a batch logged while PostgreSQL is unreachable is held, claimed once it answers, and stored once", async () => {
    const url = await database();
    const proxy = await startTcpProxy(new URL(url).hostname, Number(new URL(url).port || 5432));
    proxies.push(proxy);
    const a = await start(dir(), proxy.url(url));
    const b = await start(dir(), url);
    expect((await a.pipeline.service.agentBatch(app, batch("before"))).duplicate).toBe(false);
    await a.pipeline.settle();
    await proxy.cut();
    await expect(a.pipeline.service.agentBatch(app, batch("held"))).rejects.toMatchObject({ status: 503, code: "INGEST_UNAVAILABLE" });
    // Its retry to the same process: the record is in this log, so it is this log's to settle.
    expect((await a.pipeline.service.agentBatch(app, batch("held"))).duplicate).toBe(true);
    // Durable in the log, held by the flusher until claimed.
    expect(a.pipeline.flusher.queued()).toBe(5);
    await new Promise((r) => setTimeout(r, 300));
    expect(a.pipeline.flusher.queued()).toBe(5);
    expect(await storedIn(a, "held")).toBe(0);
    await proxy.restore();
    await a.pipeline.settle();
    expect(await storedIn(a, "held")).toBe(5);
    expect((await b.pipeline.service.agentBatch(app, batch("held"))).duplicate).toBe(true);
    await b.pipeline.settle();
    expect(await b.events.count()).toBe(0);
  });

  it("track calls with an Idempotency-Key and message ids retried against the other process are stored once", async () => {
    const url = await database();
    const a = await start(dir(), url);
    const b = await start(dir(), url);
    const events = Array.from({ length: 6 }, (_, i) => ({ type: "track" as const, event: "Paid", visitorId: `tv${i % 2}`, accountId: "acct", timestamp: Date.now() - 100 + i, messageId: `msg-${i}` }));
    expect(await a.pipeline.service.track(app, events, { requestKey: "req-1" })).toMatchObject({ accepted: 6 });
    expect(await b.pipeline.service.track(app, events, { requestKey: "req-1" })).toMatchObject({ accepted: 6, duplicate: true });
    // Without the request key, by message ids alone.
    expect(await b.pipeline.service.track(app, events)).toMatchObject({ accepted: 6, duplicate: true });
    await a.pipeline.settle();
    await b.pipeline.settle();
    expect([await a.events.count(), await b.events.count()]).toEqual([6, 0]);
  });
});
