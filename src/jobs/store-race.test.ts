import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it as vitestIt } from "vitest";
import { testDatabaseFor, testPostgresUrl } from "../../test/postgres.js";
import { migrateRecords, openRecords, type Records, type RecordsOptions } from "../store/index.js";
import { createJobStore, jobsMigrations } from "./store.js";

const opened: Records[] = [];
afterEach(async () => {
  for (const r of opened.splice(0)) await r.close();
});

/** Two separate connections (two pools on PostgreSQL, two handles on one SQLite file), as two processes would hold. */
async function twoConnections(engine: "sqlite" | "postgres"): Promise<[Records, Records]> {
  const server = testPostgresUrl();
  let options: RecordsOptions;
  if (engine === "postgres" && server) {
    options = { engine: "postgres", url: await testDatabaseFor(`jobs race ${process.pid} ${Date.now()}`, server), poolSize: 8 };
  } else {
    options = { engine: "sqlite", file: path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-race-")), "records.sqlite") };
  }
  const a = await openRecords(options);
  opened.push(a);
  await migrateRecords(a, [jobsMigrations]);
  const b = await openRecords(options);
  opened.push(b);
  return [a, b];
}

// Both engines always, PostgreSQL skipped under `npm test`: the suite counts as many tests either way.
describe.each(["sqlite", "postgres"] as const)("job locks from two connections on %s", (engine) => {
  const it = engine === "postgres" && !testPostgresUrl() ? vitestIt.skip : vitestIt;
  it("exactly one of two racing runs takes each lock, and exactly one takes over an expired lock", async () => {
    const [a, b] = await twoConnections(engine);
    const stores = [createJobStore(a), createJobStore(b)];
    const jobs = Array.from({ length: 25 }, (_, i) => `job-${i}`);
    const race = async (now: number): Promise<number[]> =>
      Promise.all(
        jobs.map(async (job) => {
          // Four contenders per job, two on each connection, all sent before any answers.
          const won = await Promise.all([0, 1, 2, 3].map((k) => (stores[k % 2] as (typeof stores)[number]).lock(job, `owner-${k}`, now, 1000)));
          return won.filter(Boolean).length;
        }),
      );
    expect(await race(10_000)).toEqual(jobs.map(() => 1));
    // Still held: nobody takes it.
    expect(await race(10_500)).toEqual(jobs.map(() => 0));
    // Expired: one contender takes it over.
    expect(await race(11_000)).toEqual(jobs.map(() => 1));
  });
});
