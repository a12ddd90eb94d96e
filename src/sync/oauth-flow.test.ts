import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPendulum, type TestPendulum } from "../../test/harness.js";

// Issue 15, findings 1 and 2: the authorization-code flow against the built-in CRM, end to end
// through a browser's cookies: the wizard registers Pendulum's own callback, only an admin can
// start or finish the flow, and the flow's state belongs to the admin session that started it.

const CRM = { username: "oauth-api@acme.test", password: "s3cret-Passw0rd-oauth", clientId: "3MVG9oauth_flow_client_0123", clientSecret: "oauth-flow-secret-0123456789" };

let p: TestPendulum;
beforeAll(async () => {
  p = await startTestPendulum({ env: { PENDULUM_CRM_USERNAME: CRM.username, PENDULUM_CRM_PASSWORD: CRM.password, PENDULUM_CRM_CLIENT_ID: CRM.clientId, PENDULUM_CRM_CLIENT_SECRET: CRM.clientSecret } });
  for (const [email, role] of [["viewer@example.com", "viewer"], ["second-admin@example.com", "admin"]]) {
    expect((await p.api("/api/v1/users", { method: "POST", body: JSON.stringify({ email, password: "long enough pw", role }) })).status).toBe(201);
  }
});
afterAll(async () => {
  await p?.close();
});

/** A browser signed in to Pendulum's admin UI: its cookie, sent with the UI's own Origin. */
async function browser(email: string, password: string): Promise<(path: string, init?: RequestInit) => Promise<Response>> {
  const res = await fetch(`${p.url}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json", origin: p.url }, body: JSON.stringify({ email, password }) });
  expect(res.status).toBe(200);
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0] as string;
  return (path, init = {}) => fetch(path.startsWith("http") ? path : `${p.url}${path}`, { redirect: "manual", ...init, headers: { cookie, origin: p.url, ...(init.body ? { "content-type": "application/json" } : {}), ...(init.headers as Record<string, string>) } });
}

const storedPkce = async (): Promise<unknown> => ((await p.modules.sync.store.getSetting<{ pkce?: unknown }>("connection")) ?? {}).pkce;

/** Signs in to the built-in CRM's authorize page the start route sent the browser to; returns the callback URL. */
async function signInToCrm(authorizeUrl: string): Promise<URL> {
  const u = new URL(authorizeUrl);
  expect((await fetch(u)).status).toBe(200);
  const form = new URLSearchParams({ client_id: u.searchParams.get("client_id") ?? "", redirect_uri: u.searchParams.get("redirect_uri") ?? "", state: u.searchParams.get("state") ?? "", code_challenge: u.searchParams.get("code_challenge") ?? "", username: CRM.username, password: CRM.password });
  const res = await fetch(`${p.url}/services/oauth2/authorize`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form.toString(), redirect: "manual" });
  expect(res.status).toBe(302);
  return new URL(res.headers.get("location") ?? "");
}

describe("connecting to the built-in CRM with the authorization-code flow", () => {
  it("registers Pendulum's callback, refuses viewers and other sessions, and connects the admin who started", async () => {
    const admin = await browser("admin@example.com", "correct horse battery");
    const viewer = await browser("viewer@example.com", "long enough pw");
    const otherAdmin = await browser("second-admin@example.com", "long enough pw");
    const callback = `${p.url}/api/v1/sync/oauth/callback`;
    const put = await admin("/api/v1/sync/connection", { method: "PUT", body: JSON.stringify({ loginUrl: p.url, clientId: CRM.clientId, clientSecret: CRM.clientSecret, grant: "authorization_code", redirectUri: callback }) });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ status: "pending-authorization" });

    // A viewer's GET changes nothing.
    const refused = await viewer("/api/v1/sync/oauth/start");
    expect(refused.status).toBe(403);
    expect(await storedPkce()).toBeUndefined();

    const start = await admin("/api/v1/sync/oauth/start");
    expect(start.status).toBe(302);
    const back = await signInToCrm(start.headers.get("location") ?? "");
    expect(`${back.origin}${back.pathname}`).toBe(callback);

    // The code and state are no use to a viewer or to another admin's session.
    expect((await viewer(back.toString(), { headers: { accept: "application/json" } })).status).toBe(403);
    const other = await otherAdmin(back.toString(), { headers: { accept: "application/json" } });
    expect(other.status).toBe(400);
    expect(await other.json()).toMatchObject({ code: "OAUTH_STATE_MISMATCH", field: "state" });
    expect(await storedPkce()).toBeDefined();

    const done = await admin(back.toString(), { headers: { accept: "application/json" } });
    expect(done.status).toBe(200);
    expect(await done.json()).toMatchObject({ status: "connected", org: { username: CRM.username } });
  });
});
