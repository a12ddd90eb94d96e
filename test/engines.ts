import { clickHouseEventsEngine, duckDbEventsEngine, type EventsEngine } from "../src/analytics/events-engine.js";
import type { ClickHouseEventStore, StoredEvent } from "../src/store/index.js";
import type { RuleSet } from "../src/analytics/tagging/index.js";
import { openDuckDbEventStore } from "../src/store/events-duckdb.js";
import { clickHouseTestUrl, openTestClickHouseStore } from "./clickhouse.js";

/**
 * The event engines a test runs on: DuckDB always, ClickHouse when PENDULUM_TEST_CLICKHOUSE_URL
 * names a server (npm run test:server-mode). Use with `describe.each(testEngines)`; each `open`
 * gives a fresh, empty engine (ClickHouse: a database of its own, dropped by `close`).
 */
export type TestEngine = { name: "duckdb" | "clickhouse"; open(): Promise<EventsEngine & { close(): Promise<void> }> };

export const testEngines: TestEngine[] = [
  {
    name: "duckdb",
    async open() {
      const store = await openDuckDbEventStore();
      return Object.assign(duckDbEventsEngine(store), { close: () => store.close() });
    },
  },
  ...(clickHouseTestUrl === ""
    ? []
    : [
        {
          name: "clickhouse" as const,
          async open() {
            const store = await openTestClickHouseStore();
            return Object.assign(clickHouseEventsEngine(store), { close: () => store.close() });
          },
        },
      ]),
];

/** The start of the engine tests' traffic (a Tuesday morning in March 2024, UTC) and a minute. */
export const TRAFFIC_T0 = Date.UTC(2024, 2, 5, 8);
export const MINUTE = 60_000;

/**
 * Engine-test traffic in id order whose times jump back and forth, so later flushes land in
 * slots earlier flushes rolled up: loads, clicks, focus and tracks of `visitors` visitors over
 * `accounts` accounts (every 11th event anonymous, every 17th in app2), on the URL and element
 * ids of TRAFFIC_URLS and TRAFFIC_ELEMENTS.
 */
export function engineTraffic(n: number, { visitors, accounts }: { visitors: number; accounts: number }): StoredEvent[] {
  const out: StoredEvent[] = [];
  for (let i = 1; i <= n; i++) {
    const type = (["load", "click", "focus", "track", "load"] as const)[(i * 3) % 5] as StoredEvent["type"];
    out.push({
      id: i,
      appId: i % 17 === 0 ? "app2" : "app1",
      type,
      ts: TRAFFIC_T0 + ((i * 53) % 1500) * MINUTE + (i % 7) * 1000,
      visitorId: `v${(i * 5) % visitors}`,
      accountId: i % 11 === 0 ? "" : `acct-${(i * 3) % accounts}`,
      urlId: type === "track" ? null : 1 + (i % 3),
      elementId: type === "click" ? 1 + (i % 2) : null,
      name: type === "track" ? `t${i % 3}` : null,
      props: null,
      tabId: "t",
      title: null,
      receivedAt: TRAFFIC_T0,
    });
  }
  return out;
}

export const TRAFFIC_URLS = [1, 2, 3].map((id) => ({ id, value: `https://app.example.com/p${id}/view` }));
export const TRAFFIC_ELEMENTS = [1, 2].map((id) => ({ id, value: JSON.stringify([{ tag: "button", id: `b${id}` }, { tag: "body" }]) }));

/**
 * A fresh ClickHouse store and its engine with derived tables created and `rules` applied (the
 * ClickHouse rollup tests' setup); the store's database is dropped by `store.close()`.
 */
export async function openRuledClickHouseEngine(rules: RuleSet): Promise<{ store: ClickHouseEventStore; engine: EventsEngine }> {
  const store = await openTestClickHouseStore();
  const engine = clickHouseEventsEngine(store);
  await engine.ensureDerived();
  for (const p of rules.pages) await engine.applyPageRule(p.pageId, p.rules);
  for (const f of rules.features) await engine.applyFeatureRule(f.featureId, f.selector);
  return { store, engine };
}
