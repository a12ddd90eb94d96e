// `npm run fuzz`: every parser that takes untrusted input, 10,000 seeded inputs each (FUZZ_RUNS and
// FUZZ_SEED change them), against a real Pendulum. Prints one line per parser (inputs, failures,
// the slowest input of at most 4 KB in ms and its size) and exits 1 when an input was answered 500
// or threw, or when that slowest input took more than 50 ms.
import os from "node:os";
import { startFuzzServer } from "../test/fuzz/server.js";
import { fuzzTarget, TARGETS } from "../test/fuzz/targets.js";

const runs = Number(process.env["FUZZ_RUNS"] ?? 10_000);
const seed = Number(process.env["FUZZ_SEED"] ?? 15);
const LIMIT_MS = 50;

const server = await startFuzzServer();
let bad = false;
try {
  console.log(`fuzz: ${runs} inputs per parser, seed ${seed}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  for (const target of TARGETS) {
    const r = await fuzzTarget(server, target, runs, seed);
    const slow = r.slowest.ms > LIMIT_MS;
    bad ||= r.failures.length > 0 || slow;
    console.log(JSON.stringify({ parser: r.name, inputs: r.runs, failures: r.failures.length, slowestMs: Number(r.slowest.ms.toFixed(2)), slowestBytes: r.slowest.bytes, largestInputBytes: r.largestBytes, withinLimit: !slow }));
    for (const f of r.failures.slice(0, 5)) console.log(`  failure: ${f.problem} for ${JSON.stringify(f.input.slice(0, 300))}`);
    if (slow) console.log(`  slowest input: ${JSON.stringify(r.slowest.input)}`);
  }
} finally {
  await server.close();
}
console.log(`fuzz: ${bad ? "FAILED" : "ok"}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
process.exit(bad ? 1 : 0);
