import { createClient } from "@clickhouse/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clickHouseEventsEngine, duckDbEventsEngine, type EventsEngine } from "../src/analytics/events-engine.js";
import type { MetricsQuery } from "../src/analytics/metrics/index.js";
import type { RuleSet } from "../src/analytics/tagging/index.js";
import { copyEvents, openClickHouseEventStore, openDuckDbEventStore, type StoredEvent } from "../src/store/index.js";
import { clickHouseTestUrl, openTestClickHouseStore } from "./clickhouse.js";
import { engineTraffic, MINUTE, TRAFFIC_ELEMENTS, TRAFFIC_T0, TRAFFIC_URLS } from "./engines.js";
import { clickHouseServerMissing, startClickHouseCluster, type StartedCluster } from "./clickhouse-servers.js";

/**
 * Issue 18's "the two-shard test gives the same report as one server": two clickhouse-server
 * processes this file starts itself (own ports and folders, a remote_servers cluster naming
 * both), the events store sharded over them by account, the same events loaded through the same
 * engine calls into it and into one server (the test server), and every report the engine tests
 * compare must be equal. It runs with the other ClickHouse tests (npm run test:server-mode).
 */
const skipped = clickHouseServerMissing ?? (clickHouseTestUrl === "" ? "PENDULUM_TEST_CLICKHOUSE_URL is not set (run it with npm run test:server-mode)" : undefined);

const T0 = TRAFFIC_T0;
const MIN = MINUTE;
const traffic = (n: number): StoredEvent[] => engineTraffic(n, { visitors: 23, accounts: 14 });
const URLS = TRAFFIC_URLS;
const ELEMENTS = TRAFFIC_ELEMENTS;

/** The same history for every engine: rules first, flushes with their derived updates, a replayed flush, then rule edits (retroactive). */
async function load(engine: EventsEngine): Promise<void> {
  const events = traffic(900);
  let rules: RuleSet = { pages: [{ pageId: "p1", rules: ["/p1/*"] }], features: [{ featureId: "f2", selector: "button#b2" }] };
  await engine.recoverDerived(() => rules);
  await engine.applyPageRule("p1", ["/p1/*"]);
  await engine.applyFeatureRule("f2", "button#b2");
  let done = 0;
  for (const size of [1, 120, 300, 179, 300]) {
    const chunk = events.slice(done, done + size);
    const dictionaries = done === 0 ? { urls: URLS, elements: ELEMENTS } : {};
    await engine.store.append(chunk, dictionaries);
    const flushed = { fromId: done + 1, toId: done + size, newUrls: done === 0 ? URLS : [], newElements: done === 0 ? ELEMENTS : [] };
    await engine.afterFlush(flushed, rules);
    // A flush replayed after a crash: stored twice until a merge, counted once.
    if (size === 179 && engine.name === "clickhouse") {
      await engine.store.append(chunk, {});
      await engine.afterFlush(flushed, rules);
    }
    done += size;
  }
  await engine.applyPageRule("p1", ["/p2/*"]);
  await engine.applyPageRule("all", ["/**"]);
  await engine.applyFeatureRule("f1", "button#b1");
  await engine.removeFeature("f2");
  rules = { pages: [{ pageId: "p1", rules: ["/p2/*"] }, { pageId: "all", rules: ["/**"] }], features: [{ featureId: "f1", selector: "button#b1" }] };
  await engine.recoverDerived(() => rules);
}

const query: MetricsQuery = { appId: "app1", from: "2024-03-05", to: "2024-03-06", timeZone: "Europe/Berlin", trackEventsCountAsActivity: false };
const QUERIES: MetricsQuery[] = [
  query,
  { ...query, trackEventsCountAsActivity: true, timeZone: "America/New_York" },
  { ...query, pageIds: ["p1", "all"], featureIds: ["f1", "f2"], trackNames: ["t1", "t2"] },
];

describe.skipIf(skipped !== undefined)(`events over two ClickHouse shards${skipped ? ` (skipped: ${skipped})` : ""}`, () => {
  let servers: StartedCluster;
  beforeAll(async () => {
    servers = await startClickHouseCluster(2);
  }, 120_000);
  afterAll(async () => {
    await servers?.stop();
  }, 60_000);

  const shardClients = () => servers.urls.map((url) => createClient({ url, database: "pendulum_shards" }));

  it("gives the same reports as one server, with each account's events and rollups on one shard and the dictionaries on both", async () => {
    const cluster = { name: servers.cluster, shards: servers.urls };
    const sharded = clickHouseEventsEngine(await openClickHouseEventStore({ url: servers.urls[0] as string, database: "pendulum_shards", cluster }));
    const singleStore = await openTestClickHouseStore();
    const single = clickHouseEventsEngine(singleStore);
    const duckStore = await openDuckDbEventStore();
    const duck = duckDbEventsEngine(duckStore);
    const clients = shardClients();
    try {
      for (const engine of [sharded, single, duck]) await load(engine);

      for (const q of QUERIES) {
        const expected = await single.accountMetrics(q);
        expect(expected.ok && expected.rows.length).toBe(14);
        expect(await sharded.accountMetrics(q)).toEqual(expected);
        expect(await duck.accountMetrics(q)).toEqual(expected);
        expect(await sharded.rawAccountMetrics(q)).toEqual(await single.rawAccountMetrics(q));
        expect(await sharded.visitorMetrics(q)).toEqual(await single.visitorMetrics(q));
        expect(await sharded.rawVisitorMetrics(q)).toEqual(await single.rawVisitorMetrics(q));
        expect(await sharded.visitorMetrics({ ...q, accountId: "acct-4" })).toEqual(await single.visitorMetrics({ ...q, accountId: "acct-4" }));
      }
      const withBreakdown = await sharded.accountMetrics(QUERIES[2] as MetricsQuery);
      if (!withBreakdown.ok) throw new Error("report");
      // The edited page rule (now /p2/*) and the added feature reach the old events.
      expect(withBreakdown.rows.reduce((n, r) => n + (r.pageViewsByPage.p1 ?? 0), 0)).toBeGreaterThan(0);
      expect(withBreakdown.rows.reduce((n, r) => n + (r.featureClicksByFeature.f1 ?? 0), 0)).toBeGreaterThan(0);
      expect(withBreakdown.rows.reduce((n, r) => n + (r.featureClicksByFeature.f2 ?? 0), 0)).toBe(0);

      const sorted = (m: Map<string, number>): [string, number][] => [...m].sort(([a], [b]) => (a < b ? -1 : 1));
      for (const kind of ["account", "visitor"] as const) {
        for (const [event, id] of [["page", "p1"], ["feature", "f1"], ["track", "t1"]] as const) {
          const q = { appId: "app1", kind, event, id, fromSlot: Math.floor((T0 + 300 * MIN) / 900_000) };
          const counts = sorted(await single.behaviorCounts(q));
          expect(counts.length).toBeGreaterThan(0);
          expect(sorted(await sharded.behaviorCounts(q))).toEqual(counts);
        }
      }
      for (const q of [
        { appId: "app1", accountId: "acct-1", from: "2024-03-04", to: "2024-03-07", timeZone: "Europe/Berlin", trackEventsCountAsActivity: false },
        { appId: "app1", accountId: "acct-8", from: "2024-03-05", to: "2024-03-06", timeZone: "America/New_York", trackEventsCountAsActivity: true },
      ]) {
        expect(await sharded.accountUsage(q)).toEqual(await single.accountUsage(q));
      }
      for (const kind of ["pages", "features"] as const) expect(await sharded.definitionUsage("app1", kind, T0)).toEqual(await single.definitionUsage("app1", kind, T0));
      expect(await sharded.store.count()).toBe(900);
      expect(await sharded.store.maxEventId()).toBe(900);
      for (const appId of ["app1", "app2"]) expect(await sharded.store.events({ appId, visitorId: "v3" })).toEqual(await single.store.events({ appId, visitorId: "v3" }));

      // Where the rows are: every account on exactly one shard, both shards used, rollups beside their events.
      const perShard = await Promise.all(
        clients.map(async (c) => {
          const accounts = async (table: string): Promise<string[]> =>
            (await (await c.query({ query: `SELECT DISTINCT account_id AS a FROM ${table} ORDER BY a`, format: "JSONEachRow" })).json<{ a: string }>()).map((r) => r.a);
          const [urls] = await (await c.query({ query: "SELECT count() AS n FROM urls", format: "JSONEachRow" })).json<{ n: string }>();
          return { events: await accounts("events_local"), rollups: await accounts("rollup_activity_local"), urls: Number(urls?.n) };
        }),
      );
      const [one, two] = perShard as [(typeof perShard)[0], (typeof perShard)[0]];
      expect(one.events.length).toBeGreaterThan(0);
      expect(two.events.length).toBeGreaterThan(0);
      expect(one.events.filter((a) => two.events.includes(a))).toEqual([]);
      expect(one.events.length + two.events.length).toBe(15);
      expect(one.rollups.every((a) => one.events.includes(a))).toBe(true);
      expect(two.rollups.every((a) => two.events.includes(a))).toBe(true);
      expect([one.urls, two.urls]).toEqual([3, 3]);

      // Another process's store, which did not create the rollup tables itself, still writes a sharded table's row once.
      const other = await openClickHouseEventStore({ url: servers.urls[1] as string, database: "pendulum_shards", cluster });
      try {
        await other.insert("rollup_account_visitors", [{ app_id: "app9", account_id: "acct-x", visitor_id: "v-x" }]);
        await other.insert("urls", [{ id: 4, value: "https://app.example.com/p4/view" }]);
      } finally {
        await other.close();
      }
      const onShards = async (sql: string): Promise<number[]> =>
        Promise.all(clients.map(async (c) => Number((await (await c.query({ query: sql, format: "JSONEachRow" })).json<{ n: string }>())[0]?.n)));
      expect((await onShards("SELECT count() AS n FROM rollup_account_visitors_local WHERE app_id = 'app9'")).reduce((a, b) => a + b, 0)).toBe(1);
      expect(await onShards("SELECT count() AS n FROM urls WHERE id = 4")).toEqual([1, 1]);
    } finally {
      for (const c of clients) await c.close();
      await sharded.store.close();
      await singleStore.close();
      await duckStore.close();
    }
  }, 300_000);

  it("takes an embedded workspace's events through copyEvents (migrate-events) and then reports as DuckDB does", async () => {
    const duckStore = await openDuckDbEventStore();
    const duck = duckDbEventsEngine(duckStore);
    const cluster = { name: servers.cluster, shards: servers.urls };
    // Entered through the second shard this time: any server of the cluster serves.
    const store = await openClickHouseEventStore({ url: servers.urls[1] as string, database: "pendulum_shards_copy", cluster });
    try {
      await load(duck);
      expect(await copyEvents(duckStore, store, { batchRows: 128 })).toEqual({ urls: 3, elements: 2, events: 900 });
      const moved = clickHouseEventsEngine(store);
      const rules: RuleSet = { pages: [{ pageId: "p1", rules: ["/p2/*"] }, { pageId: "all", rules: ["/**"] }], features: [{ featureId: "f1", selector: "button#b1" }] };
      await moved.recoverDerived(() => rules);
      for (const q of QUERIES) {
        const expected = await duck.accountMetrics(q);
        expect(expected.ok && expected.rows.length).toBe(14);
        expect(await moved.accountMetrics(q)).toEqual(expected);
      }
    } finally {
      await store.close();
      await duckStore.close();
    }
  }, 300_000);

  it("refuses a cluster the server does not know, and a shard list that does not match the cluster", async () => {
    const url = servers.urls[0] as string;
    await expect(openClickHouseEventStore({ url, database: "pendulum_refused", cluster: { name: "no_such_cluster", shards: servers.urls } })).rejects.toThrow(
      `PENDULUM_CLICKHOUSE_CLUSTER: the ClickHouse server at ${url} has no cluster "no_such_cluster" in its remote_servers config`,
    );
    await expect(openClickHouseEventStore({ url, database: "pendulum_refused", cluster: { name: servers.cluster, shards: [url] } })).rejects.toThrow(
      `PENDULUM_CLICKHOUSE_SHARDS lists 1 shard URLs but the cluster "${servers.cluster}" has 2 shards`,
    );
  });
});
