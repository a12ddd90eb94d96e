import { createHash, randomBytes } from "node:crypto";
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

/** Whether test servers start in server mode: both test servers named (npm run test:server-mode). */
export const testServerMode = clickHouseTestUrl !== "" && (process.env.PENDULUM_TEST_DATABASE_URL ?? "").trim() !== "";

/**
 * The environment a test server needs for server mode (ADR 0019): with both
 * PENDULUM_TEST_DATABASE_URL and PENDULUM_TEST_CLICKHOUSE_URL set (npm run test:server-mode), a
 * ClickHouse database of this data folder's own, named after it as its PostgreSQL database is, so
 * a test that restarts Pendulum on the folder finds its events. The run's script drops them.
 */
export function testEventsEnvironment(dataDir: string): Record<string, string> {
  if (!testServerMode) return {};
  return {
    PENDULUM_CLICKHOUSE_URL: clickHouseTestUrl,
    PENDULUM_CLICKHOUSE_DATABASE: `pendulum_t_${run}${createHash("sha256").update(dataDir).digest("hex").slice(0, 20)}`,
    ...(process.env.PENDULUM_TEST_CLICKHOUSE_USER ? { PENDULUM_CLICKHOUSE_USER: process.env.PENDULUM_TEST_CLICKHOUSE_USER } : {}),
    ...(process.env.PENDULUM_TEST_CLICKHOUSE_PASSWORD ? { PENDULUM_CLICKHOUSE_PASSWORD: process.env.PENDULUM_TEST_CLICKHOUSE_PASSWORD } : {}),
  };
}
