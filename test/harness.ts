import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadConfig, type Config } from "../src/config.js";
import type { ClickHouseEventStore, DuckDbEventStore } from "../src/store/index.js";
import { testRecordsEnvironment } from "./postgres.js";
import { testEventsEnvironment } from "./clickhouse.js";
import { composeDefault, startComposed, type Composition, type DefaultModules, type Modules, type Pendulum } from "../src/server/index.js";

export const TEST_TOKEN = "pdl_test_admin_token_0123456789";
export const TEST_APP_KEY = "pk_test_app_key_1";
export const TEST_TRACK_SECRET = "ts_test_track_secret_0123456789";

/** The environment every test server starts with: a data folder, a free port and known secrets. */
export function testEnvironment(dataDir: string): Record<string, string> {
  return {
    PORT: "0",
    PENDULUM_DATA_DIR: dataDir,
    PENDULUM_LOG_LEVEL: "warn",
    PENDULUM_API_TOKEN: TEST_TOKEN,
    PENDULUM_APP_KEY: TEST_APP_KEY,
    PENDULUM_TRACK_SECRET: TEST_TRACK_SECRET,
    PENDULUM_ADMIN_EMAIL: "admin@example.com",
    PENDULUM_ADMIN_PASSWORD: "correct horse battery",
  };
}

/** The data folder's DuckDB of an embedded test server, for tests that read it with SQL (fails in server mode). */
export function duckDbEventsOf(p: { events: DuckDbEventStore | ClickHouseEventStore }): DuckDbEventStore {
  if (p.events.engine !== "duckdb") throw new Error("This test reads the data folder's DuckDB; its server runs in server mode (events on ClickHouse)");
  return p.events;
}

export type TestPendulum<M extends Modules = DefaultModules> = Pendulum<M> & { config: Config; dataDir: string; api(pathname: string, init?: RequestInit): Promise<Response> };

export type TestOptions = { env?: Record<string, string>; dataDir?: string; clock?: () => number };

/** Starts a real Pendulum on a free port with a fresh data folder and known secrets: all of it, or the modules `compose` builds. */
export function startTestPendulum(options?: TestOptions): Promise<TestPendulum<DefaultModules>>;
export function startTestPendulum<M extends Modules>(options: TestOptions & { compose: Composition<M> }): Promise<TestPendulum<M>>;
export async function startTestPendulum(options: TestOptions & { compose?: Composition<Modules> } = {}): Promise<TestPendulum<Modules>> {
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-test-"));
  const config = loadConfig({
    ...testEnvironment(dataDir),
    PENDULUM_FLUSH_INTERVAL_MS: "50",
    // Under `npm run test:postgres`, a database of this data folder's own on the test server.
    ...(await testRecordsEnvironment(dataDir)),
    // Under `npm run test:server-mode` (both test servers set), events on ClickHouse too.
    ...testEventsEnvironment(dataDir),
    ...options.env,
  });
  const started = await startComposed(config, options.compose ?? composeDefault, { clock: options.clock, strictResponses: true });
  const p = started as TestPendulum<Modules>;
  p.config = { ...config, baseUrl: started.url };
  p.dataDir = dataDir;
  p.api = (pathname, init = {}) =>
    fetch(`${started.url}${pathname}`, {
      ...init,
      headers: { authorization: `Bearer ${TEST_TOKEN}`, ...(init.body ? { "content-type": "application/json" } : {}), ...(init.headers as Record<string, string> | undefined) },
    });
  return p;
}
