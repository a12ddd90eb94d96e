import type { FastifyRequest } from "fastify";
import { ApiError } from "./errors.js";

/** What a caller of Pendulum's API may do: viewers read, admins also change. */
export type Role = "admin" | "viewer";

/** Who is calling Pendulum's API: a signed-in user or an API token. */
export type Principal = {
  kind: "user" | "token";
  id: string;
  name: string;
  role: Role;
  /** The one sign-in session or API token the caller used (so a flow can be bound to it). */
  credential?: string;
};

declare module "fastify" {
  interface FastifyRequest {
    /** Set by the server's `/api/v1` guard before any module's route runs. */
    principal?: Principal;
  }
}

/** Throws unless the caller has the given role (for reads that expose secrets). */
export function requireRole(request: FastifyRequest, role: Role): Principal {
  const p = request.principal;
  if (!p) throw new ApiError(401, "UNAUTHENTICATED", "Sign in first.");
  if (role === "admin" && p.role !== "admin") throw new ApiError(403, "FORBIDDEN", "This needs the admin role.");
  return p;
}
