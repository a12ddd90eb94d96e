// A scheduled tick that cannot read the schedules (here: its records database closed under it, as a
// database restart would look) is reported and retried; it must not reject unhandled, which would
// end the server process (vitest fails a file on an unhandled rejection, so this test can fail).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { migrateRecords, openRecords } from "../store/index.js";
import { createJobRunner } from "./runner.js";
import { createJobStore, jobsMigrations } from "./store.js";

describe("the jobs runner's schedule tick", () => {
  it("reports a failed tick and keeps ticking", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-tick-"));
    const records = await openRecords({ engine: "sqlite", file: path.join(dir, "records.sqlite") });
    await migrateRecords(records, [jobsMigrations]);
    const logged: string[] = [];
    const runner = createJobRunner({ store: createJobStore(records), clock: Date.now, handlers: () => ({}), log: (m) => logged.push(m), tickMs: 20 });
    await runner.start();
    await records.close();
    const deadline = Date.now() + 10_000;
    while (logged.filter((l) => l.includes("checking the schedules failed")).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await runner.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    expect(logged.filter((l) => l.includes("checking the schedules failed")).length).toBeGreaterThanOrEqual(2);
  });
});
