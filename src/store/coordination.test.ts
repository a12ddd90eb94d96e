import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { testDatabaseFor, testPostgresUrl } from "../../test/postgres.js";
import { openCoordination, type Coordination } from "./coordination.js";
import { openRecords, type Records, type RecordsOptions } from "./records.js";

const server = testPostgresUrl();
const opened: (Records | Coordination)[] = [];
afterEach(async () => {
  for (const o of opened.splice(0).reverse()) await o.close();
});

const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await wait(25);
  }
}

/** One "process": its own records pool and coordination connection on the shared database. */
async function processOn(options: RecordsOptions): Promise<{ c: Coordination; heard: string[]; resyncs: () => number }> {
  const records = await openRecords(options);
  opened.push(records);
  const c = await openCoordination(options, records, { leaderCheckMs: 100, maxReconnectMs: 200 });
  opened.push(c);
  const heard: string[] = [];
  let resyncs = 0;
  c.onMessage((name) => heard.push(name));
  c.onResync(() => void resyncs++);
  return { c, heard, resyncs: () => resyncs };
}

it("alone on SQLite: leads, and its signals stay inside it", async () => {
  const options: RecordsOptions = { engine: "sqlite", memory: true };
  const { c } = await processOn(options);
  expect([c.shared, c.isLeader()]).toEqual([false, true]);
});

describe.skipIf(!server)("coordination on PostgreSQL", () => {
  it("one of two processes leads; signals reach the other and not the sender; a cut leader is replaced and the cut one reconnects and resyncs", async () => {
    const url = await testDatabaseFor(`coordination ${process.pid} ${Date.now()}`, server as string);
    const options: RecordsOptions = { engine: "postgres", url };
    const a = await processOn(options);
    const b = await processOn(options);
    expect([a.c.isLeader(), b.c.isLeader()]).toEqual([true, false]);

    a.c.broadcast("rule-ran");
    await until("b hears a's signal", () => b.heard.length === 1);
    await wait(200);
    expect([a.heard, b.heard]).toEqual([[], ["rule-ran"]]);

    // Cut the leader's session from the server side, as a network failure or a killed process would.
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const held = await admin.query<{ pid: number }>("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");
      expect(held.rows).toHaveLength(1);
      await admin.query("SELECT pg_terminate_backend($1)", [held.rows[0]?.pid]);
    } finally {
      await admin.end();
    }
    await until("b to lead", () => b.c.isLeader());
    expect(a.c.isLeader()).toBe(false);
    await until("a to reconnect and resync", () => a.resyncs() === 1);
    expect(a.c.isLeader()).toBe(false);

    // Signals flow again both ways on the new connection.
    b.c.broadcast("crm-pulled");
    a.c.broadcast("crm-tokens-revoked");
    await until("both hear the other", () => a.heard.includes("crm-pulled") && b.heard.includes("crm-tokens-revoked"));

    // The leader closes (a clean stop): the other leads at its next check.
    await b.c.close();
    await until("a to lead again", () => a.c.isLeader());
  }, 60_000);

  it("refuses to start, naming the setting, when the coordination connection cannot be made", async () => {
    const bad = new URL(server as string);
    bad.password = "wrong-password";
    bad.pathname = "/postgres";
    const records = await openRecords({ engine: "sqlite", memory: true });
    opened.push(records);
    await expect(openCoordination({ engine: "postgres", url: bad.toString() }, records)).rejects.toThrow(/PENDULUM_DATABASE_URL: cannot open the coordination connection to/);
  });
});
