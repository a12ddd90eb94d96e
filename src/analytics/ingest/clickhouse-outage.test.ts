import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { clickHouseTestUrl, testClickHouseOptions } from "../../../test/clickhouse.js";
import { startTcpProxy, type TcpProxy } from "../../../test/tcp-proxy.js";
import { ApiError } from "../../kernel/index.js";
import { dropClickHouseDatabase, migrateRecords, openClickHouseEventStore, openRecords, type ClickHouseEventStore, type ClickHouseOptions, type Records } from "../../store/index.js";
import type { App } from "../apps.js";
import { createMetadataStore, metadataMigrations } from "../metadata.js";
import { openIngestPipeline, type IngestPipeline } from "./index.js";

// The ingest pipeline over a ClickHouse event store reached through a TCP proxy the test owns:
// closing the proxy cuts ClickHouse off from this "process" without touching the shared server.
// Runs under `npm run test:server-mode` (PENDULUM_TEST_CLICKHOUSE_URL), skipped otherwise.

const app: App = { id: "app-ch", name: "CH", appKey: "pk-ch", settings: { trackEventsCountAsActivity: false, timeZone: "UTC" }, createdAt: 0 };
const batch = (batchId: string) => ({
  batchId,
  visitor: { id: `v-${batchId}` },
  account: { id: "acct-ch" },
  events: Array.from({ length: 20 }, (_, i) => ({ type: "track" as const, ts: Date.now() - 1000 + i, url: `https://app.example.com/p/${batchId}`, name: "Step", props: { i } })),
});

let proxy: TcpProxy | undefined;
let store: ClickHouseEventStore | undefined;
let records: Records | undefined;
let pipeline: IngestPipeline | undefined;
let options: ClickHouseOptions | undefined;
afterEach(async () => {
  await proxy?.restore();
  await pipeline?.stop();
  await store?.close();
  await records?.close();
  await proxy?.close();
  if (options) await dropClickHouseDatabase(options);
  proxy = store = records = pipeline = options = undefined;
});

describe.skipIf(clickHouseTestUrl === "")("ingest while ClickHouse is unreachable", () => {
  it("accepts up to the backlog bound, then answers 503 with Retry-After, and stores every accepted event once ClickHouse is back", async () => {
    options = testClickHouseOptions();
    const target = new URL(options.url);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 8123));
    store = await openClickHouseEventStore({ ...options, url: proxy.url(options.url) });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-ch-outage-"));
    records = await openRecords({ engine: "sqlite", file: path.join(dir, "records.sqlite") });
    await migrateRecords(records, [metadataMigrations]);
    const flushErrors: unknown[] = [];
    pipeline = await openIngestPipeline({
      logDir: path.join(dir, "ingest-log"),
      keysDir: path.join(dir, "ingest-keys"),
      events: store,
      metadata: createMetadataStore(records),
      now: Date.now,
      flushIntervalMs: 100,
      maxEventAgeDays: 7,
      // About a dozen of these batches.
      maxBacklogBytes: 30_000,
      afterFlush: async () => undefined,
      report: (_m, e) => flushErrors.push(e),
    });
    const service = pipeline.service;
    // Before the outage: stored as usual.
    await service.agentBatch(app, batch("up-0"));
    await pipeline.settle();
    expect(await store.count(app.id)).toBe(20);

    await proxy.cut();
    const accepted: string[] = [];
    let refusal: unknown;
    for (let i = 0; i < 200 && refusal === undefined; i++) {
      const id = `down-${i}`;
      try {
        expect((await service.agentBatch(app, batch(id))).duplicate).toBe(false);
        accepted.push(id);
      } catch (e) {
        refusal = e;
        // The refused batch is retried later with the same id.
        accepted.push(id);
      }
    }
    // Kept accepting while the backlog was under its bound, then refused.
    expect(accepted.length).toBeGreaterThan(5);
    expect(refusal).toBeInstanceOf(ApiError);
    expect(refusal).toMatchObject({ status: 503, code: "INGEST_BUSY", headers: { "retry-after": "1" } });
    expect(pipeline.flusher.backlogBytes()).toBeGreaterThan(30_000);
    // The flusher kept trying and failing meanwhile, and lost nothing.
    await new Promise((r) => setTimeout(r, 500));
    expect(flushErrors.length).toBeGreaterThan(0);
    expect(pipeline.flusher.backlogBytes()).toBeGreaterThan(30_000);

    // ClickHouse is back: the backlog drains and the refused batch is taken on its retry.
    await proxy.restore();
    const retried = accepted.at(-1) as string;
    for (let i = 0; ; i++) {
      try {
        expect((await service.agentBatch(app, batch(retried))).duplicate).toBe(false);
        break;
      } catch (e) {
        expect(e).toMatchObject({ status: 503, code: "INGEST_BUSY" });
        expect(i).toBeLessThan(300);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await pipeline.settle();
    expect(pipeline.flusher.backlogBytes()).toBe(0);
    // Every batch accepted once, all its events, each id once.
    for (const id of ["up-0", ...accepted]) expect(await store.events({ appId: app.id, visitorId: `v-${id}` })).toHaveLength(20);
    const all = await store.events({ appId: app.id, limit: 100_000 });
    expect(all).toHaveLength(20 * (accepted.length + 1));
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
    expect(await store.count(app.id)).toBe(20 * (accepted.length + 1));
  });
});
