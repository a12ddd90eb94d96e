import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadConfig, type Config } from "../src/config.js";
import { startPendulum, type ModuleFactory, type Pendulum } from "../src/server/pendulum.js";

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

export type TestPendulum = Pendulum & { config: Config; dataDir: string; api(pathname: string, init?: RequestInit): Promise<Response> };

/** Starts a real Pendulum on a free port with a fresh data folder and known secrets. */
export async function startTestPendulum(
  options: { env?: Record<string, string>; dataDir?: string; factories?: ModuleFactory[]; clock?: () => number } = {},
): Promise<TestPendulum> {
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-test-"));
  const config = loadConfig({
    ...testEnvironment(dataDir),
    PENDULUM_FLUSH_INTERVAL_MS: "50",
    ...options.env,
  });
  const started = await startPendulum(config, { factories: options.factories, clock: options.clock });
  const p = started as TestPendulum;
  p.config = { ...config, baseUrl: started.url };
  p.dataDir = dataDir;
  p.api = (pathname, init = {}) =>
    fetch(`${started.url}${pathname}`, {
      ...init,
      headers: { authorization: `Bearer ${TEST_TOKEN}`, ...(init.body ? { "content-type": "application/json" } : {}), ...(init.headers as Record<string, string> | undefined) },
    });
  return p;
}
