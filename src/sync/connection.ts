import crypto from "node:crypto";
import { ApiError } from "../kernel/index.js";
import { authorizationUrl, createSalesforceClient, exchangeCode, pkcePair, SalesforceError, type RetryPolicy, type SalesforceClient, type SalesforceCredentials, type SalesforceGrant, type SalesforceSession } from "../salesforce/index.js";
import type { SecretBox } from "./secret-box.js";
import type { StoredConnection, SyncStore } from "./store.js";

/** What the admin sends to set up the connection. */
export type ConnectionInput = {
  loginUrl: string;
  clientId: string;
  clientSecret: string;
  grant: SalesforceGrant;
  username?: string;
  password?: string;
  redirectUri?: string;
  apiVersion?: string;
  apiReserve?: number;
  fieldPrefix?: string;
};

/** The connection as GET /sync/connection shows it: no secrets. */
export type ConnectionView =
  | { status: "disconnected" }
  | { status: StoredConnection["status"]; message?: string; loginUrl: string; clientId: string; grant: SalesforceGrant; username?: string; org?: StoredConnection["org"]; apiUsage?: StoredConnection["apiUsage"]; apiReserve: number; fieldPrefix: string; apiVersion: string };

export type ClientTuning = { retry?: RetryPolicy; timeoutMs?: number; pollMs?: number; parallel?: number };

/** This process's built-in CRM, when there is one: where Pendulum registers its own OAuth callback. */
export type LocalCrm = { registerCallbackUrl(clientId: string, url: string): Promise<boolean> };

/** Pendulum's OAuth callback path; the CRM sends the admin's browser back here with a code. */
export const CALLBACK_PATH = "/api/v1/sync/oauth/callback";
/** The path connected apps registered before the sync routes got their own name; still served. */
const OLD_CALLBACK_PATH = "/api/v1/crm/oauth/callback";

/** True when the connection is to the CRM built into this very server (same origin) and comes back to its callback. */
function isOwnCallback(loginUrl: string, redirectUri: string): boolean {
  if (!URL.canParse(loginUrl) || !URL.canParse(redirectUri)) return false;
  const back = new URL(redirectUri);
  return new URL(loginUrl).origin === back.origin && (back.pathname === CALLBACK_PATH || back.pathname === OLD_CALLBACK_PATH) && back.search === "";
}

const KEY = "connection";

/** Stores the connection (sealed), builds clients from it and keeps its status honest. */
export function createConnectionService(deps: { store: SyncStore; box: SecretBox; now: () => number; tuning: ClientTuning; localCrm?: LocalCrm }) {
  const { store, box } = deps;
  const load = (): Promise<StoredConnection | undefined> => store.getSetting<StoredConnection>(KEY);
  let shared: { key: string; client: Promise<SalesforceClient>; at: number } | undefined;
  const save = (c: StoredConnection): Promise<void> => store.setSetting(KEY, c);

  const credentials = (c: StoredConnection): SalesforceCredentials => ({
    loginUrl: c.loginUrl,
    clientId: c.clientId,
    clientSecret: box.open(c.clientSecret),
    grant: c.grant,
    ...(c.username ? { username: c.username } : {}),
    ...(c.password ? { password: box.open(c.password) } : {}),
    ...(c.redirectUri ? { redirectUri: c.redirectUri } : {}),
  });

  function clientOf(c: StoredConnection): SalesforceClient {
    const session = c.session ? (JSON.parse(box.open(c.session)) as SalesforceSession) : undefined;
    return createSalesforceClient({
      credentials: credentials(c),
      ...(session ? { session } : {}),
      version: c.apiVersion,
      reserve: c.apiReserve,
      ...deps.tuning,
      // Each new session (refresh or re-grant) is sealed and kept, so restarts reuse it.
      onSession: async (s) => {
        const cur = await load();
        if (cur && cur.clientId === c.clientId) await save({ ...cur, session: box.seal(JSON.stringify(s)) });
      },
    });
  }

  /** Signs in with a fresh client and records org, user and API usage. */
  async function verify(c: StoredConnection): Promise<StoredConnection> {
    const client = clientOf(c);
    const who = await client.identity();
    const usage = await client.limits();
    const latest = (await load()) ?? c;
    return { ...c, session: latest.session ?? c.session, status: "connected", message: undefined, org: who, apiUsage: { ...usage, at: deps.now() } };
  }

  return {
    /** The connection without secrets. */
    async view(): Promise<ConnectionView> {
      const c = await load();
      if (!c) return { status: "disconnected" };
      const { clientSecret: _s, password: _p, session: _t, pkce: _k, ...rest } = c;
      return rest;
    },
    async stored(): Promise<StoredConnection | undefined> {
      return load();
    },
    /** Sets up the connection; password and client-credentials grants are tried at once, the authorization code waits for the admin's browser. */
    async configure(input: ConnectionInput): Promise<ConnectionView> {
      if (input.grant === "password" && (!input.username || !input.password)) throw new ApiError(400, "INVALID_INPUT", "The password grant needs username and password", input.username ? "password" : "username");
      if (input.grant === "authorization_code" && !input.redirectUri) throw new ApiError(400, "INVALID_INPUT", `The authorization-code flow needs the redirectUri registered on the connected app (…${CALLBACK_PATH})`, "redirectUri");
      if (input.redirectUri !== undefined && !URL.canParse(input.redirectUri)) throw new ApiError(400, "INVALID_INPUT", `redirectUri is an absolute URL ending in ${CALLBACK_PATH}`, "redirectUri");
      const c: StoredConnection = {
        loginUrl: input.loginUrl.replace(/\/$/, ""),
        clientId: input.clientId,
        clientSecret: box.seal(input.clientSecret),
        grant: input.grant,
        ...(input.username ? { username: input.username } : {}),
        ...(input.password ? { password: box.seal(input.password) } : {}),
        ...(input.redirectUri ? { redirectUri: input.redirectUri } : {}),
        apiVersion: input.apiVersion ?? "62.0",
        apiReserve: input.apiReserve ?? 1_000,
        fieldPrefix: input.fieldPrefix ?? "Pendo_",
        status: "pending-authorization",
      };
      if (c.grant === "authorization_code" && c.redirectUri && deps.localCrm && isOwnCallback(c.loginUrl, c.redirectUri)) {
        // The built-in CRM sends codes only to registered callbacks: the wizard registers Pendulum's own.
        await deps.localCrm.registerCallbackUrl(c.clientId, c.redirectUri);
      }
      await save(c);
      if (c.grant === "authorization_code") return this.view();
      try {
        await save(await verify(c));
      } catch (e) {
        await save({ ...c, status: "reconnect", message: e instanceof Error ? e.message : String(e) });
        throw new ApiError(400, "CRM_LOGIN_FAILED", `Could not sign in to the CRM: ${e instanceof Error ? e.message : String(e)}`, input.grant === "password" ? "password" : "clientSecret");
      }
      return this.view();
    },
    /** Forgets the connection and its tokens. */
    async disconnect(): Promise<void> {
      await store.deleteSetting(KEY);
    },
    /** Starts the authorization-code flow for one admin credential: the URL to send the admin's browser to (PKCE S256). */
    async authorizeUrl(owner: string): Promise<string> {
      const c = await load();
      if (!c || c.grant !== "authorization_code") throw new ApiError(409, "NOT_AUTHORIZATION_CODE", "Set up the connection with grant authorization_code first (PUT /api/v1/sync/connection)");
      const { verifier, challenge } = pkcePair();
      const state = crypto.randomBytes(16).toString("base64url");
      await save({ ...c, pkce: { state, verifier: box.seal(verifier), owner: crypto.createHash("sha256").update(owner).digest("hex") } });
      return authorizationUrl(credentials(c), state, challenge);
    },
    /** Finishes the authorization-code flow with the code the CRM sent back. */
    async completeAuthorization(code: string, state: string, owner: string): Promise<ConnectionView> {
      const c = await load();
      const sameOwner = c?.pkce?.owner === crypto.createHash("sha256").update(owner).digest("hex");
      if (!c?.pkce || c.pkce.state !== state || !sameOwner) throw new ApiError(400, "OAUTH_STATE_MISMATCH", "This sign-in was not started here, was started by another admin session, or has already been used; start again from GET /api/v1/sync/oauth/start", "state");
      let session: SalesforceSession;
      try {
        session = await exchangeCode(credentials(c), code, box.open(c.pkce.verifier));
      } catch (e) {
        throw new ApiError(400, "CRM_LOGIN_FAILED", e instanceof Error ? e.message : String(e), "code");
      }
      const { pkce: _used, ...rest } = c;
      const next: StoredConnection = { ...rest, session: box.seal(JSON.stringify(session)) };
      await save(next);
      await save(await verify(next));
      return this.view();
    },
    /** A client for a run; refuses when there is no usable connection. */
    async client(): Promise<SalesforceClient> {
      const c = await load();
      if (!c) throw new ApiError(409, "CRM_NOT_CONNECTED", "Connect the CRM first (PUT /api/v1/sync/connection)");
      if (c.status === "pending-authorization") throw new ApiError(409, "CRM_NOT_AUTHORIZED", "Finish signing in to the CRM (GET /api/v1/sync/oauth/start)");
      return clientOf(c);
    },
    /**
     * A client kept for a minute for light reads such as describe, so screens that list fields do
     * not sign in to the CRM on every request. Runs use `client()` (their own call counts).
     */
    async sharedClient(): Promise<SalesforceClient> {
      const c = await load();
      const key = JSON.stringify(c ?? null);
      if (shared && shared.key === key && deps.now() - shared.at < 60_000) return shared.client;
      // Requests arriving together share the one sign-in; a failed one is not kept.
      const client = this.client();
      shared = { key, client, at: deps.now() };
      client.catch(() => {
        if (shared?.client === client) shared = undefined;
      });
      return client;
    },
    /** Records what a run learned: API usage, or that the admin must reconnect. */
    async note(client: SalesforceClient, error?: unknown): Promise<void> {
      const c = await load();
      if (!c) return;
      const usage = await client.apiUsage().catch(() => undefined);
      const next: StoredConnection = { ...c, ...(usage ? { apiUsage: { ...usage, at: deps.now() } } : {}) };
      if (error instanceof SalesforceError && error.problem === "RECONNECT_REQUIRED") {
        next.status = "reconnect";
        next.message = error.message;
      } else if (!error && c.status === "reconnect") {
        next.status = "connected";
        delete next.message;
      }
      await save(next);
    },
  };
}

export type ConnectionService = ReturnType<typeof createConnectionService>;
