import crypto from "node:crypto";
import { OAuth2, type TokenResponse } from "jsforce";
import { isGrantRefused, SalesforceError } from "./errors.js";
import { withRetry, type RetryPolicy } from "./retry.js";
import { instrumentTransport } from "./transport.js";

/** The OAuth 2.0 grants Pendulum can sign in with. */
export type SalesforceGrant = "password" | "client_credentials" | "authorization_code";

/** What Pendulum needs to reach an org: the same for the built-in CRM and a real Salesforce org. */
export type SalesforceCredentials = {
  loginUrl: string;
  clientId: string;
  clientSecret: string;
  grant: SalesforceGrant;
  username?: string;
  password?: string;
  redirectUri?: string;
};

/** A signed-in session; the refresh token is kept when the grant gives one. */
export type SalesforceSession = { accessToken: string; instanceUrl: string; refreshToken?: string; identityUrl: string; issuedAt: number };

/** Builds jsforce's OAuth2 client for the credentials. */
export function oauth2Of(creds: SalesforceCredentials): OAuth2 {
  return new OAuth2({ loginUrl: creds.loginUrl, clientId: creds.clientId, clientSecret: creds.clientSecret, redirectUri: creds.redirectUri });
}

function toSession(t: TokenResponse, keepRefresh?: string): SalesforceSession {
  const refreshToken = t.refresh_token ?? keepRefresh;
  return { accessToken: t.access_token, instanceUrl: t.instance_url, identityUrl: t.id, issuedAt: Number(t.issued_at) || Date.now(), ...(refreshToken ? { refreshToken } : {}) };
}

/** Gets a fresh session: refresh token first, else the grant's own flow; a refused grant means the admin must reconnect. */
export async function requestSession(creds: SalesforceCredentials, refreshToken: string | undefined, retry: RetryPolicy, hooks: { onCall?(): void; timeoutMs?: number } = {}): Promise<SalesforceSession> {
  const oauth2 = oauth2Of(creds);
  instrumentTransport(oauth2, hooks.onCall ?? (() => undefined), hooks.timeoutMs ?? 120_000);
  const ask = async (): Promise<SalesforceSession> => {
    if (refreshToken) return toSession(await oauth2.refreshToken(refreshToken), refreshToken);
    if (creds.grant === "password") {
      if (!creds.username || !creds.password) throw new SalesforceError("RECONNECT_REQUIRED", "The password grant needs a username and a password");
      return toSession(await oauth2.authenticate(creds.username, creds.password));
    }
    if (creds.grant === "client_credentials") return toSession(await oauth2.requestToken({ grant_type: "client_credentials" }));
    throw new SalesforceError("RECONNECT_REQUIRED", "The authorization has no refresh token; connect again through the CRM's sign-in page");
  };
  try {
    // jsforce gives token-endpoint failures no status, so anything but a refused grant is worth another try.
    return await withRetry(ask, retry, (e) => !(e instanceof SalesforceError) && !isGrantRefused(e));
  } catch (e) {
    if (e instanceof SalesforceError) throw e;
    if (isGrantRefused(e)) throw new SalesforceError("RECONNECT_REQUIRED", `The CRM refused the sign-in (${e instanceof Error ? e.message : String(e)}); reconnect Pendulum to the CRM`, e);
    throw new SalesforceError("CRM_UNAVAILABLE", `Could not reach the CRM's token endpoint: ${e instanceof Error ? e.message : String(e)}`, e);
  }
}

/** A PKCE pair for the authorization-code flow (RFC 7636, S256). */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = crypto.randomBytes(32).toString("base64url");
  return { verifier, challenge: crypto.createHash("sha256").update(verifier).digest("base64url") };
}

/** The CRM's authorization URL the admin's browser is sent to. */
export function authorizationUrl(creds: SalesforceCredentials, state: string, challenge: string): string {
  return oauth2Of(creds).getAuthorizationUrl({ scope: "api refresh_token", state, code_challenge: challenge, code_challenge_method: "S256" });
}

/** Exchanges an authorization code (with its PKCE verifier) for a session. */
export async function exchangeCode(creds: SalesforceCredentials, code: string, verifier: string): Promise<SalesforceSession> {
  try {
    return toSession(await oauth2Of(creds).requestToken(code, { code_verifier: verifier }));
  } catch (e) {
    throw new SalesforceError("RECONNECT_REQUIRED", `The CRM refused the authorization code: ${e instanceof Error ? e.message : String(e)}`, e);
  }
}
