import { clickHouseEventsEngine } from "../src/analytics/events-engine.js";
import { copyEvents, dropClickHouseDatabase, openClickHouseEventStore, openDuckDbEventStore, type ClickHouseOptions } from "../src/store/index.js";
import { clickHouseServerMissing, startClickHouseCluster } from "../test/clickhouse-servers.js";
import { printFigure, seconds, type BenchOptions } from "./lib.js";

/**
 * Moving events to ClickHouse and sharding them (issue 18, builds 7 and 8). N generated events
 * (`--events N`; 200,000 at --scale small, 2,000,000 at full) over 30 days and 5,000 accounts in an
 * in-memory DuckDB store are copied with `copyEvents` (what `pendulum migrate-events` runs) into
 * one server (PENDULUM_TEST_CLICKHOUSE_URL, default http://127.0.0.1:8123) and into a two-shard
 * cluster this benchmark starts itself (two clickhouse-server processes on loopback ports, as the
 * two-shard test does; both on this machine, so the shards share its cores). Figures:
 * - shards.copy_events: events/s of the copy into one server, with the process's peak RSS;
 *   baseline the server inserting the same number of rows it generates itself (no client, no HTTP);
 * - shards.copy_events_2shards: the copy into the two shards, baseline the copy into one server;
 * - shards.rollup_build: rollups for every event on two shards, baseline on one server;
 * - shards.account_30d: the 30-day account report on two shards, baseline on one server.
 */
export async function run(o: BenchOptions): Promise<void> {
  if (clickHouseServerMissing) {
    console.error(`[bench] shards: skipped, ${clickHouseServerMissing}`);
    return;
  }
  const at = o.args.indexOf("--events");
  const n = at >= 0 ? Number(o.args[at + 1]) : o.scale === "small" ? 200_000 : 2_000_000;
  const accounts = 5_000;
  const visitors = 50_000;
  const t0 = Date.UTC(2024, 0, 1);
  const span = 30 * 86_400_000;
  const duck = await openDuckDbEventStore();
  await duck.connection.run(
    `INSERT INTO events SELECT i + 1, 'app1', CASE i % 5 WHEN 0 THEN 'load' WHEN 1 THEN 'click' WHEN 2 THEN 'focus' WHEN 3 THEN 'track' ELSE 'click' END,
       ${t0} + (i * ${span}) // ${n}, 'v' || (i * 7919 % ${visitors}), 'acct-' || (i * 7919 % ${visitors} % ${accounts}),
       CASE WHEN i % 5 = 3 THEN NULL ELSE (i % 50 + 1)::INTEGER END, CASE WHEN i % 5 IN (1, 4) THEN (i % 200 + 1)::INTEGER END,
       CASE WHEN i % 5 = 3 THEN 'event_' || (i % 5) END, NULL, 't', NULL, ${t0} + (i * ${span}) // ${n}
     FROM range(${n}) t(i)`,
  );
  await duck.append([], {
    urls: Array.from({ length: 50 }, (_, i) => ({ id: i + 1, value: `https://app.example.com/p${i + 1}/view` })),
    elements: Array.from({ length: 200 }, (_, i) => ({ id: i + 1, value: JSON.stringify([{ tag: "button", id: `b${i + 1}` }]) })),
  });
  const servers = await startClickHouseCluster(2, "pendulum_bench_shards");
  const single: ClickHouseOptions = { url: process.env.PENDULUM_TEST_CLICKHOUSE_URL ?? "http://127.0.0.1:8123", database: `pendulum_bench_shards_${process.pid}` };
  const sharded: ClickHouseOptions = { url: servers.urls[0] as string, database: "pendulum_bench", cluster: { name: servers.cluster, shards: servers.urls } };
  try {
    const oneStore = await openClickHouseEventStore(single);
    const twoStore = await openClickHouseEventStore(sharded);
    try {
      // Baseline: the server writes n rows it generates itself into a scratch copy of the events table.
      await oneStore.command("CREATE TABLE bench_events_scratch AS events");
      let start = performance.now();
      await oneStore.command(
        `INSERT INTO bench_events_scratch SELECT toInt64(number + 1), 'app1', 'load', toInt64(${t0} + intDiv(number * ${span}, ${n})), concat('v', toString(number % ${visitors})),
           concat('acct-', toString(number % ${accounts})), toUInt32(number % 50 + 1), NULL, NULL, NULL, 't', NULL, toInt64(${t0}) FROM numbers(${n})`,
      );
      const serverS = seconds(start);
      await oneStore.command("DROP TABLE bench_events_scratch");

      const copy = async (store: typeof oneStore): Promise<{ s: number; peakMb: number }> => {
        let peak = process.memoryUsage().rss;
        const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
        const s = performance.now();
        try {
          await copyEvents(duck, store, { batchRows: 10_000 });
        } finally {
          clearInterval(sample);
        }
        return { s: seconds(s), peakMb: Math.round(Math.max(peak, process.memoryUsage().rss) / 1048576) };
      };
      const one = await copy(oneStore);
      printFigure({ bench: "shards.copy_events", value: n / one.s, unit: "events/s", baseline: n / serverS, events: n, seconds: Math.round(one.s * 10) / 10, rss_mb: one.peakMb });
      const two = await copy(twoStore);
      printFigure({ bench: "shards.copy_events_2shards", value: n / two.s, unit: "events/s", baseline: n / one.s, events: n, seconds: Math.round(two.s * 10) / 10, rss_mb: two.peakMb });

      const engines = [clickHouseEventsEngine(oneStore), clickHouseEventsEngine(twoStore)] as const;
      const rollupS: number[] = [];
      for (const engine of engines) {
        await engine.ensureDerived();
        start = performance.now();
        await engine.updateRollups({ fromId: 0, toId: n });
        rollupS.push(seconds(start));
        for (let p = 1; p <= 10; p++) await engine.applyPageRule(`page-${p}`, [`/p${p}/*`]);
        for (let f = 1; f <= 10; f++) await engine.applyFeatureRule(`feature-${f}`, `button#b${f}`);
      }
      printFigure({ bench: "shards.rollup_build", value: rollupS[1] as number, unit: "s", baseline: rollupS[0] as number, events: n });
      const q = {
        appId: "app1", from: "2024-01-01", to: "2024-01-30", timeZone: "UTC", trackEventsCountAsActivity: false,
        pageIds: Array.from({ length: 10 }, (_, i) => `page-${i + 1}`), featureIds: Array.from({ length: 10 }, (_, i) => `feature-${i + 1}`),
      };
      const best = async (work: () => Promise<unknown>): Promise<number> => {
        let min = Number.POSITIVE_INFINITY;
        for (let i = 0; i < 3; i++) {
          const s = performance.now();
          await work();
          min = Math.min(min, seconds(s));
        }
        return min;
      };
      // Interleaved so load on the shared machine hits both alike.
      const oneReport = await best(() => engines[0].accountMetrics(q));
      const twoReport = await best(() => engines[1].accountMetrics(q));
      const [a, b] = [await engines[0].accountMetrics(q), await engines[1].accountMetrics(q)];
      const same = JSON.stringify(a) === JSON.stringify(b);
      printFigure({ bench: "shards.account_30d", value: twoReport, unit: "s", baseline: oneReport, events: n, accounts, same_rows: same });
    } finally {
      await twoStore.close();
      await oneStore.close();
    }
  } finally {
    await dropClickHouseDatabase(single).catch(() => undefined);
    await servers.stop();
    await duck.close();
  }
}
