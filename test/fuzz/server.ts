import jsforce from "jsforce";
import { startTestPendulum } from "../harness.js";
import type { FuzzServer } from "./targets.js";

const CRM = { PENDULUM_CRM_USERNAME: "fuzz@acme.test", PENDULUM_CRM_PASSWORD: "s3cret-Passw0rd-fuzz", PENDULUM_CRM_CLIENT_ID: "3MVG9fuzz_client_0123456789", PENDULUM_CRM_CLIENT_SECRET: "fuzz-secret-0123456789" };

/** A Pendulum for fuzzing, with a CRM session for the /services targets. */
export async function startFuzzServer(): Promise<FuzzServer & { close(): Promise<void> }> {
  // Flushes once a minute: the flusher runs on a timer, and its work (DuckDB appends, rollups) would
  // land on whichever input happened to be in flight and be timed as that input's cost.
  const p = await startTestPendulum({ env: { ...CRM, PENDULUM_LOG_LEVEL: "fatal", PENDULUM_FLUSH_INTERVAL_MS: "60000" } });
  const conn = new jsforce.Connection({ loginUrl: p.url, version: "62.0", oauth2: { loginUrl: p.url, clientId: CRM.PENDULUM_CRM_CLIENT_ID, clientSecret: CRM.PENDULUM_CRM_CLIENT_SECRET } });
  await conn.login(CRM.PENDULUM_CRM_USERNAME, CRM.PENDULUM_CRM_PASSWORD);
  return { p, crmToken: conn.accessToken as string, close: () => p.close() };
}
