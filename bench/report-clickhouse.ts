import { rebuildClickHouseRollups } from "../src/analytics/clickhouse/rollups.js";
import { clickHouseEventsEngine, type EventsEngine } from "../src/analytics/events-engine.js";
import type { AccountMetricsRow, MetricsQuery, MetricsResult } from "../src/analytics/metrics/index.js";
import { chLiteral, dropClickHouseDatabase, openClickHouseEventStore, type ClickHouseEventStore, type ClickHouseOptions } from "../src/store/index.js";
import { loadAverage, printFigure, round, seconds } from "./lib.js";

/**
 * The report benchmark's data on ClickHouse (`npm run bench -- report --engine clickhouse`):
 * the same sessions as DuckDB's `eventsSql` (report.bench.ts) — 25 events a session, 90 days,
 * the same seed, streams and distributions — generated inside ClickHouse with
 * `INSERT … SELECT … FROM numbers(N)`, so no event passes through Node. DuckDB's `hash()` has no
 * twin in ClickHouse (sipHash64 here), so the two engines' events are alike in every count and
 * distribution, not value for value; each engine's report is checked against its own raw-events
 * report.
 */

export type ClickHouseScale = { events: number; accounts: number; visitors: number; urls: number; elements: number };
export type ClickHouseShape = { seed: number; start: number; day: number; eventsPerSession: number };

const rnd = (shape: ClickHouseShape, m: number, stream: number, withJ = true): string => `(sipHash64(s, ${withJ ? "j" : "0"}, ${stream}, ${shape.seed}) % ${m})`;

/**
 * DuckDB's eventsSql, written in the SQL ClickHouse 18.16 and current releases share. `first` and
 * `count` pick event numbers (default: all of the scale's events); later numbers continue the
 * sessions past the 90 days.
 */
export function clickHouseEventsSql(s: ClickHouseScale, shape: ClickHouseShape, o: { appId?: string; first?: number; count?: number } = {}): string {
  const per = shape.eventsPerSession;
  const sessions = s.events / per;
  const spacing = Math.floor((90 * shape.day) / sessions);
  const kind = rnd(shape, 100, 5);
  return `
    INSERT INTO events (id, app_id, type, ts, visitor_id, account_id, url_id, element_id, name, props, tab_id, title, received_at)
    SELECT toInt64(s * ${per} + j + 1), ${chLiteral(o.appId ?? "app1")}, type, ts, concat('v', toString(visitor)), account, url_id, element_id, name, NULL,
           concat('t', toString(${rnd(shape, 2, 6)})), NULL, ts
    FROM (
      SELECT s, j, visitor,
             concat('a', toString(if(${rnd(shape, 100, 7, false)} < 2, (visitor + 1) % ${s.accounts}, visitor % ${s.accounts}))) AS account,
             toInt64(${shape.start} + s * ${spacing} + j * 40000 + ${rnd(shape, 40_000, 3)}) AS ts,
             ${kind} AS kind,
             multiIf(j = 0 OR kind < 15, 'load', kind < 45, 'click', kind < 93, 'focus', 'track') AS type,
             if(type = 'track', NULL, toUInt32(1 + ${rnd(shape, s.urls, 4)})) AS url_id,
             if(type = 'click', toUInt32(1 + floor(${s.elements} * pow(${rnd(shape, 1_000_000, 8)} / 1e6, 3))), NULL) AS element_id,
             if(type = 'track', concat('event_', toString(${rnd(shape, 20, 9)})), NULL) AS name
      FROM (SELECT s, j, ${rnd(shape, s.visitors, 1, false)} AS visitor
            FROM (SELECT intDiv(n, ${per}) AS s, n % ${per} AS j FROM (SELECT number + ${o.first ?? 0} AS n FROM numbers(${o.count ?? s.events}))))
    )`;
}

export type ClickHouseReportRun = {
  engine: EventsEngine;
  store: ClickHouseEventStore;
  options: ClickHouseOptions;
  generateS: number;
  rebuildS: number;
  rollupRows: number;
  reused: boolean;
};

/**
 * Opens (or with `reuse`, reopens) the benchmark's ClickHouse database on
 * PENDULUM_TEST_CLICKHOUSE_URL (default http://127.0.0.1:8123): events generated in the server,
 * dictionaries inserted, rollups built by one set-based rebuild.
 */
export async function prepareClickHouse(
  s: ClickHouseScale,
  shape: ClickHouseShape,
  dictionaries: { urls: { id: number; value: string }[]; elements: { id: number; value: string }[] },
  database: string,
  reuse: boolean,
  log: (m: string) => void,
): Promise<ClickHouseReportRun> {
  // Generating 20 M events and rebuilding their rollups take minutes per statement.
  const options = { url: process.env["PENDULUM_TEST_CLICKHOUSE_URL"] ?? "http://127.0.0.1:8123", database, requestTimeoutMs: 3_600_000 };
  if (!reuse) await dropClickHouseDatabase(options);
  const store = await openClickHouseEventStore(options);
  const engine = clickHouseEventsEngine(store);
  await engine.ensureDerived();
  let generateS = 0;
  let rebuildS = 0;
  if (!reuse) {
    const t = performance.now();
    await store.append([], dictionaries);
    await store.command(clickHouseEventsSql(s, shape));
    generateS = seconds(t);
    log(`clickhouse: generated ${s.events} events in ${generateS.toFixed(1)} s`);
  }
  // A kept database whose rollups were never built (a run stopped after generating) gets them now.
  const [built] = await store.rows<{ n: string }>("SELECT count() AS n FROM rollup_activity");
  const rebuild = !reuse || Number(built?.n ?? 0) === 0;
  if (rebuild) {
    const t = performance.now();
    await rebuildClickHouseRollups(store);
    rebuildS = seconds(t);
  }
  const events = await store.count("app1");
  if (events !== s.events) throw new Error(`clickhouse: ${database} holds ${events} events, not ${s.events}`);
  const [counted] = await store.rows<{ n: string }>(
    "SELECT (SELECT count() FROM rollup_activity) + (SELECT count() FROM rollup_urls) + (SELECT count() FROM rollup_elements) + (SELECT count() FROM rollup_tracks) AS n",
  );
  const rollupRows = Number(counted?.n ?? 0);
  log(`clickhouse: ${rebuild ? "built" : "reused"} rollups (${rollupRows} rows) in ${rebuildS.toFixed(1)} s`);
  return { engine, store, options, generateS, rebuildS, rollupRows, reused: reuse };
}

export async function unwrapRows(p: Promise<MetricsResult<AccountMetricsRow>>): Promise<AccountMetricsRow[]> {
  const r = await p;
  if (!r.ok) throw new Error(r.error.message);
  return r.rows;
}

export type { MetricsQuery };

/** What the DuckDB pass hands the ClickHouse pass: the same data shape, rules and query. */
export type ClickHousePass = {
  scale: ClickHouseScale;
  shape: ClickHouseShape;
  label: string;
  dictionaries: { urls: { id: number; value: string }[]; elements: { id: number; value: string }[] };
  pageRules: { id: string; rules: string[] }[];
  featureRules: { id: string; selector: string }[];
  query: MetricsQuery;
  /** DuckDB's report figure from this run (seconds, median), when its pass ran. */
  duckdb?: { value: number; baseline: number; loadAvg: number[] };
  /** `--keep-clickhouse=DB` keeps the database; `--reuse-clickhouse=DB` reopens a kept one. */
  keep?: string;
  reuse?: string;
  log(m: string): void;
  timed<T>(runs: number, f: () => Promise<T>): Promise<{ median: number; last: T; times: number[] }>;
  assertSame(a: AccountMetricsRow[], b: AccountMetricsRow[]): void;
};

/**
 * The ClickHouse pass: report.account_30d over ClickHouse's rollups with the same report over raw
 * events as baseline (rows checked equal), then clickhouse.flush_rollups: five 10,000-event
 * flushes of new sessions through the flusher's path (`updateRollups` for the flush's id range)
 * on top of the full table, as a server does every second. The flushed events go to another app,
 * so a kept database still holds exactly the report's events.
 */
/**
 * Waits, up to two minutes, until the server runs no background merge: a pass just before (an
 * ingest into the same server, a rebuild) leaves parts to merge, and their CPU would be timed
 * as the report's on a 2-core machine. Returns how many seconds it waited.
 */
async function settleMerges(store: ClickHouseEventStore, log: (m: string) => void): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < 120; i++) {
    const [r] = await store.rows<{ n: unknown }>("SELECT count() AS n FROM system.merges");
    if (Number(r?.n ?? 0) === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const waited = seconds(started);
  if (waited >= 1) log(`clickhouse: waited ${waited.toFixed(0)} s for background merges to finish`);
  return waited;
}

export async function runClickHousePass(p: ClickHousePass): Promise<void> {
  const database = p.reuse ?? p.keep ?? `pendulum_bench_${process.pid}`;
  const run = await prepareClickHouse(p.scale, p.shape, p.dictionaries, database, p.reuse !== undefined, p.log);
  const { engine, store } = run;
  try {
    for (const r of p.pageRules) await engine.applyPageRule(r.id, r.rules);
    for (const r of p.featureRules) await engine.applyFeatureRule(r.id, r.selector);
    const merges = await settleMerges(store, p.log);
    const t0 = performance.now();
    await unwrapRows(engine.accountMetrics(p.query));
    const cold = seconds(t0);
    for (let i = 0; i < 2; i++) await unwrapRows(engine.accountMetrics(p.query));
    const load = loadAverage();
    const report = await p.timed(7, () => unwrapRows(engine.accountMetrics(p.query)));
    const baseline = await p.timed(3, () => unwrapRows(engine.rawAccountMetrics(p.query)));
    p.assertSame(report.last, baseline.last);
    printFigure({
      bench: "report.account_30d",
      engine: "clickhouse",
      value: report.median,
      unit: "s",
      baseline: baseline.median,
      ...(p.duckdb ? { duckdb_value: round(p.duckdb.value), duckdb_baseline: round(p.duckdb.baseline), duckdb_load_avg: p.duckdb.loadAvg } : {}),
      load_avg: load,
      scale: p.label,
      events: p.scale.events,
      accounts: report.last.length,
      active_accounts: report.last.filter((r) => r.visitors > 0).length,
      rollup_rows: run.rollupRows,
      generate_s: round(run.generateS),
      rollup_rebuild_s: round(run.rebuildS),
      stat: "median of 7 (baseline: of 3)",
      runs_s: report.times.map(round),
      cold_s: round(cold),
      goal: "<= 1 s, ratio <= 0.25",
      merges_waited_s: round(merges),
    });

    // The steady state: new sessions at the end of the range, 10,000 events a flush.
    const flushes = 5;
    const chunk = 10_000;
    let flushS = 0;
    let slots = 0;
    for (let f = 0; f < flushes; f++) {
      const first = p.scale.events + f * chunk;
      await store.command(clickHouseEventsSql(p.scale, p.shape, { appId: "app-flush", first, count: chunk }));
      const t = performance.now();
      slots += (await engine.updateRollups({ fromId: first, toId: first + chunk })).slots;
      flushS += seconds(t);
    }
    printFigure({
      bench: "clickhouse.flush_rollups",
      value: (flushes * chunk) / flushS,
      unit: "events/s",
      per_flush_s: round(flushS / flushes),
      slots_per_flush: Math.round(slots / flushes),
      events_before: p.scale.events,
      load_avg: loadAverage(),
    });
  } finally {
    await store.close();
    // A kept database is reused as is: its flush events (another app) come again with the same
    // ids next time, a replayed flush, which the report's app never sees.
    if (p.keep === undefined && p.reuse === undefined) await dropClickHouseDatabase(run.options);
  }
}
