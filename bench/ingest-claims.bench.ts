import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { App } from "../src/analytics/index.js";
import { createSharedKeys, logOwnerId, openIngestPipeline, sharedKeyMigrations } from "../src/analytics/ingest/index.js";
import { createMetadataStore, metadataMigrations } from "../src/analytics/metadata.js";
import { migrateRecords, openDuckDbEventStore, openRecords } from "../src/store/index.js";
import { benchPostgresServer, loadAverage, printFigure, type BenchOptions } from "./lib.js";

/**
 * `npm run bench -- ingest-claims`: what server mode's shared idempotency keys (ADR 0008, "Many
 * processes") cost the ingest path. The same agent batches (100 events, a batch id each) go
 * through one in-process ingest pipeline twice in this run, from 8 concurrent senders: with the
 * keys claimed in PostgreSQL after each log append (the figure) and with the local key files
 * alone (the baseline, as embedded). Events go to a DuckDB file and are stored before the clock
 * stops, so both runs include the same flushes. Records (metadata and claims) are on
 * PostgreSQL in both (PENDULUM_BENCH_DATABASE_URL, default the test role on 127.0.0.1).
 */
const app: App = { id: "app_bench", name: "Bench", appKey: "pk_bench", settings: { trackEventsCountAsActivity: false, timeZone: "UTC" }, createdAt: 0 };

function batch(i: number, run: string) {
  const now = Date.now();
  return {
    batchId: `${run}-${i}`,
    visitor: { id: `v${i % 500}` },
    account: { id: `a${i % 50}` },
    events: Array.from({ length: 100 }, (_, j) => ({ type: "track" as const, ts: now - 1000 + j, url: `https://app.example.com/p/${j % 20}`, name: `e${j % 5}` })),
  };
}

async function database(server: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.toString();
}

async function drop(server: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** Sends `batches` from 8 senders through a fresh pipeline; events/s until every event is stored. */
async function pass(url: string, shared: boolean, batches: number, run: string): Promise<{ eventsPerSecond: number; stored: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-bench-claims-"));
  const records = await openRecords({ engine: "postgres", url, poolSize: 8 });
  const events = await openDuckDbEventStore({ file: path.join(dir, "events.duckdb") });
  const logDir = path.join(dir, "ingest-log");
  const pipeline = await openIngestPipeline({
    logDir,
    keysDir: path.join(dir, "ingest-keys"),
    events,
    metadata: createMetadataStore(records),
    now: Date.now,
    flushIntervalMs: 1000,
    maxEventAgeDays: 7,
    maxBacklogBytes: 1_000_000_000,
    afterFlush: async () => undefined,
    ...(shared ? { sharedKeys: createSharedKeys({ records, owner: logOwnerId(logDir), now: Date.now, windowDays: 8 }) } : {}),
    report: () => undefined,
  });
  try {
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < batches) {
          const r = await pipeline.service.agentBatch(app, batch(next++, run));
          if (r.duplicate) throw new Error("a new batch was answered as a duplicate");
        }
      }),
    );
    await pipeline.settle();
    const seconds = (performance.now() - t0) / 1000;
    return { eventsPerSecond: (batches * 100) / seconds, stored: await events.count() };
  } finally {
    await pipeline.stop();
    await events.close();
    await records.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(options: BenchOptions): Promise<void> {
  const batches = options.scale === "small" ? 500 : 3000;
  const server = benchPostgresServer();
  const name = `pendulum_bench_claims_${process.pid}`;
  const url = await database(server, name);
  try {
    const r = await openRecords({ engine: "postgres", url });
    await migrateRecords(r, [metadataMigrations, sharedKeyMigrations]);
    await r.close();
    const loadBefore = loadAverage();
    // Local first, then shared; then each again, so a drift in the machine's load shows as a spread.
    const local1 = await pass(url, false, batches, "l1");
    const shared1 = await pass(url, true, batches, "s1");
    const local2 = await pass(url, false, batches, "l2");
    const shared2 = await pass(url, true, batches, "s2");
    for (const p of [local1, shared1, local2, shared2]) if (p.stored !== batches * 100) throw new Error(`stored ${p.stored} of ${batches * 100} events`);
    const local = (local1.eventsPerSecond + local2.eventsPerSecond) / 2;
    const shared = (shared1.eventsPerSecond + shared2.eventsPerSecond) / 2;
    printFigure({
      bench: "ingest-claims",
      value: shared,
      unit: "events/s with batch ids claimed in PostgreSQL (8 senders, 100-event batches, until stored)",
      baseline: local,
      batches,
      runs_shared: [Math.round(shared1.eventsPerSecond), Math.round(shared2.eventsPerSecond)],
      runs_local: [Math.round(local1.eventsPerSecond), Math.round(local2.eventsPerSecond)],
      load_avg: [loadBefore, loadAverage()],
    });
  } finally {
    await drop(server, name);
  }
}
