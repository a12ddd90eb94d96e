import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { migrateRecords, openDuckDbEventStore, openRecords, type DuckDbEventStore, type Records } from "../../store/index.js";
import type { App } from "../apps.js";
import { createMetadataStore, metadataMigrations } from "../metadata.js";
import { openIngestPipeline, type IngestPipeline } from "./index.js";

const app: App = { id: "app-p", name: "P", appKey: "pk-p", settings: { trackEventsCountAsActivity: false, timeZone: "UTC" }, createdAt: 0 };
const batch = (visitor: string, n: number) => ({
  visitor: { id: visitor },
  account: { id: "acct" },
  events: Array.from({ length: n }, (_, i) => ({ type: "track" as const, ts: Date.now() - 1000 + i, url: "https://app.example.com/", name: `Step ${i % 2}` })),
});

describe("openIngestPipeline", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-pipeline-"));
  let events: DuckDbEventStore | undefined;
  let records: Records | undefined;
  let pipeline: IngestPipeline | undefined;
  afterEach(async () => {
    await pipeline?.stop();
    await events?.close();
    await records?.close();
  });

  const open = async (flushes: { fromId: number; toId: number }[]): Promise<IngestPipeline> => {
    events = await openDuckDbEventStore({ file: path.join(dir, "events.duckdb") });
    records = openRecords({ engine: "sqlite", file: path.join(dir, "records.sqlite") });
    await migrateRecords(records, [metadataMigrations]);
    pipeline = await openIngestPipeline({
      logDir: path.join(dir, "ingest-log"),
      events,
      metadata: createMetadataStore(records),
      now: Date.now,
      // Long enough that nothing is flushed unless the test asks.
      flushIntervalMs: 60_000,
      maxEventAgeDays: 7,
      maxBacklogBytes: 64_000_000,
      afterFlush: async ({ fromId, toId }) => {
        flushes.push({ fromId, toId });
      },
      report: () => undefined,
    });
    return pipeline;
  };

  it("accepts into the log, replays what was not stored on the next open, and calls afterFlush once per flush", async () => {
    const first: { fromId: number; toId: number }[] = [];
    const p1 = await open(first);
    await p1.service.agentBatch(app, batch("v1", 3));
    await p1.settle();
    expect(first).toEqual([{ fromId: 1, toId: 3 }]);
    // Logged, acknowledged, not yet stored: the process "stops" without its final flush.
    await p1.service.agentBatch(app, batch("v2", 2));
    expect(p1.flusher.queued()).toBe(2);
    pipeline = undefined;
    await events?.close();
    await records?.close();

    const second: { fromId: number; toId: number }[] = [];
    const p2 = await open(second);
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
});
