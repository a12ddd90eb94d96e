import crypto from "node:crypto";
import { promisify } from "node:util";
import type { Kysely } from "kysely";
import { KEY_PREFIX, makeId, to15 } from "./ids.js";
import { profileId, takeCounter } from "./schema.js";
import { all, exec } from "./sql.js";
import { createLoginThrottle, type Kdf, type LoginThrottleLimits } from "../kernel/index.js";

const scrypt = promisify(crypto.scrypt) as Kdf;

/** An OAuth failure in the token endpoint's shape (`{error, error_description}`). */
export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
    /** Response headers that go with the error (Retry-After on a 429). */
    readonly headers?: Record<string, string>,
  ) {
    super(description);
    this.name = "OAuthError";
  }
}

/** Who an access token speaks for. */
export type Session = { userId: string; clientId: string; orgId: string };

/** What the token endpoint answers on success. */
export type TokenResponse = {
  access_token: string;
  refresh_token?: string;
  instance_url: string;
  id: string;
  token_type: "Bearer";
  issued_at: string;
  signature: string;
  scope: string;
};

/** Settings for token lifetimes, sign-in limits and (for tests) the password KDF. */
export type OAuthOptions = { accessTokenTtlSeconds: number; loginLimits?: LoginThrottleLimits; kdf?: Kdf };

function sha256(s: string): string {
  return crypto.createHash("sha256").update(s).digest("hex");
}

async function hashPassword(password: string): Promise<string> {
  const salt = crypto.randomBytes(16);
  return `scrypt$${salt.toString("base64")}$${(await scrypt(password, salt, 32)).toString("base64")}`;
}

async function passwordMatches(password: string, stored: string, kdf: Kdf): Promise<boolean> {
  const [, salt, hash] = stored.split("$");
  if (!salt || !hash) return false;
  const got = await kdf(password, Buffer.from(salt, "base64"), 32);
  const want = Buffer.from(hash, "base64");
  return got.length === want.length && crypto.timingSafeEqual(got, want);
}

/** Compares two hex digests in constant time. */
function sameHash(a: string, b: string): boolean {
  return a.length === b.length && crypto.timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/** A connected app as the OAuth server reads it. */
type ConnectedApp = { secretHash: string; callbackUrls: string[]; isPublic: boolean; publicKeyPem: string | null; runAs: string | null };

/** Why a callback URL cannot be registered, or undefined when it can: absolute http(s), no fragment. */
export function callbackUrlProblem(url: string): string | undefined {
  if (url.length > 1024) return "A callback URL is at most 1,024 characters";
  if (!URL.canParse(url)) return "A callback URL is an absolute URL such as https://pendulum.example.com/api/v1/crm/oauth/callback";
  const u = new URL(url);
  if (u.protocol !== "https:" && u.protocol !== "http:") return "A callback URL starts with https:// (or http:// for a local server)";
  if (u.hash || url.includes("#")) return "A callback URL has no #fragment";
  if (u.username || u.password) return "A callback URL carries no user name or password";
  return undefined;
}

function random(bytes: number): string {
  return crypto.randomBytes(bytes).toString("base64url");
}

function base64url(buf: Buffer): string {
  return buf.toString("base64").replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Users, connected apps and tokens of the built-in CRM's OAuth 2.0 server. */
export type OAuthServer = ReturnType<typeof createOAuthServer>;

/** Builds the OAuth server over the records database. */
export function createOAuthServer(db: Kysely<object>, clock: () => number, options: OAuthOptions) {
  let orgId = "";
  const accessCache = new Map<string, { session: Session; expiresAt: number }>();
  // Other processes on the same records cache their own access tokens: told after a revocation so they forget them too.
  let revoked: () => void = () => undefined;
  const ttl = (): number => options.accessTokenTtlSeconds * 1000;
  const kdf = options.kdf ?? scrypt;
  const throttle = createLoginThrottle(clock, options.loginLimits);
  // Unknown usernames are checked against this hash so they cost what a known user costs.
  let dummyHash: Promise<string> | undefined;

  /**
   * A username and password check, rate limited per username and address (429 LOGIN_RATE_EXCEEDED
   * with Retry-After); every path runs the KDF once, so timing does not reveal which users exist.
   */
  async function checkPassword(username: string | undefined, password: string, address: string): Promise<{ id: string; active: boolean }> {
    const name = username ?? "";
    const wait = throttle.refusal(name, address);
    if (wait !== undefined) throw new OAuthError(429, "login_rate_exceeded", `LOGIN_RATE_EXCEEDED: too many failed logins for this user or from this address; try again in ${wait} s`, { "retry-after": String(wait) });
    const u = name ? await userByName(name) : undefined;
    const matches = await passwordMatches(password, u?.hash ?? (await (dummyHash ??= hashPassword(random(16)))), kdf);
    if (!u || !u.hash || !matches) {
      throttle.failed(name, address);
      throw new OAuthError(400, "invalid_grant", "authentication failure");
    }
    throttle.succeeded(name);
    return u;
  }

  async function ensureOrg(): Promise<string> {
    const rows = await all(db, `SELECT "Id" FROM crm_organization LIMIT 1`);
    if (rows[0]) return String(rows[0]["Id"]);
    const id = makeId(KEY_PREFIX.Organization, await takeCounter(db, "crm_organization"));
    const now = new Date(clock()).toISOString();
    await exec(
      db,
      `INSERT INTO crm_organization ("Id", "Name", "OrganizationType", "IsSandbox", "InstanceName", "CreatedDate", "LastModifiedDate", "SystemModstamp", "IsDeleted") VALUES (?, 'Pendulum', 'Developer Edition', 0, 'PDL1', ?, ?, ?, 0)`,
      [id, now, now, now],
    );
    return id;
  }

  async function userByName(username: string): Promise<{ id: string; active: boolean; hash: string | undefined } | undefined> {
    const rows = await all(db, `SELECT u."Id", u."IsActive", c.password_hash FROM crm_user u LEFT JOIN crm_credentials c ON c.user_id = u."Id" WHERE u."Username" = ?`, [username]);
    const r = rows[0];
    return r ? { id: String(r["Id"]), active: r["IsActive"] === 1, hash: r["password_hash"] === null ? undefined : String(r["password_hash"]) } : undefined;
  }

  async function userActive(userId: string): Promise<boolean> {
    const rows = await all(db, `SELECT "IsActive" FROM crm_user WHERE "Id" = ?`, [userId]);
    return rows[0]?.["IsActive"] === 1;
  }

  async function app(clientId: string): Promise<ConnectedApp | undefined> {
    const rows = await all(db, `SELECT * FROM crm_connected_apps WHERE client_id = ?`, [clientId]);
    const r = rows[0];
    if (!r) return undefined;
    const callbacks = r["callback_urls"] === null || r["callback_urls"] === undefined ? [] : (JSON.parse(String(r["callback_urls"])) as string[]);
    return {
      secretHash: String(r["secret_hash"]),
      callbackUrls: callbacks,
      isPublic: r["is_public"] === 1,
      publicKeyPem: (r["public_key_pem"] as string | null) ?? null,
      runAs: (r["run_as_user_id"] as string | null) ?? null,
    };
  }

  async function checkClient(clientId: string | undefined, clientSecret: string | undefined, secretRequired: boolean): Promise<ConnectedApp> {
    if (!clientId) throw new OAuthError(400, "invalid_client_id", "client identifier invalid");
    const a = await app(clientId);
    if (!a) throw new OAuthError(400, "invalid_client_id", "client identifier invalid");
    if (secretRequired || clientSecret !== undefined) {
      if (!clientSecret || !sameHash(sha256(clientSecret), a.secretHash)) throw new OAuthError(400, "invalid_client", "invalid client credentials");
    }
    return a;
  }

  /**
   * The redirect URI must be one the app registered, character for character (Salesforce's rule):
   * with no registered callback an authorization code could be sent anywhere the link says.
   */
  function checkRedirect(a: ConnectedApp, redirectUri: string): void {
    if (!URL.canParse(redirectUri)) throw new OAuthError(400, "invalid_request", "redirect_uri must be an absolute URL");
    if (!a.callbackUrls.includes(redirectUri)) throw new OAuthError(400, "redirect_uri_mismatch", "redirect_uri must match configuration");
  }

  async function issue(userId: string, clientId: string, baseUrl: string, withRefresh: boolean, parentHash: string | null = null): Promise<TokenResponse> {
    const now = clock();
    const access = `${to15(orgId)}!${random(48)}`;
    const accessHash = sha256(access);
    let refresh: string | undefined;
    let parent = parentHash;
    if (withRefresh) {
      refresh = `5Aep${random(60)}`;
      parent = sha256(refresh);
      await exec(db, `INSERT INTO crm_tokens (token_hash, kind, user_id, client_id, created_at) VALUES (?, 'refresh', ?, ?, ?)`, [parent, userId, clientId, now]);
    }
    await exec(db, `INSERT INTO crm_tokens (token_hash, kind, user_id, client_id, created_at, expires_at, parent_hash) VALUES (?, 'access', ?, ?, ?, ?, ?)`, [accessHash, userId, clientId, now, now + ttl(), parent]);
    accessCache.set(accessHash, { session: { userId, clientId, orgId }, expiresAt: now + ttl() });
    const id = `${baseUrl}/id/${orgId}/${userId}`;
    const issuedAt = String(now);
    const signature = crypto.createHmac("sha256", (await app(clientId))?.secretHash ?? "").update(id + issuedAt).digest("base64");
    return {
      access_token: access,
      ...(refresh ? { refresh_token: refresh } : {}),
      instance_url: baseUrl,
      id,
      token_type: "Bearer",
      issued_at: issuedAt,
      signature,
      scope: withRefresh ? "api refresh_token" : "api",
    };
  }

  function verifyJwt(assertion: string, publicKeyPem: string, audience: string[]): { iss: string; sub: string } {
    const parts = assertion.split(".");
    if (parts.length !== 3) throw new OAuthError(400, "invalid_grant", "invalid assertion");
    const [h, p, sig] = parts as [string, string, string];
    let header: { alg?: string };
    let payload: { iss?: string; sub?: string; aud?: string | string[]; exp?: number };
    try {
      header = JSON.parse(Buffer.from(h, "base64url").toString("utf8")) as typeof header;
      payload = JSON.parse(Buffer.from(p, "base64url").toString("utf8")) as typeof payload;
    } catch {
      throw new OAuthError(400, "invalid_grant", "invalid assertion");
    }
    if (header === null || typeof header !== "object" || payload === null || typeof payload !== "object") throw new OAuthError(400, "invalid_grant", "invalid assertion: header and payload are JSON objects");
    if (header.alg !== "RS256") throw new OAuthError(400, "invalid_grant", "invalid assertion: alg must be RS256");
    let ok: boolean;
    try {
      ok = crypto.verify("RSA-SHA256", Buffer.from(`${h}.${p}`), publicKeyPem, Buffer.from(sig, "base64url"));
    } catch {
      // The connected app's certificate itself does not load.
      throw new OAuthError(400, "invalid_client", "the connected app's certificate cannot verify assertions");
    }
    if (!ok) throw new OAuthError(400, "invalid_grant", "invalid assertion signature");
    if (typeof payload.exp !== "number" || payload.exp * 1000 < clock()) throw new OAuthError(400, "invalid_grant", "expired authorization code");
    const auds = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (!auds.some((a) => typeof a === "string" && audience.includes(a.replace(/\/$/, "")))) throw new OAuthError(400, "invalid_grant", "audience is invalid");
    if (typeof payload.iss !== "string" || typeof payload.sub !== "string" || !payload.iss || !payload.sub) throw new OAuthError(400, "invalid_grant", "invalid assertion: iss and sub are required");
    return { iss: payload.iss, sub: payload.sub };
  }

  return {
    orgId: () => orgId,
    /** Creates the org row and, on first start, the API user and connected app. Returns lines to announce. */
    async seed(seed: { username?: string; password?: string; clientId?: string; clientSecret?: string }): Promise<string[]> {
      orgId = await ensureOrg();
      const lines: string[] = [];
      const username = seed.username ?? "api@pendulum.crm";
      const existingUsers = await all(db, `SELECT count(*) AS n FROM crm_user`);
      const firstStart = Number(existingUsers[0]?.["n"]) === 0;
      if (!(await userByName(username)) && (firstStart || seed.username)) {
        const password = seed.password ?? random(12);
        await this.createUser({ username, password, lastName: "API User" });
        if (!seed.password) lines.push(`Built-in CRM API user: ${username} / ${password} (shown once)`);
      }
      const apps = await all(db, `SELECT count(*) AS n FROM crm_connected_apps`);
      if (seed.clientId ? !(await app(seed.clientId)) : Number(apps[0]?.["n"]) === 0) {
        const created = await this.createConnectedApp({ name: "Pendulum", clientId: seed.clientId, clientSecret: seed.clientSecret, runAsUsername: username });
        if (!seed.clientId || !seed.clientSecret) lines.push(`Built-in CRM connected app: client id ${created.clientId} / client secret ${created.clientSecret} (shown once)`);
      }
      return lines;
    },
    /** Adds a CRM user who can sign in with a password. */
    async createUser(input: { username: string; password: string; firstName?: string; lastName: string; email?: string }): Promise<string> {
      const id = makeId(KEY_PREFIX.User, await takeCounter(db, "crm_user"));
      const now = new Date(clock()).toISOString();
      const name = [input.firstName, input.lastName].filter(Boolean).join(" ");
      await exec(
        db,
        `INSERT INTO crm_user ("Id", "Username", "Email", "FirstName", "LastName", "Name", "IsActive", "TimeZoneSidKey", "ProfileId", "CreatedDate", "CreatedById", "LastModifiedDate", "LastModifiedById", "SystemModstamp", "IsDeleted") VALUES (?, ?, ?, ?, ?, ?, 1, 'GMT', ?, ?, ?, ?, ?, ?, 0)`,
        [id, input.username, input.email ?? input.username, input.firstName ?? null, input.lastName, name, profileId("System Administrator"), now, id, now, id, now],
      );
      await exec(db, `INSERT INTO crm_credentials (user_id, password_hash) VALUES (?, ?)`, [id, await hashPassword(input.password)]);
      return id;
    },
    /** Turns a user on or off; a deactivated user's tokens stop working at once. */
    async setUserActive(userId: string, active: boolean): Promise<boolean> {
      const { changes } = await exec(db, `UPDATE crm_user SET "IsActive" = ? WHERE "Id" = ?`, [active ? 1 : 0, userId]);
      if (!active) {
        accessCache.clear();
        revoked();
      }
      return changes > 0;
    },
    /** Registers a connected app; generates the id and secret when not given. */
    async createConnectedApp(input: { name: string; clientId?: string; clientSecret?: string; callbackUrls?: string[]; isPublic?: boolean; publicKeyPem?: string; runAsUsername?: string }): Promise<{ clientId: string; clientSecret: string }> {
      const clientId = input.clientId ?? `3MVG9${random(60)}`;
      const clientSecret = input.clientSecret ?? crypto.randomBytes(32).toString("hex").toUpperCase();
      const runAs = input.runAsUsername ? (await userByName(input.runAsUsername))?.id : undefined;
      await exec(db, `INSERT INTO crm_connected_apps (client_id, secret_hash, name, callback_urls, is_public, public_key_pem, run_as_user_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, [
        clientId,
        sha256(clientSecret),
        input.name,
        JSON.stringify([...new Set(input.callbackUrls ?? [])]),
        input.isPublic ? 1 : 0,
        input.publicKeyPem ?? null,
        runAs ?? null,
        clock(),
      ]);
      return { clientId, clientSecret };
    },
    /** The session behind a bearer token, or undefined when it is unknown, expired, revoked or its user is inactive. */
    async verify(token: string): Promise<Session | undefined> {
      const hash = sha256(token);
      const now = clock();
      const cached = accessCache.get(hash);
      if (cached) return cached.expiresAt > now ? cached.session : undefined;
      const rows = await all(db, `SELECT user_id, client_id, expires_at FROM crm_tokens WHERE token_hash = ? AND kind = 'access' AND revoked_at IS NULL`, [hash]);
      const r = rows[0];
      if (!r || Number(r["expires_at"]) <= now || !(await userActive(String(r["user_id"])))) return undefined;
      const session = { userId: String(r["user_id"]), clientId: String(r["client_id"]), orgId };
      accessCache.set(hash, { session, expiresAt: Number(r["expires_at"]) });
      return session;
    },
    /** The token endpoint: every supported grant type. */
    async token(form: Record<string, string | undefined>, baseUrl: string, address = ""): Promise<TokenResponse> {
      const grant = form["grant_type"];
      switch (grant) {
        case "password": {
          await checkClient(form["client_id"], form["client_secret"], true);
          const u = await checkPassword(form["username"], form["password"] ?? "", address);
          if (!u.active) throw new OAuthError(400, "invalid_grant", "inactive user");
          return issue(u.id, form["client_id"] as string, baseUrl, false);
        }
        case "client_credentials": {
          const a = await checkClient(form["client_id"], form["client_secret"], true);
          if (!a.runAs) throw new OAuthError(400, "invalid_grant", "no client credentials user enabled");
          if (!(await userActive(a.runAs))) throw new OAuthError(400, "invalid_grant", "inactive user");
          return issue(a.runAs, form["client_id"] as string, baseUrl, false);
        }
        case "refresh_token": {
          // A confidential app proves itself with its secret; only a public app refreshes without one.
          const a = await checkClient(form["client_id"], form["client_secret"], false);
          if (!a.isPublic) await checkClient(form["client_id"], form["client_secret"], true);
          const hash = sha256(form["refresh_token"] ?? "");
          const rows = await all(db, `SELECT user_id, client_id FROM crm_tokens WHERE token_hash = ? AND kind = 'refresh' AND revoked_at IS NULL`, [hash]);
          const r = rows[0];
          if (!r || r["client_id"] !== form["client_id"]) throw new OAuthError(400, "invalid_grant", "expired access/refresh token");
          if (!(await userActive(String(r["user_id"])))) throw new OAuthError(400, "invalid_grant", "inactive user");
          return issue(String(r["user_id"]), String(r["client_id"]), baseUrl, false, hash);
        }
        case "authorization_code": {
          const a = await checkClient(form["client_id"], form["client_secret"], false);
          const hash = sha256(form["code"] ?? "");
          const rows = await all(db, `SELECT * FROM crm_tokens WHERE token_hash = ? AND kind = 'code' AND revoked_at IS NULL`, [hash]);
          const r = rows[0];
          if (!r || r["client_id"] !== form["client_id"] || Number(r["expires_at"]) <= clock()) throw new OAuthError(400, "invalid_grant", "invalid authorization code");
          // A code is good once, whatever happens next.
          await exec(db, `UPDATE crm_tokens SET revoked_at = ? WHERE token_hash = ?`, [clock(), hash]);
          // Whoever holds the code chose the PKCE challenge too, so PKCE proves nothing about the client:
          // a confidential app must also present its secret (Salesforce's "require secret" rule).
          if (!a.isPublic && !form["client_secret"]) throw new OAuthError(400, "invalid_client", "client secret required: this connected app is confidential");
          if (r["redirect_uri"] !== form["redirect_uri"]) throw new OAuthError(400, "redirect_uri_mismatch", "redirect_uri must match configuration");
          const challenge = r["code_challenge"] as string | null;
          if (challenge) {
            const verifier = form["code_verifier"] ?? "";
            if (base64url(crypto.createHash("sha256").update(verifier).digest()) !== challenge) throw new OAuthError(400, "invalid_grant", "invalid code verifier");
          } else if (a.isPublic) {
            throw new OAuthError(400, "invalid_grant", "a public app's code needs a PKCE code_verifier");
          }
          return issue(String(r["user_id"]), String(r["client_id"]), baseUrl, true);
        }
        case "urn:ietf:params:oauth:grant-type:jwt-bearer": {
          const assertion = form["assertion"] ?? "";
          let payload: { iss?: unknown };
          try {
            payload = JSON.parse(Buffer.from(assertion.split(".")[1] ?? "", "base64url").toString("utf8") || "{}") as { iss?: unknown };
          } catch {
            throw new OAuthError(400, "invalid_grant", "invalid assertion: its payload is not base64url-encoded JSON");
          }
          if (payload === null || typeof payload !== "object") throw new OAuthError(400, "invalid_grant", "invalid assertion: its payload is not a JSON object");
          const a = typeof payload.iss === "string" && payload.iss ? await app(payload.iss) : undefined;
          if (!a || !a.publicKeyPem) throw new OAuthError(400, "invalid_client_id", "client identifier invalid");
          const claims = verifyJwt(assertion, a.publicKeyPem, [baseUrl, "https://login.salesforce.com", "https://test.salesforce.com"]);
          const u = await userByName(claims.sub);
          if (!u) throw new OAuthError(400, "invalid_grant", "user hasn't approved this consumer");
          if (!u.active) throw new OAuthError(400, "invalid_grant", "inactive user");
          return issue(u.id, claims.iss, baseUrl, false);
        }
        default:
          throw new OAuthError(400, "unsupported_grant_type", "grant type not supported");
      }
    },
    /** Issues a one-time authorization code after the user signed in on the authorize page. */
    async authorize(input: { clientId: string; redirectUri: string; username: string; password: string; codeChallenge?: string; address?: string }): Promise<string> {
      const a = await this.checkAuthorizeRequest(input.clientId, input.redirectUri);
      if (a.isPublic && !input.codeChallenge) throw new OAuthError(400, "invalid_request", "a public app must send a PKCE code_challenge");
      const u = await checkPassword(input.username, input.password, input.address ?? "");
      if (!u.active) throw new OAuthError(400, "invalid_grant", "authentication failure");
      const code = `aPrx${random(40)}`;
      await exec(db, `INSERT INTO crm_tokens (token_hash, kind, user_id, client_id, created_at, expires_at, code_challenge, redirect_uri) VALUES (?, 'code', ?, ?, ?, ?, ?, ?)`, [
        sha256(code),
        u.id,
        input.clientId,
        clock(),
        clock() + 15 * 60_000,
        input.codeChallenge ?? null,
        input.redirectUri,
      ]);
      return code;
    },
    /** Checks who asks for a code and where it would go, before the sign-in form is shown or a code issued. */
    async checkAuthorizeRequest(clientId: string, redirectUri: string): Promise<ConnectedApp> {
      const a = await app(clientId);
      if (!a) throw new OAuthError(400, "invalid_client_id", "client identifier invalid");
      checkRedirect(a, redirectUri);
      return a;
    },
    /** Registers one more callback URL on an app (kept once); undefined when there is no such app. */
    async addCallbackUrl(clientId: string, url: string): Promise<string[] | undefined> {
      const a = await app(clientId);
      if (!a) return undefined;
      const next = a.callbackUrls.includes(url) ? a.callbackUrls : [...a.callbackUrls, url];
      await exec(db, `UPDATE crm_connected_apps SET callback_urls = ? WHERE client_id = ?`, [JSON.stringify(next), clientId]);
      return next;
    },
    /** Revokes an access or refresh token (a refresh token takes its access tokens with it). */
    async revoke(token: string): Promise<boolean> {
      const hash = sha256(token);
      const now = clock();
      const { changes } = await exec(db, `UPDATE crm_tokens SET revoked_at = ? WHERE (token_hash = ? OR parent_hash = ?) AND revoked_at IS NULL`, [now, hash, hash]);
      accessCache.clear();
      if (changes > 0) revoked();
      return changes > 0;
    },
    /** Forgets every cached access token: the next request on each reads its row again (a revocation elsewhere). */
    forgetAccessTokens(): void {
      accessCache.clear();
    },
    /** Calls `listener` after a token was revoked or a user turned off here (the CRM tells the other processes). */
    onRevoked(listener: () => void): void {
      revoked = listener;
    },
    /** The identity document of `/id/<org>/<user>` and `/services/oauth2/userinfo`. */
    async identity(userId: string, baseUrl: string, version: string): Promise<Record<string, unknown> | undefined> {
      const rows = await all(db, `SELECT * FROM crm_user WHERE "Id" = ?`, [userId]);
      const u = rows[0];
      if (!u) return undefined;
      const v = version;
      return {
        id: `${baseUrl}/id/${orgId}/${userId}`,
        sub: `${baseUrl}/id/${orgId}/${userId}`,
        asserted_user: true,
        user_id: userId,
        organization_id: orgId,
        username: u["Username"],
        preferred_username: u["Username"],
        nick_name: String(u["Username"]).split("@")[0],
        display_name: u["Name"],
        name: u["Name"],
        email: u["Email"],
        email_verified: true,
        first_name: u["FirstName"],
        last_name: u["LastName"],
        timezone: u["TimeZoneSidKey"],
        active: u["IsActive"] === 1,
        user_type: "STANDARD",
        language: "en_US",
        locale: "en_US",
        utcOffset: 0,
        urls: {
          enterprise: `${baseUrl}/services/Soap/c/${v}/${to15(orgId)}`,
          rest: `${baseUrl}/services/data/v${v}/`,
          sobjects: `${baseUrl}/services/data/v${v}/sobjects/`,
          search: `${baseUrl}/services/data/v${v}/search/`,
          query: `${baseUrl}/services/data/v${v}/query/`,
          limits: `${baseUrl}/services/data/v${v}/limits/`,
          profile: `${baseUrl}/${userId}`,
        },
        is_app_installed: true,
        last_modified_date: u["LastModifiedDate"],
      };
    },
  };
}
