import { clickHouseEventsEngine } from "../src/analytics/events-engine.js";
import { dropClickHouseDatabase, openClickHouseEventStore } from "../src/store/index.js";
import { printFigure, seconds, type BenchOptions } from "./lib.js";

/**
 * Events on ClickHouse (ADR 0017): N generated events over 30 days (`--events N`; 500,000 at
 * --scale small, 20 M at full) and 5,000 accounts, in a database of its own on
 * PENDULUM_TEST_CLICKHOUSE_URL (default http://127.0.0.1:8123), dropped afterwards. Figures:
 * - clickhouse.rollup_build: the flusher-written rollups for every event in one update;
 * - clickhouse.flush_rollups: rollups of five 10,000-event flushes on top (the steady state);
 * - clickhouse.account_30d: the 30-day account report over rollups, baseline the same report
 *   over raw events in the same run;
 * - clickhouse.mv_insert: inserting the events into a copy of the events table with an
 *   AggregatingMergeTree materialised view attached, baseline the same insert without it (what
 *   maintaining rollups by view would add to every ingest insert).
 */
export async function run(o: BenchOptions): Promise<void> {
  const at = o.args.indexOf("--events");
  const n = at >= 0 ? Number(o.args[at + 1]) : o.scale === "small" ? 500_000 : 20_000_000;
  const accounts = 5_000;
  const visitors = 50_000;
  const options = { url: process.env.PENDULUM_TEST_CLICKHOUSE_URL ?? "http://127.0.0.1:8123", database: `pendulum_bench_${process.pid}` };
  const store = await openClickHouseEventStore(options);
  const engine = clickHouseEventsEngine(store);
  try {
    await engine.ensureDerived();
    const t0 = Date.UTC(2024, 0, 1);
    const span = 30 * 86_400_000;
    let start = performance.now();
    await store.command(
      `INSERT INTO events SELECT toInt64(number + 1) AS id, 'app1' AS app_id, arrayElement(['load', 'click', 'focus', 'track', 'click'], number % 5 + 1) AS type,
         toInt64(${t0} + intDiv(number * ${span}, ${n})) AS ts, concat('v', toString(number * 7919 % ${visitors})) AS visitor_id,
         concat('acct-', toString(number * 7919 % ${visitors} % ${accounts})) AS account_id,
         if(type = 'track', NULL, toUInt32(number % 50 + 1)) AS url_id, if(type = 'click', toUInt32(number % 200 + 1), NULL) AS element_id,
         if(type = 'track', concat('event_', toString(number % 5)), NULL) AS name, NULL AS props, 't' AS tab_id, NULL AS title, ts AS received_at
       FROM numbers(${n})`,
    );
    const loadS = seconds(start);
    await store.insert("urls", Array.from({ length: 50 }, (_, i) => ({ id: i + 1, value: `https://app.example.com/p${i + 1}/view` })));
    await store.insert("elements", Array.from({ length: 200 }, (_, i) => ({ id: i + 1, value: JSON.stringify([{ tag: "button", id: `b${i + 1}` }]) })));
    start = performance.now();
    await engine.updateRollups({ fromId: 0, toId: n });
    const rollupS = seconds(start);
    printFigure({ bench: "clickhouse.rollup_build", value: rollupS, unit: "s", events: n, events_per_s: Math.round(n / rollupS), load_s: Math.round(loadS * 10) / 10 });
    // What the flusher does every second: 10,000 new events (the latest minutes), then their rollups.
    const flushes = 5;
    const chunk = 10_000;
    let flushS = 0;
    for (let f = 0; f < flushes; f++) {
      const first = n + f * chunk;
      await store.command(
        `INSERT INTO events SELECT toInt64(${first} + number + 1) AS id, 'app1' AS app_id, arrayElement(['load', 'click', 'focus', 'track', 'click'], number % 5 + 1) AS type,
           toInt64(${t0 + span - 3_600_000 + f * 60_000} + number) AS ts, concat('v', toString(number * 7919 % ${visitors})) AS visitor_id,
           concat('acct-', toString(number * 7919 % ${visitors} % ${accounts})) AS account_id,
           if(type = 'track', NULL, toUInt32(number % 50 + 1)) AS url_id, if(type = 'click', toUInt32(number % 200 + 1), NULL) AS element_id,
           if(type = 'track', concat('event_', toString(number % 5)), NULL) AS name, NULL AS props, 't' AS tab_id, NULL AS title, ts AS received_at
         FROM numbers(${chunk})`,
      );
      start = performance.now();
      await engine.updateRollups({ fromId: first, toId: first + chunk });
      flushS += seconds(start);
    }
    printFigure({ bench: "clickhouse.flush_rollups", value: (flushes * chunk) / flushS, unit: "events/s", events_before: n, per_flush_s: Math.round((flushS / flushes) * 1000) / 1000 });
    for (let p = 1; p <= 10; p++) await engine.applyPageRule(`page-${p}`, [`/p${p}/*`]);
    for (let f = 1; f <= 10; f++) await engine.applyFeatureRule(`feature-${f}`, `button#b${f}`);
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
    const rolled = await best(() => engine.accountMetrics(q));
    const raw = await best(() => engine.rawAccountMetrics(q));
    printFigure({ bench: "clickhouse.account_30d", value: rolled, unit: "s", baseline: raw, events: n, accounts });
    // The alternative: rollups kept by a materialised view on every insert.
    await store.command("CREATE TABLE events_copy AS events");
    start = performance.now();
    await store.command("INSERT INTO events_copy SELECT * FROM events");
    const plain = seconds(start);
    await store.command("DROP TABLE events_copy");
    await store.command("CREATE TABLE events_copy AS events");
    await store.command(
      `CREATE MATERIALIZED VIEW rollup_view ENGINE = AggregatingMergeTree PARTITION BY intDiv(slot, 2880) ORDER BY (app_id, slot, account_id, visitor_id) AS
       SELECT app_id, account_id, visitor_id, toInt32(intDiv(ts, 900000)) AS slot, countState() AS events, sumState(toUInt32(type = 'load')) AS loads,
              groupBitOrState(bitShiftLeft(toUInt16(1), toUInt8(intDiv(ts, 60000) % 15))) AS mask, minState(ts) AS first_ts
       FROM events_copy GROUP BY app_id, account_id, visitor_id, slot`,
    );
    start = performance.now();
    await store.command("INSERT INTO events_copy SELECT * FROM events");
    const withView = seconds(start);
    printFigure({ bench: "clickhouse.mv_insert", value: withView, unit: "s", baseline: plain, events: n });
  } finally {
    await store.close();
    await dropClickHouseDatabase(options);
  }
}
