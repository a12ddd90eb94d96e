// `npm run fuzz`: every parser that takes untrusted input, 10,000 seeded inputs each (FUZZ_RUNS and
// FUZZ_SEED change them), a quarter of them adversarial shapes, against a real Pendulum. Prints a
// table: per parser the inputs run, the failures, and the slowest fresh input of at most 4 KB
// (each input timed once, runs that overlapped a garbage collection left out: see fuzzTarget),
// with the 99th percentile, the most CPU one input used (not inflated by other processes), the
// runs left out for a GC and the slowest counting them.
// Exits 1 when an input was answered 500 or threw, or when the slowest input took more than 50 ms.
// Run with --expose-gc (the npm script does) so a young-generation GC precedes each timed input.
import os from "node:os";
import { startFuzzServer } from "../test/fuzz/server.js";
import { fuzzTarget, TARGETS, type FuzzReport } from "../test/fuzz/targets.js";

const runs = Number(process.env["FUZZ_RUNS"] ?? 10_000);
const seed = Number(process.env["FUZZ_SEED"] ?? 15);
const only = process.env["FUZZ_ONLY"];
const LIMIT_MS = 50;
const load = (): string =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

const server = await startFuzzServer();
const reports: FuzzReport[] = [];
let bad = false;
try {
  console.log(`fuzz: ${runs} inputs per parser, seed ${seed}, gc between inputs: ${typeof (globalThis as { gc?: unknown }).gc === "function" ? "yes" : "no (run with --expose-gc)"}, load average ${load()}`);
  for (const target of TARGETS.filter((t) => !only || t.name.includes(only))) {
    const r = await fuzzTarget(server, target, runs, seed);
    reports.push(r);
    const slow = r.slowest.ms > LIMIT_MS;
    bad ||= r.failures.length > 0 || slow;
    console.log(JSON.stringify({ parser: r.name, inputs: r.runs, failures: r.failures.length, timed: r.timed, slowestMs: Number(r.slowest.ms.toFixed(2)), slowestBytes: r.slowest.bytes, p99Ms: Number(r.p99Ms.toFixed(2)), slowestCpuMs: Number(r.slowestCpuMs.toFixed(2)), gcExcluded: r.gcExcluded, slowestWithGcMs: Number(r.slowestWithGcMs.toFixed(2)), largestInputBytes: r.largestBytes, withinLimit: !slow, load: load() }));
    for (const f of r.failures.slice(0, 5)) console.log(`  failure: ${f.problem} for ${JSON.stringify(f.input.slice(0, 300))}`);
    if (slow) console.log(`  slowest input: ${JSON.stringify(r.slowest.input)}`);
  }
} finally {
  await server.close();
}
const cols = ["parser", "inputs", "failures", "timed ≤4 KB", "slowest ms", "its bytes", "p99 ms", "most CPU ms", "GC-overlapped", "slowest incl. GC ms"];
const rows = reports.map((r) => [r.name, String(r.runs), String(r.failures.length), String(r.timed), r.slowest.ms.toFixed(2), String(r.slowest.bytes), r.p99Ms.toFixed(2), r.slowestCpuMs.toFixed(2), String(r.gcExcluded), r.slowestWithGcMs.toFixed(2)]);
const widths = cols.map((c, i) => Math.max(c.length, ...rows.map((row) => (row[i] as string).length)));
const line = (cells: string[]): string => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join(" | ")} |`;
console.log(line(cols));
console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
for (const row of rows) console.log(line(row));
console.log(`fuzz: ${bad ? "FAILED" : "ok"} (limit ${LIMIT_MS} ms for the slowest input of at most 4 KB); load average ${load()}`);
process.exit(bad ? 1 : 0);
