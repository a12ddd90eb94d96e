import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { startChildServer } from "../test/child-server.js";
import { TEST_APP_KEY } from "../test/harness.js";
import { ensureBuiltServer, printFigure, type BenchOptions } from "./lib.js";

// `npm run bench -- health-busy`: how long /health takes to answer while the slowest request one
// can construct against a public endpoint runs (issue 15: ≤ 100 ms). That request is a 500-click
// ingest batch near the 1 MiB body limit, each click with a 22-element path (~940 KB). The server
// runs as `npm start` runs it, in its own process; this process sends the heavy batches one after
// another and, meanwhile, /health on fresh connections back to back. The figure is the slowest
// /health answer while a heavy batch was in flight; the baseline is the slowest on the idle server.

function heaviestBatch(n: number): string {
  const element = Array.from({ length: 22 }, (_, i) => ({ tag: "div", id: `n${i}`.padEnd(12, "x"), classes: ["a", "b", "c"], text: "t".repeat(9) }));
  const events = Array.from({ length: 500 }, (_, i) => ({ type: "click", ts: Date.now() - 1000 + i, url: `https://app.example.com/${"p".repeat(100)}/${n}/${i}`, element }));
  return JSON.stringify({ batchId: `heavy-${n}`, visitor: { id: `v-heavy-${n % 7}` }, events });
}

function request(url: string, method: "GET" | "POST", body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent: false, headers: body === undefined ? {} : { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** /health back to back until `until()`; the latency of each answer (ms). */
async function pollHealth(url: string, until: () => boolean): Promise<number[]> {
  const ms: number[] = [];
  while (!until()) {
    const started = performance.now();
    if ((await request(`${url}/health`, "GET")) !== 200) throw new Error("/health did not answer 200");
    ms.push(performance.now() - started);
  }
  return ms;
}

const percentile = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))] ?? 0;

export async function run(options: BenchOptions): Promise<void> {
  const batches = options.scale === "small" ? 8 : 30;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-bench-health-"));
  ensureBuiltServer();
  // BENCH_SERVER_NODE_ARGS reach the server alone (say "--cpu-prof --cpu-prof-dir=/tmp/prof"), as in ingest.bench.ts.
  const nodeArgs = (process.env["BENCH_SERVER_NODE_ARGS"] ?? "").split(" ").filter(Boolean);
  const server = await startChildServer(dataDir, { PENDULUM_LOG_LEVEL: "error" }, { fromDist: true, nodeArgs });
  try {
    const bodies = Array.from({ length: batches + 2 }, (_, n) => heaviestBatch(n));
    // Warm-up: two batches (the JIT, the dictionaries' first growth), then the idle baseline.
    for (const b of bodies.slice(0, 2)) if ((await request(`${server.url}/data/ingest?key=${TEST_APP_KEY}`, "POST", b)) !== 200) throw new Error("warm-up batch refused");
    let idleUntil = performance.now() + 2000;
    const idle = await pollHealth(server.url, () => performance.now() > idleUntil);
    let done = false;
    const heavyMs: number[] = [];
    const heavy = (async () => {
      for (const b of bodies.slice(2)) {
        const started = performance.now();
        const status = await request(`${server.url}/data/ingest?key=${TEST_APP_KEY}`, "POST", b);
        if (status !== 200) throw new Error(`heavy batch answered ${status}`);
        heavyMs.push(performance.now() - started);
      }
      done = true;
    })();
    const during = await pollHealth(server.url, () => done);
    await heavy;
    idleUntil = 0;
    printFigure({
      bench: "health-busy",
      value: Math.max(...during),
      unit: "ms (slowest /health while 940 KB ingest batches run)",
      baseline: Math.max(...idle),
      health_p99_ms: Math.round(percentile(during, 0.99) * 10) / 10,
      health_answers: during.length,
      heavy_batches: heavyMs.length,
      heavy_batch_median_ms: Math.round(percentile(heavyMs, 0.5)),
      bytes: Buffer.byteLength(bodies[2] as string),
      load: os.loadavg().map((l) => Math.round(l * 100) / 100),
    });
  } finally {
    await server.stop("SIGTERM");
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
