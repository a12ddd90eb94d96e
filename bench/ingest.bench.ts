import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDuckDbEventStore, type StoredEvent } from "../src/store/index.js";
import { startChildServer } from "../test/child-server.js";
import { TEST_APP_KEY, TEST_TOKEN } from "../test/harness.js";
import { ensureBuiltServer, optionValue, printFigure, type BenchOptions } from "./lib.js";
import { run as runServerMode } from "./server-mode.bench.js";

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

const pages = ["/home", "/reports", "/reports/42", "/settings/billing", "/users", "/dashboards/main"];

/** One 100-event batch of visitor `v`, split around its batch id so each request can carry a new one. */
function template(v: number): [string, string] {
  const now = Date.now();
  const events = Array.from({ length: 100 }, (_, i) => {
    const page = `https://app.example.com${pages[(v + i) % pages.length] as string}`;
    if (i % 3 === 1) return { type: "click", ts: now - 100 + i, url: page, tab: "t1", element: [{ tag: "span", text: "Save" }, { tag: "button", id: `b${i % 7}`, classes: ["btn"] }, { tag: "div", classes: ["toolbar"] }] };
    if (i % 10 === 9) return { type: "track", ts: now - 100 + i, url: page, name: `Event ${i % 5}`, props: { n: i } };
    return { type: i % 3 === 0 ? "load" : "focus", ts: now - 100 + i, url: page, title: "Page", tab: "t1" };
  });
  const json = JSON.stringify({ batchId: "@@", visitor: { id: `v${v}`, role: "user" }, account: { id: `a${v % 500}` }, events });
  return json.split('"@@"') as [string, string];
}

/**
 * What a load generator saw. `acked` counts only events of 2xx answers; `busy` counts the 503
 * INGEST_BUSY refusals (backpressure: the batch was not kept, and the generator waited
 * Retry-After on that connection as the agent does); `failed` is every other error.
 */
type LoadResult = { acked: number; busy: number; failed: number; seconds: number; generator: string; p99_ms?: number };

/** Drives the server with wrk (a native load generator, far cheaper per request than Node) when installed. */
function runWrk(url: string, seconds: number, connections: number, dir: string): LoadResult {
  const lua = [
    "local templates = {",
    ...Array.from({ length: 200 }, (_, v) => {
      const [head, tail] = template(v);
      return `  { [==[${head}]==], [==[${tail}]==] },`;
    }),
    "}",
    "local threads = {}",
    "function setup(thread) table.insert(threads, thread); thread:set('tid', #threads) end",
    "local counter = 0",
    // Per-thread tallies (globals, so done() can read them with thread:get).
    "ok = 0",
    "busy = 0",
    "local waits = {}",
    "request = function()",
    "  counter = counter + 1",
    "  local t = templates[(counter % #templates) + 1]",
    `  return wrk.format('POST', nil, { ['Content-Type'] = 'text/plain' }, t[1] .. '"' .. tostring(tid) .. '-' .. counter .. '"' .. t[2])`,
    "end",
    "response = function(status, headers)",
    "  if status >= 200 and status < 300 then ok = ok + 1",
    "  elseif status == 503 then",
    "    busy = busy + 1",
    "    table.insert(waits, 1000 * (tonumber(headers['retry-after'] or headers['Retry-After'] or '1') or 1))",
    "  end",
    "end",
    // wrk asks for a delay before each connection's next request; a refusal makes one connection wait Retry-After.
    "delay = function() return table.remove(waits, 1) or 0 end",
    "done = function(summary, latency, requests)",
    "  local acked, refused = 0, 0",
    "  for _, t in ipairs(threads) do acked = acked + t:get('ok'); refused = refused + t:get('busy') end",
    `  io.write(string.format('RESULT {"requests":%d,"ok":%d,"busy":%d,"non2xx":%d,"errors":%d,"seconds":%f,"p99_ms":%f}\\n', summary.requests, acked, refused, summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.duration / 1e6, latency:percentile(99) / 1000))`,
    "end",
  ].join("\n");
  const script = path.join(dir, "ingest.lua");
  fs.writeFileSync(script, lua);
  const r = spawnSync("wrk", ["-t2", `-c${connections}`, `-d${seconds}s`, "-s", script, `${url}/data/ingest?key=${TEST_APP_KEY}`], { encoding: "utf8" });
  const line = /RESULT (\{.*\})/.exec(r.stdout)?.[1];
  if (!line) throw new Error(`wrk gave no result: ${r.stdout}${r.stderr}`);
  const w = JSON.parse(line) as { requests: number; ok: number; busy: number; non2xx: number; errors: number; seconds: number; p99_ms: number };
  // wrk's non2xx counts every status of 400 and above, the 503s included.
  return { acked: w.ok * 100, busy: w.busy, failed: w.non2xx - w.busy + w.errors, seconds: w.seconds, generator: "wrk", p99_ms: w.p99_ms };
}

/** The Node load generator (bench/ingest-load.ts) in its own process, for machines without wrk. */
async function runNode(url: string, seconds: number, connections: number, visitors: number): Promise<LoadResult> {
  const load = spawn(process.execPath, ["--import", "tsx", path.join("bench", "ingest-load.ts"), url, TEST_APP_KEY, String(seconds), String(connections), String(visitors)], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  load.stdout.on("data", (d: Buffer) => (out += d.toString()));
  await new Promise((resolve) => load.once("exit", resolve));
  return { ...(JSON.parse(out.trim().split("\n").at(-1) as string) as { acked: number; busy: number; failed: number; seconds: number }), generator: "node" };
}

/**
 * `npm run bench -- ingest`: acknowledged events/s over HTTP with a durable write before each ack.
 * `--visitors=N` spreads the batches over N visitors (200 by default; the Node generator only, used
 * whenever it is given); `--connections=N` sets how many requests are in flight at once: with 200, each visitor sends hundreds of events a second, all into one
 * 15-minute slot, which every rollup update after a flush reads back whole (issue 16).
 */
export async function run(options: BenchOptions): Promise<void> {
  const seconds = options.scale === "small" ? 4 : 15;
  const visitors = Number(optionValue(options.args, "visitors") ?? 200);
  if (!Number.isInteger(visitors) || visitors < 1 || visitors > 99_999_999) throw new Error(`--visitors must be a whole number from 1 to 99,999,999, got ${optionValue(options.args, "visitors")}`);
  // Concurrent keep-alive connections (24 for the Node generator, 32 for wrk by default).
  const connectionsArg = optionValue(options.args, "connections");
  const connections = connectionsArg === undefined ? undefined : Number(connectionsArg);
  if (connections !== undefined && (!Number.isInteger(connections) || connections < 1 || connections > 1000)) throw new Error(`--connections must be a whole number from 1 to 1,000, got ${connectionsArg}`);
  const baseline = await appenderRate(options.scale === "small" ? 200_000 : 1_000_000);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-bench-ingest-"));
  // The server runs as `npm start` runs it (built JavaScript, no TypeScript loader in the process),
  // so its peak RSS is the one an operator sees.
  ensureBuiltServer();
  // BENCH_SERVER_NODE_ARGS reach the server alone (say "--cpu-prof --cpu-prof-dir=/tmp/prof"), not the load generator.
  const nodeArgs = (process.env["BENCH_SERVER_NODE_ARGS"] ?? "").split(" ").filter(Boolean);
  const server = await startChildServer(dataDir, { PENDULUM_LOG_LEVEL: "error" }, { fromDist: true, nodeArgs });
  try {
    const hasWrk = spawnSync("wrk", ["--version"]).error === undefined && visitors === 200;
    const result = hasWrk ? runWrk(server.url, seconds, connections ?? 32, dataDir) : await runNode(server.url, seconds, connections ?? 24, visitors);
    if (result.failed > 0) throw new Error(`${result.failed} batches failed during the ingest benchmark (other than 503 INGEST_BUSY)`);
    // Waits until every acknowledged event is stored (an import answers once its event, the last
    // id, is in DuckDB), so the peak RSS read next covers storing the whole run, not just taking it in.
    const settle = await fetch(`${server.url}/api/v1/import`, {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ events: [{ type: "track", timestamp: Date.now(), visitorId: "bench-settle", event: "Bench settled" }] }),
    });
    if (!settle.ok) throw new Error(`the settling import failed: ${settle.status} ${await settle.text()}`);
    const pid = server.child.pid as number;
    // The figure counts acknowledged (2xx) events only; refused batches are reported beside it.
    printFigure({ bench: "ingest", value: result.acked / result.seconds, unit: "events/s", baseline, rss_mb: peakRssMb(pid), events: result.acked, refused_503: result.busy, seconds: Math.round(result.seconds * 10) / 10, generator: result.generator, visitors, connections: connections ?? (hasWrk ? 32 : 24), ...(result.p99_ms !== undefined ? { p99_ms: result.p99_ms } : {}) });
  } finally {
    await server.stop("SIGTERM");
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  // `--engine clickhouse`: then one process in server mode (events on ClickHouse) beside one with
  // events in DuckDB, records on PostgreSQL for both, in this run (server-mode.bench.ts).
  if (options.engine === "clickhouse") await runServerMode(options);
}
