import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_LOGIN_LIMITS, type Kdf } from "../kernel/index.js";
import { openRecords } from "../store/index.js";
import { createOAuthServer, OAuthError } from "./oauth.js";
import { ensureCrmSchema } from "./schema.js";
import { CRM_CLIENT_ID, CRM_CLIENT_SECRET, CRM_PASSWORD, CRM_USER, startCrm, type CrmHarness } from "./test-kit.js";

// Issue 15, finding 6, on the built-in CRM: the password grant and the authorize page's sign-in
// are rate limited per username and address, and unknown usernames cost a full password check.

describe("password checks of the CRM's OAuth server", () => {
  it("runs the KDF once for an unknown username, as for a known one", async () => {
    const records = await openRecords({ engine: "sqlite", file: path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-crm-kdf-")), "records.sqlite") });
    await ensureCrmSchema(records.db);
    const scrypt = promisify(crypto.scrypt) as Kdf;
    let calls = 0;
    const oauth = createOAuthServer(records.db, Date.now, { accessTokenTtlSeconds: 60, kdf: (pw, salt, len) => (calls++, scrypt(pw, salt, len)) });
    await oauth.seed({ username: "known@acme.test", password: "right password", clientId: "3MVG9kdf_client_id_000", clientSecret: "kdf-secret-000000" });
    const attempt = async (username: string): Promise<number> => {
      calls = 0;
      await expect(oauth.token({ grant_type: "password", client_id: "3MVG9kdf_client_id_000", client_secret: "kdf-secret-000000", username, password: "wrong" }, "http://x", "10.0.0.1")).rejects.toBeInstanceOf(OAuthError);
      return calls;
    };
    const known = await attempt("known@acme.test");
    expect(known).toBe(1);
    expect(await attempt("nobody@acme.test")).toBe(known);
    await records.close();
  });
});

describe("the password grant under attack", () => {
  let crm: CrmHarness;
  beforeAll(async () => {
    crm = await startCrm();
  });
  afterAll(async () => {
    await crm?.close();
  });
  const grant = (username: string, password: string) =>
    fetch(`${crm.url}/services/oauth2/token`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ grant_type: "password", client_id: CRM_CLIENT_ID, client_secret: CRM_CLIENT_SECRET, username, password }).toString() });

  it("answers 429 LOGIN_RATE_EXCEEDED with Retry-After after 10 failures, even for the right password", async () => {
    for (let i = 0; i < DEFAULT_LOGIN_LIMITS.perAccount; i++) expect((await grant(CRM_USER, `guess ${i}`)).status).toBe(400);
    const res = await grant(CRM_USER, CRM_PASSWORD);
    expect(res.status).toBe(429);
    expect(await res.json()).toMatchObject({ error: "login_rate_exceeded" });
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    // The sign-in form of the authorize page counts the same failures.
    expect((await crm.admin(`/crm/connected-apps/${CRM_CLIENT_ID}/callback-urls`, { url: "http://localhost/cb" })).status).toBe(200);
    const form = await fetch(`${crm.url}/services/oauth2/authorize`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ client_id: CRM_CLIENT_ID, redirect_uri: "http://localhost/cb", username: CRM_USER, password: CRM_PASSWORD }).toString(), redirect: "manual" });
    expect(form.status).toBe(429);
    crm.advance(DEFAULT_LOGIN_LIMITS.windowMs);
    expect((await grant(CRM_USER, CRM_PASSWORD)).status).toBe(200);
  });
});
