import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it as vitestIt } from "vitest";
import { testDatabaseFor, testPostgresUrl } from "../../test/postgres.js";
import { createLeases, leaseMigrations, type Leases } from "./leases.js";
import { migrateRecords, openRecords, type Records, type RecordsOptions } from "./records.js";

const opened: Records[] = [];
const leases: Leases[] = [];
afterEach(async () => {
  for (const l of leases.splice(0)) l.stop();
  for (const r of opened.splice(0)) await r.close();
});

/** Two processes' worth of leases: two connections (pools) on one database, each with its own instance id. */
async function twoProcesses(engine: "sqlite" | "postgres", clock: () => number, ttlMs = 1000): Promise<[Leases, Leases]> {
  const server = testPostgresUrl();
  const options: RecordsOptions =
    engine === "postgres" && server
      ? { engine: "postgres", url: await testDatabaseFor(`leases ${process.pid} ${Date.now()}`, server), poolSize: 8 }
      : { engine: "sqlite", file: path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-leases-")), "records.sqlite") };
  const a = await openRecords(options);
  opened.push(a);
  await migrateRecords(a, [leaseMigrations]);
  const b = await openRecords(options);
  opened.push(b);
  const pair: [Leases, Leases] = [createLeases(a, "process-a", clock, ttlMs), createLeases(b, "process-b", clock, ttlMs)];
  leases.push(...pair);
  return pair;
}

// Both engines always, PostgreSQL skipped under `npm test`: the suite counts as many tests either way.
describe.each(["sqlite", "postgres"] as const)("leases from two processes on %s", (engine) => {
  const it = engine === "postgres" && !testPostgresUrl() ? vitestIt.skip : vitestIt;
  it("exactly one of many racing takers gets each lease; it is refused while held, free once released, and taken over once lapsed", async () => {
    let now = 10_000;
    const [a, b] = await twoProcesses(engine, () => now);
    const names = Array.from({ length: 20 }, (_, i) => `rule:${i}`);
    const race = () => Promise.all(names.map(async (n) => (await Promise.all([a, b, a, b].map((l) => l.take(n)))).filter((x) => x !== undefined)));
    const first = await race();
    expect(first.map((won) => won.length)).toEqual(names.map(() => 1));
    expect((await race()).map((won) => won.length)).toEqual(names.map(() => 0));
    // Released: free again at once.
    await (first[0]?.[0] as { release(): Promise<void> }).release();
    expect(await a.take("rule:0")).toBeDefined();
    // A holder that stopped renewing (a killed process): its leases lapse after their time.
    now += 1000;
    expect((await race()).map((won) => won.length)).toEqual(names.map(() => 1));
  });

  it("hold() runs the work once and answers busy elsewhere while it runs", async () => {
    const [a, b] = await twoProcesses(engine, Date.now);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const running = a.hold("sync-run", async () => {
      await gate;
      return "ran";
    }, () => "busy");
    await new Promise((r) => setTimeout(r, 50));
    expect(await b.hold("sync-run", async () => "ran", () => "busy")).toBe("busy");
    release();
    expect(await running).toBe("ran");
    expect(await b.hold("sync-run", async () => "ran", () => "busy")).toBe("ran");
  });

  it("a held lease is renewed while its holder lives, so it does not lapse under a live run", async () => {
    const [a, b] = await twoProcesses(engine, Date.now, 2000);
    const lease = await a.take("rule:long");
    expect(lease).toBeDefined();
    // Two and a half lease lengths later, renewed every third of one, it is still held.
    await new Promise((r) => setTimeout(r, 5000));
    expect(await b.take("rule:long")).toBeUndefined();
    await lease?.release();
    expect(await b.take("rule:long")).toBeDefined();
  }, 20_000);
});
