import { clickHouseEventsEngine, duckDbEventsEngine, type EventsEngine } from "../src/analytics/events-engine.js";
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
