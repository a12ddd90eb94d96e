import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import type { CliIo } from "../src/cli/command.js";
import { INSTANCE_ID_SPAN } from "../src/store/index.js";
import { createClient } from "@clickhouse/client";
import { clickHouseTestUrl } from "./clickhouse.js";
import { clickHouseServerMissing, startClickHouseCluster, type StartedCluster } from "./clickhouse-servers.js";
import { FOLDER_EVENTS_ENV, startTestPendulum, TEST_APP_KEY, type TestPendulum } from "./harness.js";
import { testDatabaseFor, testPostgresUrl } from "./postgres.js";

/**
 * Server mode (ADR 0019): Pendulum with records on PostgreSQL and events on ClickHouse, fed
 * through the agent's endpoint, answers the same account report as a Pendulum on the data
 * folder's DuckDB given the same events. Runs under `npm run test:server-mode` (both servers set).
 */
const serverMode = testPostgresUrl() !== undefined && clickHouseTestUrl !== "";
const min = 60_000;
const now = Date.now();

type Rows = { id: string; values: Record<string, unknown> }[];

async function json<T>(res: Response): Promise<T> {
  const body = (await res.json()) as T;
  if (!res.ok) throw new Error(`${res.status} ${JSON.stringify(body)}`);
  return body;
}

const send = async (p: TestPendulum, visitor: string, account: string, events: Record<string, unknown>[]): Promise<void> => {
  const res = await fetch(`${p.url}/data/ingest?key=${TEST_APP_KEY}`, { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify({ visitor: { id: visitor }, account: { id: account, plan: "pro" }, events }) });
  expect(res.status).toBe(200);
};

const click = (ts: number, id: string) => ({ type: "click", ts, url: "https://app.example.com/reports/7?view=table", element: [{ tag: "span" }, { tag: "button", id, classes: ["btn"] }] });

/** The same traffic for both: ten events of three accounts and four visitors (loads, clicks, tracks, focus) over two days. */
async function sendTraffic(p: TestPendulum): Promise<void> {
  await send(p, "ann", "acct-a", [
    { type: "load", ts: now - 2 * 24 * 60 * min, url: "https://app.example.com/home" },
    { type: "load", ts: now - 40 * min, url: "https://app.example.com/reports/7?view=table" },
    click(now - 39 * min, "export"),
    click(now - 38 * min, "export"),
    click(now - 5 * min, "share"),
    { type: "track", ts: now - 4 * min, url: "https://app.example.com/reports/8", name: "report_exported" },
  ]);
  await send(p, "bob", "acct-a", [{ type: "load", ts: now - 20 * min, url: "https://app.example.com/reports/8" }]);
  await send(p, "cat", "acct-b", [
    { type: "load", ts: now - 24 * 60 * min, url: "https://app.example.com/home" },
    { type: "focus", ts: now - 24 * 60 * min + min, url: "https://app.example.com/home" },
  ]);
  await send(p, "dan", "acct-c", [{ type: "track", ts: now - 3 * min, url: "https://app.example.com/settings", name: "settings_saved" }]);
  await p.modules.analytics.settle();
}

/** A page and a feature defined after the events (retroactive), then the 30-day account report through the API. */
async function accountReport(p: TestPendulum): Promise<Rows> {
  const page = await json<{ id: string }>(await p.api("/api/v1/pages", { method: "POST", body: JSON.stringify({ name: "Reports", rules: ["/reports/*"] }) }));
  const feature = await json<{ id: string }>(await p.api("/api/v1/features", { method: "POST", body: JSON.stringify({ name: "Export", selector: "button#export" }) }));
  const report = await json<{ id: string }>(
    await p.api("/api/v1/reports", {
      method: "POST",
      body: JSON.stringify({ name: "Accounts", range: { last: 30 }, columns: ["visitors", "minutes", "daysActive", "lastVisit", "pageViews", "clicks", "featureClicks", "events", "visits", "visitorsEver", "firstVisit", "trackEvents", "trackEvents.report_exported", `pageViews.${page.id}`, `featureClicks.${feature.id}`, "agent.plan"] }),
    }),
  );
  const rows = (await json<{ rows: Rows }>(await p.api(`/api/v1/reports/${report.id}/results`))).rows;
  // The page and feature ids are each server's own; name the columns alike to compare.
  return rows.map((r) => ({ id: r.id, values: Object.fromEntries(Object.entries(r.values).map(([k, v]) => [k.replace(page.id, "PAGE").replace(feature.id, "FEATURE"), v])) }));
}

describe.skipIf(!serverMode)("server mode: records on PostgreSQL, events on ClickHouse", () => {
  let server: TestPendulum;
  let embedded: TestPendulum;
  beforeAll(async () => {
    server = await startTestPendulum();
    // Records on PostgreSQL, events in the folder's DuckDB (issue 17): the reference.
    embedded = await startTestPendulum({ env: FOLDER_EVENTS_ENV });
    await sendTraffic(server);
    await sendTraffic(embedded);
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await embedded?.close();
  });

  it("keeps events in ClickHouse under this folder's own block of ids, and no events.duckdb", async () => {
    expect(server.events.engine).toBe("clickhouse");
    expect(embedded.events.engine).toBe("duckdb");
    expect(fs.existsSync(path.join(server.dataDir, "events.duckdb"))).toBe(false);
    const registered = JSON.parse(fs.readFileSync(path.join(server.dataDir, "ingest-instance.json"), "utf8")) as { instance: number };
    expect(registered.instance).toBeGreaterThanOrEqual(1);
    const appId = server.modules.analytics.apps.list()[0]?.id as string;
    const events = await server.events.events({ appId });
    expect(events).toHaveLength(10);
    const base = registered.instance * INSTANCE_ID_SPAN;
    expect(events.map((e) => e.id)).toEqual(Array.from({ length: 10 }, (_, i) => base + 1 + i));
    for (const name of ["urls", "elements"] as const) {
      const entries = await server.events.dictionary(name);
      expect(entries.length).toBeGreaterThan(0);
      expect(entries.every((e) => e.id > base && e.id < base + INSTANCE_ID_SPAN)).toBe(true);
    }
    // The embedded one is instance 0: its ids are the plain counters they always were.
    const embeddedEvents = await embedded.events.events({ appId: embedded.modules.analytics.apps.list()[0]?.id as string });
    expect(embeddedEvents.map((e) => e.id)).toEqual(Array.from({ length: 10 }, (_, i) => 1 + i));
  });

  it("gives the same account report through /api/v1/reports as DuckDB over the same events", async () => {
    const fromClickHouse = await accountReport(server);
    const fromDuckDb = await accountReport(embedded);
    expect(fromClickHouse.map((r) => r.id)).toEqual(["acct-a", "acct-b", "acct-c"]);
    expect(fromClickHouse.find((r) => r.id === "acct-a")?.values).toMatchObject({ visitors: 2, pageViews: 3, clicks: 3, featureClicks: 2, "pageViews.PAGE": 2, "featureClicks.FEATURE": 2, "agent.plan": "pro" });
    expect(fromClickHouse).toEqual(fromDuckDb);
  });

  it("keeps its instance number and goes on numbering in its block after a restart on the same folder", async () => {
    const registered = JSON.parse(fs.readFileSync(path.join(server.dataDir, "ingest-instance.json"), "utf8")) as { instance: number };
    const dataDir = server.dataDir;
    await server.close();
    server = await startTestPendulum({ dataDir });
    await send(server, "eve", "acct-d", [{ type: "load", ts: now - min, url: "https://app.example.com/home" }]);
    await server.modules.analytics.settle();
    const appId = server.modules.analytics.apps.list()[0]?.id as string;
    const events = await server.events.events({ appId, visitorId: "eve" });
    expect(events.map((e) => e.id)).toEqual([registered.instance * INSTANCE_ID_SPAN + 11]);
    // A URL stored before the restart keeps its id.
    const home = (await server.events.dictionary("urls")).filter((e) => e.value === "https://app.example.com/home");
    expect(home).toHaveLength(1);
    expect(events[0]?.urlId).toBe(home[0]?.id);
  });

  it("gives a second data folder on the same workspace its own block", async () => {
    const other = await startTestPendulum({ env: { PENDULUM_DATABASE_URL: server.config.database.url as string, PENDULUM_CLICKHOUSE_DATABASE: server.config.clickhouse?.database as string } });
    try {
      const mine = JSON.parse(fs.readFileSync(path.join(server.dataDir, "ingest-instance.json"), "utf8")) as { instance: number };
      const its = JSON.parse(fs.readFileSync(path.join(other.dataDir, "ingest-instance.json"), "utf8")) as { instance: number };
      expect(its.instance).not.toBe(mine.instance);
      await send(other, "fay", "acct-a", [{ type: "load", ts: now - min, url: "https://app.example.com/home" }]);
      await other.modules.analytics.settle();
      const appId = other.modules.analytics.apps.list()[0]?.id as string;
      const [event] = await other.events.events({ appId, visitorId: "fay" });
      expect(event?.id).toBe(its.instance * INSTANCE_ID_SPAN + 1);
      // The URL the first process stored keeps its id here too (the dictionary loads every entry at start).
      const home = (await other.events.dictionary("urls")).filter((e) => e.value === "https://app.example.com/home");
      expect(event?.urlId).toBe(home[0]?.id);
      // Both processes' events are in the one workspace's report.
      const seen = await server.modules.analytics.apps.list()[0]?.id;
      expect(await server.events.count(seen)).toBe(12);
    } finally {
      await other.close();
    }
  });
});

async function start(env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: CliIo = { env, cwd: process.cwd(), out: (l) => (out += `${l}\n`), err: (l) => (err += `${l}\n`), stopped: Promise.resolve() };
  const code = await main(["start", "--port", "0"], io);
  return { code, out, err };
}

describe("refusing to start", () => {
  it("refuses ClickHouse without PostgreSQL, saying why", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-test-"));
    const r = await start({ PENDULUM_DATA_DIR: dataDir, PENDULUM_CLICKHOUSE_URL: "http://127.0.0.1:8123" });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/PENDULUM_CLICKHOUSE_URL: is set \(127\.0\.0\.1:8123\) but PENDULUM_DATABASE_URL is not: events on ClickHouse are shared by many Pendulum processes, and their records must be shared too/);
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });

  it("refuses a ClickHouse URL that is not one, naming the variable", async () => {
    const r = await start({ PENDULUM_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-test-")), PENDULUM_DATABASE_URL: "postgres://u:p@127.0.0.1:5432/x", PENDULUM_CLICKHOUSE_URL: "clickhouse.example.com:9000" });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^PENDULUM_CLICKHOUSE_URL: is not a URL \(expected http:\/\/host:8123\)/);
  });

  it.skipIf(testPostgresUrl() === undefined)("refuses an unreachable ClickHouse, naming the variable and host but never the password", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-test-"));
    const r = await start({
      PENDULUM_DATA_DIR: dataDir,
      PENDULUM_DATABASE_URL: await testDatabaseFor(dataDir, testPostgresUrl() as string),
      PENDULUM_CLICKHOUSE_URL: "http://127.0.0.1:1",
      PENDULUM_CLICKHOUSE_USER: "pendulum",
      PENDULUM_CLICKHOUSE_PASSWORD: "do-not-print-me",
    });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^PENDULUM_CLICKHOUSE_URL: cannot open ClickHouse at 127\.0\.0\.1:1 \(database pendulum\): /);
    expect(r.err).not.toContain("do-not-print-me");
    // Stopped before any store was made in the folder.
    expect(fs.existsSync(path.join(dataDir, "events.duckdb"))).toBe(false);
  });
});

// Server mode on a sharded ClickHouse (PENDULUM_CLICKHOUSE_CLUSTER and _SHARDS): two servers this
// test starts itself, events sharded by account, and the same report as DuckDB over the same events.
const shardsSkipped = !serverMode ? "not in server mode" : clickHouseServerMissing;
describe.skipIf(shardsSkipped !== undefined)(`server mode over two ClickHouse shards${shardsSkipped ? ` (skipped: ${shardsSkipped})` : ""}`, () => {
  let cluster: StartedCluster | undefined;
  let sharded: TestPendulum | undefined;
  let embedded: TestPendulum | undefined;
  beforeAll(async () => {
    cluster = await startClickHouseCluster(2, "pendulum_server_mode");
    sharded = await startTestPendulum({
      env: { PENDULUM_CLICKHOUSE_URL: cluster.urls[0] as string, PENDULUM_CLICKHOUSE_DATABASE: "pendulum_sharded", PENDULUM_CLICKHOUSE_CLUSTER: cluster.cluster, PENDULUM_CLICKHOUSE_SHARDS: cluster.urls.join(",") },
    });
    embedded = await startTestPendulum({ env: FOLDER_EVENTS_ENV });
    await sendTraffic(sharded);
    await sendTraffic(embedded);
  }, 180_000);
  afterAll(async () => {
    await sharded?.close();
    await embedded?.close();
    await cluster?.stop();
  });

  it("stores each account's events on one shard, both shards used, and reports as DuckDB does", async () => {
    const s = sharded as TestPendulum;
    expect(s.config.clickhouse?.cluster).toEqual({ name: "pendulum_server_mode", shards: cluster?.urls });
    const perShard: number[] = [];
    const accountsPerShard: string[][] = [];
    for (const url of cluster?.urls ?? []) {
      const client = createClient({ url, database: "pendulum_sharded" });
      try {
        const rows = await (await client.query({ query: "SELECT account_id, count() AS n FROM events_local GROUP BY account_id ORDER BY account_id", format: "JSONEachRow" })).json<{ account_id: string; n: string | number }>();
        perShard.push(rows.reduce((sum, r) => sum + Number(r.n), 0));
        accountsPerShard.push(rows.map((r) => r.account_id));
      } finally {
        await client.close();
      }
    }
    expect(perShard.reduce((a, b) => a + b, 0)).toBe(10);
    expect(perShard.every((n) => n > 0)).toBe(true);
    expect(accountsPerShard.flat().sort()).toEqual(["acct-a", "acct-b", "acct-c"]);
    expect(await accountReport(s)).toEqual(await accountReport(embedded as TestPendulum));
  });
});
