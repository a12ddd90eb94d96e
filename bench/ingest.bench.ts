import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDuckDbEventStore, type StoredEvent } from "../src/store/index.js";
import { startChildServer } from "../test/child-server.js";
import { TEST_APP_KEY } from "../test/harness.js";
import { printFigure, type BenchOptions } from "./lib.js";

/** DuckDB's raw appender rate for events of the same shape: the ceiling ingest is compared with. */
async function appenderRate(count: number): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-bench-duck-"));
  const store = await openDuckDbEventStore({ file: path.join(dir, "events.duckdb") });
  const now = Date.now();
  const chunk = 50_000;
  const make = (from: number): StoredEvent[] =>
    Array.from({ length: chunk }, (_, i) => ({
      id: from + i,
      appId: "app",
      type: i % 3 === 1 ? "click" : "load",
      ts: now + i,
      visitorId: `v${i % 1000}`,
      accountId: `a${i % 500}`,
      urlId: (i % 6) + 1,
      elementId: i % 3 === 1 ? (i % 7) + 1 : null,
      name: null,
      props: null,
      tabId: "t1",
      title: "Page",
      receivedAt: now,
    }));
  const batches = Array.from({ length: Math.ceil(count / chunk) }, (_, b) => make(b * chunk + 1));
  const start = performance.now();
  for (const b of batches) await store.append(b, {});
  const rate = (batches.length * chunk) / ((performance.now() - start) / 1000);
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return rate;
}

function peakRssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m ? Math.round(Number(m[1]) / 1024) : 0;
}

/** `npm run bench -- ingest`: acknowledged events/s over HTTP with a durable write before each ack. */
export async function run(options: BenchOptions): Promise<void> {
  const seconds = options.scale === "small" ? 4 : 15;
  const baseline = await appenderRate(options.scale === "small" ? 200_000 : 1_000_000);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-bench-ingest-"));
  const server = await startChildServer(dataDir, { PENDULUM_LOG_LEVEL: "error" });
  try {
    const load = spawn(process.execPath, ["--import", "tsx", path.join("bench", "ingest-load.ts"), server.url, TEST_APP_KEY, String(seconds), "24"], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    load.stdout.on("data", (d: Buffer) => (out += d.toString()));
    await new Promise((resolve) => load.once("exit", resolve));
    const result = JSON.parse(out.trim().split("\n").at(-1) as string) as { acked: number; failed: number; seconds: number };
    if (result.failed > 0) throw new Error(`${result.failed} batches were refused during the ingest benchmark`);
    const pid = server.child.pid as number;
    printFigure({ bench: "ingest", value: result.acked / result.seconds, unit: "events/s", baseline, rss_mb: peakRssMb(pid), events: result.acked, seconds: Math.round(result.seconds * 10) / 10 });
  } finally {
    await server.stop("SIGTERM");
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
