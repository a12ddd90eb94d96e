import { Type } from "@sinclair/typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import { ApiError, Deleted, Nullable, Ok, requireRole, type HttpApp, type HttpModule, type Principal } from "../kernel/index.js";
import type { AuthStore } from "./auth-store.js";

export const SESSION_COOKIE = "pendulum_session";

function cookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return decodeURIComponent(v.join("="));
  }
  return undefined;
}

function bearer(request: FastifyRequest): string | undefined {
  const h = request.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(.+)$/i.exec(h);
  return m?.[1]?.trim();
}

/** Finds the caller from a Bearer token or a session cookie. */
export async function authenticate(store: AuthStore, request: FastifyRequest): Promise<Principal | null> {
  const token = bearer(request);
  if (token) return store.byToken(token);
  const session = cookie(request, SESSION_COOKIE);
  if (session) return store.bySession(session);
  return null;
}

const PUBLIC_API = new Set(["/api/v1/auth/login", "/api/v1/openapi.json", "/api/v1/health"]);

const READS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Where the UI is served from: the request's own origin, and the configured public URL's. */
function ownOrigins(request: FastifyRequest, publicUrl: string | undefined): string[] {
  const out = [`${request.protocol}://${request.host}`];
  if (publicUrl && URL.canParse(publicUrl)) out.push(new URL(publicUrl).origin);
  return out;
}

/**
 * Refuses a browser request sent from another origin. The session cookie is SameSite=Lax, which
 * stops other sites but not another port or subdomain of the same site; `Origin` (or, without it,
 * `Sec-Fetch-Site`) says where the page that sent the request came from. Browsers send one of them
 * with every POST, PUT, PATCH and DELETE, so a cookie-carrying change with neither is refused too.
 */
function checkOrigin(request: FastifyRequest, publicUrl: string | undefined, requireSignal: boolean): void {
  const origin = request.headers.origin;
  const fetchSite = request.headers["sec-fetch-site"];
  let allowed: boolean;
  if (typeof origin === "string") allowed = ownOrigins(request, publicUrl).includes(origin);
  else if (typeof fetchSite === "string") allowed = fetchSite === "same-origin";
  else allowed = !requireSignal;
  if (!allowed) {
    throw new ApiError(403, "CROSS_ORIGIN_REQUEST", "This change was sent from another origin than Pendulum's own pages; use the admin UI, or call the API with 'Authorization: Bearer <token>'.", "origin");
  }
}

/** Guards every `/api/v1` route: a caller is needed, and changes need the admin role. */
export function apiGuard(store: AuthStore, options: { publicUrl?: () => string } = {}) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const path = request.url.split("?")[0] ?? "";
    const changing = !READS.has(request.method);
    // Signing in from another origin is refused too (it would sign the browser in as someone else).
    if (path === "/api/v1/auth/login" && changing) checkOrigin(request, options.publicUrl?.(), false);
    if (PUBLIC_API.has(path)) return;
    const principal = await authenticate(store, request);
    if (!principal) {
      throw new ApiError(401, "UNAUTHENTICATED", "Sign in, or send an API token as 'Authorization: Bearer <token>'.");
    }
    // A bearer token is never sent by a browser on its own, so only cookie sessions need the check.
    if (changing && !bearer(request)) checkOrigin(request, options.publicUrl?.(), true);
    // Signing out is always allowed: a viewer must be able to end their own session.
    if (changing && principal.role !== "admin" && path !== "/api/v1/auth/logout") {
      throw new ApiError(403, "FORBIDDEN", "This change needs the admin role; your role is viewer.");
    }
    request.principal = principal;
  };
}

const RoleSchema = Type.Union([Type.Literal("admin"), Type.Literal("viewer")]);
const SignedIn = Type.Object({ user: Type.Object({ id: Type.String(), email: Type.String(), role: RoleSchema }) });
const Me = Type.Object({ kind: Type.Union([Type.Literal("user"), Type.Literal("token")]), id: Type.String(), name: Type.String(), role: RoleSchema });
const User = Type.Object({ id: Type.String(), email: Type.String(), role: RoleSchema, createdAt: Type.Number({ description: "Epoch milliseconds" }) });
const Token = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: RoleSchema,
  createdAt: Type.Number({ description: "Epoch milliseconds" }),
  lastUsedAt: Nullable(Type.Number()),
  revoked: Type.Boolean(),
});

/** Sign-in, sign-out, who-am-I and API token routes. */
export function createAuthRoutes(store: AuthStore, options: { secureCookies: boolean }): HttpModule {
  return {
    apiRoutes(app: HttpApp) {
      app.post(
        "/auth/login",
        { schema: { tags: ["auth"], body: Type.Object({ email: Type.String({ minLength: 3, maxLength: 320 }), password: Type.String({ minLength: 1, maxLength: 1024 }) }, { additionalProperties: false }), response: { 200: SignedIn } } },
        async (request, reply) => {
          const result = await store.login(request.body.email, request.body.password, request.ip);
          if (!result) throw new ApiError(401, "BAD_CREDENTIALS", "The email or password is wrong.", "password");
          if ("retryAfterSeconds" in result) {
            const s = result.retryAfterSeconds;
            throw new ApiError(429, "LOGIN_RATE_EXCEEDED", `Too many failed sign-ins for this account or from this address; try again in ${s} s.`, "password", { retryAfterSeconds: s }, { "retry-after": String(s) });
          }
          const flags = ["HttpOnly", "SameSite=Lax", "Path=/", `Max-Age=${12 * 3600}`];
          if (options.secureCookies) flags.push("Secure");
          reply.header("set-cookie", `${SESSION_COOKIE}=${encodeURIComponent(result.session)}; ${flags.join("; ")}`);
          return { user: { id: result.principal.id, email: result.principal.name, role: result.principal.role } };
        },
      );
      app.post("/auth/logout", { schema: { tags: ["auth"], response: { 200: Ok } } }, async (request, reply) => {
        const session = cookie(request, SESSION_COOKIE);
        if (session) await store.logout(session);
        reply.header("set-cookie", `${SESSION_COOKIE}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0`);
        return { ok: true };
      });
      app.get("/auth/me", { schema: { tags: ["auth"], response: { 200: Me } } }, async (request) => {
        const p = requireRole(request, "viewer");
        return { kind: p.kind, id: p.id, name: p.name, role: p.role };
      });
      app.get("/users", { schema: { tags: ["auth"], response: { 200: Type.Object({ users: Type.Array(User) }) } } }, async (request) => {
        requireRole(request, "admin");
        return { users: await store.listUsers() };
      });
      app.post(
        "/users",
        {
          schema: {
            tags: ["auth"],
            body: Type.Object(
              { email: Type.String({ minLength: 3, maxLength: 320, pattern: "^[^@\\s]+@[^@\\s]+$" }), password: Type.String({ minLength: 8, maxLength: 1024 }), role: RoleSchema },
              { additionalProperties: false },
            ),
            response: { 201: Type.Object({ id: Type.String(), email: Type.String(), role: RoleSchema }) },
          },
        },
        async (request, reply) => {
          if (await store.userByEmail(request.body.email)) throw new ApiError(409, "DUPLICATE_USER", `A user with the email ${request.body.email} already exists.`, "email");
          const created = await store.createUser(request.body.email, request.body.password, request.body.role);
          reply.status(201);
          return { id: created.id, email: request.body.email.toLowerCase(), role: request.body.role };
        },
      );
      app.delete("/users/:id", { schema: { tags: ["auth"], params: Type.Object({ id: Type.String({ maxLength: 64 }) }), response: { 200: Deleted } } }, async (request) => {
        const p = requireRole(request, "admin");
        if (p.kind === "user" && p.id === request.params.id) throw new ApiError(409, "CANNOT_DELETE_SELF", "You cannot delete the user you are signed in as.", "id");
        // Someone must always be able to sign in and manage Pendulum: the last admin user stays.
        const users = await store.listUsers();
        const target = users.find((u) => u.id === request.params.id);
        if (target?.role === "admin" && users.filter((u) => u.role === "admin").length === 1) {
          throw new ApiError(409, "LAST_ADMIN", `${target.email} is the only admin; make another user an admin before deleting this one.`, "id");
        }
        if (!(await store.deleteUser(request.params.id))) throw new ApiError(404, "NOT_FOUND", `No user ${request.params.id}`, "id");
        return { deleted: true };
      });
      app.get("/tokens", { schema: { tags: ["auth"], response: { 200: Type.Object({ tokens: Type.Array(Token) }) } } }, async (request) => {
        requireRole(request, "admin");
        return { tokens: await store.listTokens() };
      });
      app.post(
        "/tokens",
        { schema: { tags: ["auth"], body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }), role: Type.Optional(RoleSchema) }, { additionalProperties: false }),
            response: { 201: Type.Object({ id: Type.String(), token: Type.String({ description: "Shown once" }), note: Type.String() }) },
          },
        },
        async (request, reply) => {
          const created = await store.createToken(request.body.name, request.body.role ?? "admin");
          reply.status(201);
          return { id: created.id, token: created.token, note: "Shown once: store it now." };
        },
      );
      app.delete("/tokens/:id", { schema: { tags: ["auth"], params: Type.Object({ id: Type.String({ maxLength: 64 }) }), response: { 200: Type.Object({ revoked: Type.Boolean() }) } } }, async (request) => {
        if (!(await store.revokeToken(request.params.id))) throw new ApiError(404, "NOT_FOUND", `No active token ${request.params.id}`, "id");
        return { revoked: true };
      });
    },
  };
}
