import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { migrateRecords, openDuckDbEventStore, openRecords, type DuckDbEventStore, type Records } from "../../store/index.js";
import type { App } from "../apps.js";
import { createMetadataStore, metadataMigrations } from "../metadata.js";
import { DAY_MS } from "./key-index.js";
import { openIngestPipeline, type IngestPipeline } from "./index.js";

const app: App = { id: "app-p", name: "P", appKey: "pk-p", settings: { trackEventsCountAsActivity: false, timeZone: "UTC" }, createdAt: 0 };
const batch = (visitor: string, n: number, batchId?: string, at = Date.now()) => ({
  ...(batchId ? { batchId } : {}),
  visitor: { id: visitor },
  account: { id: "acct" },
  events: Array.from({ length: n }, (_, i) => ({ type: "track" as const, ts: at - 1000 + i, url: "https://app.example.com/", name: `Step ${i % 2}` })),
});

describe("openIngestPipeline", () => {
  let events: DuckDbEventStore | undefined;
  let records: Records | undefined;
  let pipeline: IngestPipeline | undefined;
  const closeAll = async (stopPipeline: boolean): Promise<void> => {
    if (stopPipeline) await pipeline?.stop();
    pipeline = undefined;
    await events?.close();
    await records?.close();
    events = undefined;
    records = undefined;
  };
  afterEach(() => closeAll(true));

  const open = async (dir: string, options: { flushes?: { fromId: number; toId: number }[]; now?: () => number; segmentBytes?: number } = {}): Promise<IngestPipeline> => {
    events = await openDuckDbEventStore({ file: path.join(dir, "events.duckdb") });
    records = await openRecords({ engine: "sqlite", file: path.join(dir, "records.sqlite") });
    await migrateRecords(records, [metadataMigrations]);
    pipeline = await openIngestPipeline({
      logDir: path.join(dir, "ingest-log"),
      keysDir: path.join(dir, "ingest-keys"),
      ...(options.segmentBytes ? { segmentBytes: options.segmentBytes } : {}),
      events,
      metadata: createMetadataStore(records),
      now: options.now ?? Date.now,
      // Long enough that nothing is flushed unless the test asks.
      flushIntervalMs: 60_000,
      maxEventAgeDays: 7,
      maxBacklogBytes: 64_000_000,
      afterFlush: async ({ fromId, toId }) => {
        options.flushes?.push({ fromId, toId });
      },
      report: () => undefined,
    });
    return pipeline;
  };

  it("accepts into the log, replays what was not stored on the next open, and calls afterFlush once per flush", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-pipeline-"));
    const first: { fromId: number; toId: number }[] = [];
    const p1 = await open(dir, { flushes: first });
    await p1.service.agentBatch(app, batch("v1", 3));
    await p1.settle();
    expect(first).toEqual([{ fromId: 1, toId: 3 }]);
    // Logged, acknowledged, not yet stored: the process "stops" without its final flush.
    await p1.service.agentBatch(app, batch("v2", 2));
    expect(p1.flusher.queued()).toBe(2);
    await closeAll(false);

    const second: { fromId: number; toId: number }[] = [];
    const p2 = await open(dir, { flushes: second });
    // Replayed and stored before the pipeline is handed back.
    expect(second).toEqual([{ fromId: 4, toId: 5 }]);
    expect(await events?.count()).toBe(5);
    const r = await p2.service.agentBatch(app, batch("v3", 1));
    expect(r.lastId).toBe(6);
    await p2.settle();
    expect(second).toEqual([
      { fromId: 4, toId: 5 },
      { fromId: 6, toId: 6 },
    ]);
    expect((await events?.events({ appId: app.id }))?.map((e) => e.visitorId)).toEqual(["v1", "v1", "v1", "v2", "v2", "v3"]);
  });

  it("knows batch ids after a reopen, from the key files once their log segments are deleted and from the log before", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-pipeline-"));
    const p1 = await open(dir, { segmentBytes: 64 * 1024 });
    // About 5 KB a batch: the first segments fill, are stored, and are deleted.
    for (let i = 0; i < 60; i++) await p1.service.agentBatch(app, batch(`v${i % 4}`, 40, `batch-${i}`));
    await p1.settle();
    expect(fs.existsSync(path.join(dir, "ingest-log", `${"1".padStart(20, "0")}.log`))).toBe(false);
    // The last ones are acknowledged but not stored when the process dies.
    for (let i = 60; i < 70; i++) await p1.service.agentBatch(app, batch(`v${i % 4}`, 40, `batch-${i}`));
    await closeAll(false);

    const p2 = await open(dir, { segmentBytes: 64 * 1024 });
    expect(await events?.count()).toBe(70 * 40);
    for (let i = 0; i < 70; i++) expect(await p2.service.agentBatch(app, batch(`v${i % 4}`, 40, `batch-${i}`))).toMatchObject({ accepted: 40, lastId: 0, duplicate: true });
    expect((await p2.service.agentBatch(app, batch("v0", 40, "batch-70"))).duplicate).toBe(false);
    await p2.settle();
    expect(await events?.count()).toBe(71 * 40);
    expect(p2.keys.stats().keys).toBe(71);
  });

  it("keeps an import's Idempotency-Key for the window after the day it came, then stores the same request again", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-pipeline-"));
    const t0 = Date.UTC(2026, 3, 1, 23, 0);
    const history = Array.from({ length: 6 }, (_, i) => ({ type: "track" as const, timestamp: t0 - 40 * DAY_MS + i, visitorId: `h${i % 2}`, event: "Old" }));
    let now = t0;
    const p1 = await open(dir, { now: () => now });
    expect(await p1.service.import(app, history, { requestKey: "load-1" })).toMatchObject({ accepted: 6 });
    await p1.settle();
    await closeAll(true);

    now = t0 + 8 * DAY_MS;
    const p2 = await open(dir, { now: () => now });
    expect(await p2.service.import(app, history, { requestKey: "load-1" })).toEqual({ accepted: 6, lastId: 0, duplicate: true });
    await closeAll(true);

    // Received on day 0; days 1–8 make the window; on day 9 the key is gone.
    now = t0 + 9 * DAY_MS;
    const p3 = await open(dir, { now: () => now });
    expect(await p3.service.import(app, history, { requestKey: "load-1" })).toMatchObject({ accepted: 6 });
    await p3.settle();
    expect(await events?.count()).toBe(12);
  });
});
