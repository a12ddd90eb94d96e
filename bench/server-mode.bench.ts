import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { dropClickHouseDatabase } from "../src/store/index.js";
import { startChildServer } from "../test/child-server.js";
import { TEST_APP_KEY, TEST_TOKEN } from "../test/harness.js";
import { benchRecordsEnv, dropBenchDatabases, ensureBuiltServer, loadAverage, optionValue, printFigure, records, round, type BenchOptions } from "./lib.js";

/**
 * `npm run bench -- server-mode [--scale small] [--clickhouse-database=DB]`: one Pendulum process ingesting agent batches
 * with events on ClickHouse (server mode, ADR 0019) against the same process with events in its
 * data folder's DuckDB, both with records on PostgreSQL, in the same run. For each: events/s
 * acknowledged over HTTP (each after its log fsync), events/s stored (acknowledged events over
 * the time until the last is in the event store, the flusher's pace), the 503 refusals and the
 * peak RSS; the ratio is the stored rate over DuckDB's. ClickHouse: PENDULUM_BENCH_CLICKHOUSE_URL (default http://127.0.0.1:8123);
 * PostgreSQL: PENDULUM_BENCH_DATABASE_URL (default the test role on 127.0.0.1).
 */
type Pass = { acked: number; busy: number; failed: number; seconds: number; storedSeconds: number; rssMb: number };

function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Math.round(Number(m[1]) / 1024) : 0;
}

async function load(url: string, seconds: number, connections: number): Promise<{ acked: number; busy: number; failed: number; seconds: number }> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join("bench", "ingest-load.ts"), url, TEST_APP_KEY, String(seconds), String(connections)], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  await new Promise((resolve) => child.once("exit", resolve));
  return JSON.parse(out.trim().split("\n").at(-1) as string) as { acked: number; busy: number; failed: number; seconds: number };
}

async function pass(engine: "duckdb" | "clickhouse", seconds: number, keepDatabase?: string): Promise<Pass> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `pendulum-bench-server-${engine}-`));
  // A new PostgreSQL database for each pass's records (the PostgreSQL pass of lib.ts's helper).
  const engineBefore = records.engine;
  records.engine = "postgres";
  const recordsEnv = await benchRecordsEnv(dataDir);
  records.engine = engineBefore;
  const clickhouse = { url: process.env["PENDULUM_BENCH_CLICKHOUSE_URL"] ?? "http://127.0.0.1:8123", database: keepDatabase ?? `pendulum_bench_${process.pid}` };
  const eventsEnv = engine === "clickhouse" ? { PENDULUM_CLICKHOUSE_URL: clickhouse.url, PENDULUM_CLICKHOUSE_DATABASE: clickhouse.database } : { PENDULUM_CLICKHOUSE_URL: "", PENDULUM_CLICKHOUSE_DATABASE: "" };
  const server = await startChildServer(dataDir, { PENDULUM_LOG_LEVEL: "error", ...recordsEnv, ...eventsEnv }, { fromDist: true });
  try {
    const started = performance.now();
    const r = await load(server.url, seconds, 24);
    if (r.failed > 0) throw new Error(`${r.failed} batches failed (other than 503 INGEST_BUSY)`);
    // An import answers once its event, the last id, is stored: every acknowledged event is then in the store.
    const settle = await fetch(`${server.url}/api/v1/import`, {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ events: [{ type: "track", timestamp: Date.now(), visitorId: "bench-settle", event: "Bench settled" }] }),
    });
    if (!settle.ok) throw new Error(`the settling import failed: ${settle.status} ${await settle.text()}`);
    const storedSeconds = (performance.now() - started) / 1000;
    return { ...r, storedSeconds, rssMb: peakRssMb(server.child.pid as number) };
  } finally {
    await server.stop("SIGTERM");
    fs.rmSync(dataDir, { recursive: true, force: true });
    await dropBenchDatabases();
    if (engine === "clickhouse" && keepDatabase === undefined) await dropClickHouseDatabase(clickhouse).catch(() => undefined);
  }
}

export async function run(options: BenchOptions): Promise<void> {
  const seconds = options.scale === "small" ? 5 : 15;
  ensureBuiltServer();
  const duck = await pass("duckdb", seconds);
  // `--clickhouse-database=DB`: ingest into an existing database (kept), e.g. the report
  // benchmark's 20 M events (`npm run bench -- report --engine clickhouse --keep-clickhouse=DB`),
  // so the flusher's rollup updates run against a full table.
  const ch = await pass("clickhouse", seconds, optionValue(options.args, "clickhouse-database"));
  for (const [name, p] of [["duckdb", duck], ["clickhouse", ch]] as const) {
    const stored = p.acked / p.storedSeconds;
    const baseline = duck.acked / duck.storedSeconds;
    printFigure({
      bench: `server-mode.ingest.${name}`,
      value: round(stored),
      unit: "events/s",
      baseline,
      acked_per_s: round(p.acked / p.seconds),
      events: p.acked,
      refused_503: p.busy,
      seconds_to_stored: round(p.storedSeconds),
      rss_mb: p.rssMb,
      load_avg_now: loadAverage(),
    });
  }
}
