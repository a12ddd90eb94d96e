import type { FastifyReply, FastifyRequest } from "fastify";
import { SfError, invalidSession } from "./errors.js";
import type { Session } from "./oauth.js";
import type { OpContext, OpReply } from "./ops.js";
import { parseVersion } from "./versions.js";

/**
 * What every CRM route file needs from a request: its session, its API version and how an
 * operation's answer is sent. Kept apart from the route files so they never import each other.
 */
const sessions = new WeakMap<FastifyRequest, Session>();

/** Remembers the session the auth hook found for a request. */
export function attachSession(request: FastifyRequest, session: Session): void {
  sessions.set(request, session);
}

/** The caller's session; routes behind the auth hook always have one. */
export function sessionOf(request: FastifyRequest): Session {
  const s = sessions.get(request);
  if (!s) throw invalidSession();
  return s;
}

/** The API version of a `/services/data/vXX.X/...` request. */
export function versionOf(request: FastifyRequest): string {
  const v = parseVersion(String((request.params as Record<string, unknown>)["version"] ?? ""));
  if (!v) throw new SfError(404, "NOT_FOUND", "The requested resource does not exist");
  return v;
}

/** Session and version together, as operations take them. */
export function opContext(request: FastifyRequest): OpContext {
  return { userId: sessionOf(request).userId, version: versionOf(request) };
}

/** Sends an operation's answer. */
export function send(reply: FastifyReply, r: OpReply): FastifyReply {
  if (r.headers) for (const [k, v] of Object.entries(r.headers)) reply.header(k, v);
  reply.status(r.status);
  return r.body === undefined ? reply.send() : reply.send(r.body);
}

/** The access token of a request: `Authorization: Bearer|OAuth …` or `?oauth_token=`. */
export function bearer(request: FastifyRequest): string | undefined {
  const h = request.headers.authorization;
  if (h && /^(Bearer|OAuth)\s+/i.test(h)) return h.replace(/^(Bearer|OAuth)\s+/i, "").trim();
  const q = (request.query as Record<string, unknown> | undefined)?.["oauth_token"];
  return typeof q === "string" ? q : undefined;
}

/** Splits a comma-separated parameter (`fields=Id,Name`) into its non-empty items. */
export function list(raw: string | undefined): string[] {
  return (raw ?? "").split(",").map((s) => s.trim()).filter(Boolean);
}
