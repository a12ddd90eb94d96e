import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFuzzServer } from "./server.js";
import { fuzzTarget, TARGETS, type FuzzServer } from "./targets.js";

// Issue 15, item 15: seeded fuzzing of every parser that takes untrusted input, bounded in time
// here (RUNS inputs each); `npm run fuzz` runs each for 10,000 and prints the figures.

const RUNS = 150;
const SEED = 15;

let server: FuzzServer & { close(): Promise<void> };
beforeAll(async () => {
  server = await startFuzzServer();
});
afterAll(async () => {
  await server?.close();
});

describe("fuzzing", () => {
  it.each(TARGETS.map((t) => [t.name, t] as const))("%s: no input is answered 500 or throws", async (_name, target) => {
    const report = await fuzzTarget(server, target, RUNS, SEED);
    console.log(`fuzz ${report.name}: ${report.runs} inputs, slowest ${report.slowest.ms.toFixed(1)} ms for ${report.slowest.bytes} bytes`);
    expect(report.failures.slice(0, 3)).toEqual([]);
    expect(report.runs).toBe(RUNS);
  });
});
