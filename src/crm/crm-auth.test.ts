import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import jsforce from "jsforce";
import { CRM_CLIENT_ID, CRM_CLIENT_SECRET, CRM_PASSWORD, CRM_USER, startCrm, type CrmHarness } from "./test-kit.js";

let crm: CrmHarness;

beforeAll(async () => {
  crm = await startCrm({ accessTokenTtlSeconds: 60 });
});
afterAll(async () => {
  await crm.close();
});

async function tokenRequest(form: Record<string, string>): Promise<Response> {
  return fetch(`${crm.url}/services/oauth2/token`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(form).toString() });
}

describe("OAuth 2.0 grants", () => {
  it("password grant logs in; a wrong password is invalid_grant", async () => {
    const conn = await crm.login();
    expect(conn.accessToken).toMatch(/^00D/);
    const bad = new jsforce.Connection({ loginUrl: crm.url, oauth2: { clientId: CRM_CLIENT_ID, clientSecret: CRM_CLIENT_SECRET, loginUrl: crm.url } });
    await expect(bad.login(CRM_USER, "wrong")).rejects.toMatchObject({ name: "invalid_grant" });
  });

  it("client_credentials grant runs as the app's user", async () => {
    const res = await tokenRequest({ grant_type: "client_credentials", client_id: CRM_CLIENT_ID, client_secret: CRM_CLIENT_SECRET });
    const body = (await res.json()) as { access_token: string; instance_url: string };
    const conn = new jsforce.Connection({ instanceUrl: body.instance_url, accessToken: body.access_token, version: "62.0" });
    expect((await conn.identity()).username).toBe(CRM_USER);
  });

  it("authorization code with PKCE, then refresh_token when the access token expires", async () => {
    const redirectUri = "http://localhost/callback";
    expect((await crm.admin(`/crm/connected-apps/${CRM_CLIENT_ID}/callback-urls`, { url: redirectUri })).status).toBe(200);
    const oauth2 = new jsforce.OAuth2({ clientId: CRM_CLIENT_ID, clientSecret: CRM_CLIENT_SECRET, loginUrl: crm.url, redirectUri, useVerifier: true });
    const authUrl = new URL(oauth2.getAuthorizationUrl({}));
    expect((await fetch(authUrl)).status).toBe(200);
    const form = new URLSearchParams({ client_id: CRM_CLIENT_ID, redirect_uri: redirectUri, username: CRM_USER, password: CRM_PASSWORD, code_challenge: authUrl.searchParams.get("code_challenge") ?? "" });
    const login = await fetch(`${crm.url}/services/oauth2/authorize`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form.toString(), redirect: "manual" });
    expect(login.status).toBe(302);
    const code = new URL(login.headers.get("location") ?? "").searchParams.get("code") ?? "";
    const conn = new jsforce.Connection({ oauth2, version: "62.0" });
    await conn.authorize(code);
    expect(conn.refreshToken).toBeTruthy();
    const before = conn.accessToken;
    let refreshed = 0;
    conn.on("refresh", () => refreshed++);
    crm.advance(61_000);
    const res = await conn.query("SELECT Id FROM User");
    expect(res.totalSize).toBe(1);
    expect(refreshed).toBe(1);
    expect(conn.accessToken).not.toBe(before);
    // The code was good once.
    await expect(conn.authorize(code)).rejects.toMatchObject({ name: "invalid_grant" });
  });

  it("expired sessions answer 401 INVALID_SESSION_ID and a password login refreshes itself", async () => {
    const conn = await crm.login();
    const stale = conn.accessToken as string;
    crm.advance(61_000);
    const raw = await fetch(`${crm.url}/services/data/v62.0/limits`, { headers: { authorization: `Bearer ${stale}` } });
    expect(raw.status).toBe(401);
    expect(((await raw.json()) as Array<{ errorCode: string }>)[0]?.errorCode).toBe("INVALID_SESSION_ID");
    await expect(conn.query("SELECT Id FROM Account")).resolves.toMatchObject({ totalSize: 0 });
    expect(conn.accessToken).not.toBe(stale);
  });

  it("JWT bearer grant with the connected app's certificate", async () => {
    const { publicKey, privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = publicKey.export({ type: "spki", format: "pem" }).toString();
    const created = await crm.admin("/crm/connected-apps", { name: "jwt app", publicKeyPem: pem });
    const { clientId } = (await created.json()) as { clientId: string };
    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const unsigned = `${enc({ alg: "RS256" })}.${enc({ iss: clientId, sub: CRM_USER, aud: crm.url, exp: Math.floor(Date.now() / 1000) + 3600 })}`;
    const assertion = `${unsigned}.${crypto.sign("RSA-SHA256", Buffer.from(unsigned), privateKey).toString("base64url")}`;
    const conn = new jsforce.Connection({ loginUrl: crm.url, version: "62.0" });
    await conn.authorize({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion });
    expect((await conn.identity()).username).toBe(CRM_USER);
    const forged = `${unsigned}.${Buffer.from("nope").toString("base64url")}`;
    expect((await tokenRequest({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion: forged })).status).toBe(400);
  });

  it("revoke ends a session and userinfo describes the user", async () => {
    const conn = await crm.login();
    const info = (await conn.request(`${crm.url}/services/oauth2/userinfo`)) as { preferred_username: string };
    expect(info.preferred_username).toBe(CRM_USER);
    await conn.oauth2.revokeToken(conn.accessToken as string);
    const raw = await fetch(`${crm.url}/services/data/v62.0/limits`, { headers: { authorization: `Bearer ${conn.accessToken}` } });
    expect(raw.status).toBe(401);
  });
});
