import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CRM_CLIENT_ID, CRM_CLIENT_SECRET, CRM_PASSWORD, CRM_USER, startCrm, type CrmHarness } from "./test-kit.js";

// Finding 1 of issue 15: an authorization code must only ever travel to a callback URL the
// connected app registered, and a confidential app's code and refresh grants need its secret.

let crm: CrmHarness;
const CALLBACK = "http://localhost:4999/api/v1/crm/oauth/callback";

beforeAll(async () => {
  crm = await startCrm();
});
afterAll(async () => {
  await crm.close();
});

const pkce = (): { verifier: string; challenge: string } => {
  const verifier = crypto.randomBytes(32).toString("base64url");
  return { verifier, challenge: crypto.createHash("sha256").update(verifier).digest("base64url") };
};

async function signIn(clientId: string, redirectUri: string, challenge?: string): Promise<Response> {
  const form = new URLSearchParams({ client_id: clientId, redirect_uri: redirectUri, username: CRM_USER, password: CRM_PASSWORD, ...(challenge ? { code_challenge: challenge } : {}) });
  return fetch(`${crm.url}/services/oauth2/authorize`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form.toString(), redirect: "manual" });
}

async function token(form: Record<string, string>): Promise<{ status: number; body: Record<string, string> }> {
  const res = await fetch(`${crm.url}/services/oauth2/token`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(form).toString() });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

const codeOf = (res: Response): string => new URL(res.headers.get("location") ?? "").searchParams.get("code") ?? "";

describe("connected app callback URLs", () => {
  it("refuses to send a code to a callback the app never registered, on the form and on sign-in", async () => {
    const page = await fetch(`${crm.url}/services/oauth2/authorize?response_type=code&client_id=${CRM_CLIENT_ID}&redirect_uri=${encodeURIComponent("https://attacker.example/steal")}`, { redirect: "manual" });
    expect(page.status).toBe(400);
    expect(await page.text()).toContain("redirect_uri_mismatch");
    const res = await signIn(CRM_CLIENT_ID, "https://attacker.example/steal", pkce().challenge);
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
  });

  it("answers 400 for a redirect_uri that is not a URL", async () => {
    const res = await signIn(CRM_CLIENT_ID, "not a url");
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_request" });
    const page = await fetch(`${crm.url}/services/oauth2/authorize?client_id=${CRM_CLIENT_ID}&redirect_uri=%%%`);
    expect(page.status).toBe(400);
  });

  it("registers callbacks through the admin API and matches them exactly", async () => {
    const bad = await crm.admin(`/crm/connected-apps/${CRM_CLIENT_ID}/callback-urls`, { url: "javascript:alert(1)" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: "INVALID_CALLBACK_URL", field: "url" });
    const added = await crm.admin(`/crm/connected-apps/${CRM_CLIENT_ID}/callback-urls`, { url: CALLBACK });
    expect(added.status).toBe(200);
    expect(await added.json()).toEqual({ clientId: CRM_CLIENT_ID, callbackUrls: [CALLBACK] });
    expect((await crm.admin(`/crm/connected-apps/nope-nope/callback-urls`, { url: CALLBACK })).status).toBe(404);
    for (const near of [`${CALLBACK}/x`, `${CALLBACK}?next=https://attacker.example`, CALLBACK.replace("4999", "5000"), CALLBACK.toUpperCase()]) {
      expect((await signIn(CRM_CLIENT_ID, near, pkce().challenge)).status).toBe(400);
    }
    const ok = await signIn(CRM_CLIENT_ID, CALLBACK, pkce().challenge);
    expect(ok.status).toBe(302);
    expect(ok.headers.get("location")).toMatch(new RegExp(`^${CALLBACK}\\?code=`));
  });

  it("a confidential app's code and refresh grants need its secret, PKCE or not", async () => {
    const { verifier, challenge } = pkce();
    const code = codeOf(await signIn(CRM_CLIENT_ID, CALLBACK, challenge));
    const stolen = await token({ grant_type: "authorization_code", code, client_id: CRM_CLIENT_ID, redirect_uri: CALLBACK, code_verifier: verifier });
    expect(stolen.status).toBe(400);
    expect(stolen.body.error).toBe("invalid_client");
    // The refused attempt used the code up, as Salesforce does.
    const again = codeOf(await signIn(CRM_CLIENT_ID, CALLBACK, challenge));
    const granted = await token({ grant_type: "authorization_code", code: again, client_id: CRM_CLIENT_ID, client_secret: CRM_CLIENT_SECRET, redirect_uri: CALLBACK, code_verifier: verifier });
    expect(granted.status).toBe(200);
    const refreshToken = granted.body.refresh_token as string;
    const noSecret = await token({ grant_type: "refresh_token", refresh_token: refreshToken, client_id: CRM_CLIENT_ID });
    expect(noSecret.status).toBe(400);
    expect(noSecret.body.error).toBe("invalid_client");
    const refreshed = await token({ grant_type: "refresh_token", refresh_token: refreshToken, client_id: CRM_CLIENT_ID, client_secret: CRM_CLIENT_SECRET });
    expect(refreshed.status).toBe(200);
  });

  it("an app marked public uses PKCE instead of a secret, and must use it", async () => {
    const created = await crm.admin("/crm/connected-apps", { name: "mobile", isPublic: true, callbackUrls: ["https://app.example/cb"] });
    expect(created.status).toBe(201);
    const { clientId } = (await created.json()) as { clientId: string };
    expect((await signIn(clientId, "https://app.example/cb")).status).toBe(400); // no code_challenge
    const { verifier, challenge } = pkce();
    const code = codeOf(await signIn(clientId, "https://app.example/cb", challenge));
    const granted = await token({ grant_type: "authorization_code", code, client_id: clientId, redirect_uri: "https://app.example/cb", code_verifier: verifier });
    expect(granted.status).toBe(200);
    const refreshed = await token({ grant_type: "refresh_token", refresh_token: granted.body.refresh_token as string, client_id: clientId });
    expect(refreshed.status).toBe(200);
  });

  it("refuses a connected app whose callback URL is not a URL", async () => {
    const res = await crm.admin("/crm/connected-apps", { name: "bad", callbackUrls: ["/relative"] });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "INVALID_CALLBACK_URL", field: "callbackUrls[0]" });
  });
});
