import jsforce from "jsforce";
import type { ModuleContext } from "../kernel/index.js";
import { startTestPendulum, TEST_TOKEN, type TestPendulum } from "../../test/harness.js";
import { createCrmModule, type CrmModule, type CrmOptions } from "./index.js";

/** Credentials the conformance tests seed through PENDULUM_CRM_* variables. */
export const CRM_USER = "api@acme.test";
export const CRM_PASSWORD = "s3cret-Passw0rd";
export const CRM_CLIENT_ID = "3MVG9test_client_id_0123456789";
export const CRM_CLIENT_SECRET = "test-client-secret-0123456789";
export const API_VERSION = "62.0";

/** A running Pendulum with only the CRM module, plus a controllable clock. */
export type CrmHarness = TestPendulum<{ crm: CrmModule }> & { advance(ms: number): void; login(version?: string): Promise<jsforce.Connection>; admin(path: string, body?: unknown, method?: string): Promise<Response> };

/** Starts Pendulum with the CRM module (optionally on an existing data folder). */
export async function startCrm(options: Partial<CrmOptions> = {}, dataDir?: string): Promise<CrmHarness> {
  let offset = 0;
  const clock = (): number => Date.now() + offset;
  const p = (await startTestPendulum({
    dataDir,
    clock,
    compose: (ctx: ModuleContext) => ({ crm: createCrmModule(ctx, options) }),
    env: { PENDULUM_CRM_USERNAME: CRM_USER, PENDULUM_CRM_PASSWORD: CRM_PASSWORD, PENDULUM_CRM_CLIENT_ID: CRM_CLIENT_ID, PENDULUM_CRM_CLIENT_SECRET: CRM_CLIENT_SECRET },
  })) as CrmHarness;
  p.advance = (ms) => {
    offset += ms;
  };
  p.login = async (version = API_VERSION) => {
    const conn = new jsforce.Connection({ loginUrl: p.url, version, oauth2: { clientId: CRM_CLIENT_ID, clientSecret: CRM_CLIENT_SECRET, loginUrl: p.url } });
    await conn.login(CRM_USER, CRM_PASSWORD);
    return conn;
  };
  p.admin = (path, body, method = body === undefined ? "GET" : "POST") =>
    fetch(`${p.url}/api/v1${path}`, { method, headers: { authorization: `Bearer ${TEST_TOKEN}`, ...(body === undefined ? {} : { "content-type": "application/json" }) }, body: body === undefined ? undefined : JSON.stringify(body) });
  return p;
}
