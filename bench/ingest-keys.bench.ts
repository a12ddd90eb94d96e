import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDuckDbEventStore } from "../src/store/index.js";
import type { AcceptedBatch } from "../src/analytics/index.js";
import { DAY_MS } from "../src/analytics/ingest/key-index.js";
import { openKeyStore } from "../src/analytics/ingest/key-store.js";
import { printFigure, round, type BenchOptions } from "./lib.js";

/**
 * `npm run bench -- ingest-keys`: what remembering idempotency keys for the 8-day window costs
 * (ADR 0008). Fills a key store with N agent batch ids spread over the window's 9 days, writes
 * them to key files, and measures: rebuilding the index from the key files at start-up (the
 * figure), against reading the same N fingerprints back from a DuckDB table (the baseline: the
 * "rebuild from the event store" alternative); memory per key; and the per-batch cost of a claim
 * for a new key and for a repeat (the ingest hot path).
 */
export async function run(options: BenchOptions): Promise<void> {
  const keys = options.scale === "small" ? 200_000 : 2_000_000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-bench-keys-"));
  const now = Date.UTC(2026, 0, 20, 12);
  try {
    const writer = await openKeyStore({ dir, windowDays: 8, now: () => now });
    const perDay = Math.ceil(keys / 9);
    for (let i = 0; i < keys; i++) {
      const day = Math.floor(i / perDay);
      const batch: AcceptedBatch = { appId: "app_bench", visitorId: "v", accountId: "", receivedAt: now - day * DAY_MS, keys: [`b:${i.toString(36)}-0f3a9c1d2e4b5a6c`], events: [] };
      writer.durable(batch, i + 1);
    }
    await writer.persistThrough(keys);
    await writer.close();

    const t0 = performance.now();
    const store = await openKeyStore({ dir, windowDays: 8, now: () => now });
    store.seal();
    const rebuildSeconds = (performance.now() - t0) / 1000;
    const stats = store.stats();
    if (stats.keys !== keys) throw new Error(`rebuilt ${stats.keys} keys of ${keys}`);

    // The hot path: one claim per agent batch, a new key (nearly every batch) and a repeat.
    const sample = 50_000;
    let t = performance.now();
    for (let i = 0; i < sample; i++) (await store.claim("app_bench", [`b:new-${i}`])).end();
    const claimNewUs = ((performance.now() - t) / sample) * 1000;
    t = performance.now();
    for (let i = 0; i < sample; i++) {
      const c = await store.claim("app_bench", [`b:${((i * 37) % keys).toString(36)}-0f3a9c1d2e4b5a6c`]);
      if (!c.repeat[0]) throw new Error("a stored key was not found");
      c.end();
    }
    const claimRepeatUs = ((performance.now() - t) / sample) * 1000;
    await store.close();

    // Baseline: the same fingerprints in a DuckDB table, read back into JS as a rebuild from the event store would.
    const duck = await openDuckDbEventStore({ file: path.join(dir, "keys.duckdb") });
    await duck.connection.run("CREATE TABLE ingest_keys (lo UINTEGER, hi UINTEGER, day INTEGER)");
    const a = await duck.connection.createAppender("ingest_keys");
    for (const f of fs.readdirSync(dir).filter((n) => n.endsWith(".keys"))) {
      const data = fs.readFileSync(path.join(dir, f));
      for (let at = 0; at < data.length; at += 8) {
        a.appendUInteger(data.readUInt32LE(at));
        a.appendUInteger(data.readUInt32LE(at + 4));
        a.appendInteger(0);
        a.endRow();
      }
    }
    a.flushSync();
    a.closeSync();
    t = performance.now();
    const rows = (await duck.connection.runAndReadAll("SELECT lo, hi FROM ingest_keys WHERE day >= 0")).getRowsJS();
    const duckSeconds = (performance.now() - t) / 1000;
    if (rows.length !== keys) throw new Error(`DuckDB returned ${rows.length} rows`);
    await duck.close();

    printFigure({
      bench: "ingest-keys",
      value: keys / rebuildSeconds,
      unit: "keys/s rebuilt at start-up",
      baseline: keys / duckSeconds,
      keys,
      rebuild_s: round(rebuildSeconds),
      index_mb: round(stats.bytes / 1048576),
      bytes_per_key: round(stats.bytes / stats.keys),
      claim_new_us: round(claimNewUs),
      claim_repeat_us: round(claimRepeatUs),
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
