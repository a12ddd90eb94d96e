import { randomBytes } from "node:crypto";
import { dropClickHouseDatabase, openClickHouseEventStore, type ClickHouseEventStore, type ClickHouseOptions } from "../src/store/events-clickhouse.js";

/**
 * ClickHouse for tests: set PENDULUM_TEST_CLICKHOUSE_URL (npm run test:server-mode does) and the
 * ClickHouse variants of the engine tests run. Each store opened here lives in its own database,
 * pendulum_t_<random>, dropped when the store is closed, so test files run side by side.
 */
export const clickHouseTestUrl = process.env.PENDULUM_TEST_CLICKHOUSE_URL ?? "";

const run = /^[a-z0-9]{1,16}$/.test(process.env.PENDULUM_TEST_CLICKHOUSE_RUN ?? "") ? `${process.env.PENDULUM_TEST_CLICKHOUSE_RUN}_` : "";

/** Options for a fresh test database on the test server. */
export function testClickHouseOptions(): ClickHouseOptions {
  return {
    url: clickHouseTestUrl,
    // The run's prefix (scripts/test-server-mode.sh) lets the script drop what a killed test left.
    database: `pendulum_t_${run}${randomBytes(6).toString("hex")}`,
    ...(process.env.PENDULUM_TEST_CLICKHOUSE_USER ? { user: process.env.PENDULUM_TEST_CLICKHOUSE_USER } : {}),
    ...(process.env.PENDULUM_TEST_CLICKHOUSE_PASSWORD ? { password: process.env.PENDULUM_TEST_CLICKHOUSE_PASSWORD } : {}),
  };
}

/** A ClickHouse event store in a database of its own, dropped on close. */
export async function openTestClickHouseStore(): Promise<ClickHouseEventStore> {
  const options = testClickHouseOptions();
  const store = await openClickHouseEventStore(options);
  const close = store.close;
  return Object.assign(store, {
    async close() {
      await close();
      await dropClickHouseDatabase(options);
    },
  });
}
