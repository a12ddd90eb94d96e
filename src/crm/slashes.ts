import type { IncomingMessage, Server } from "node:http";

/** The path prefixes the built-in CRM serves. */
const CRM_PATH = /^\/(services|id)(\/|$)/;

/**
 * Collapses repeated slashes in the path of a CRM request (`//services//data/v62.0/query` →
 * `/services/data/v62.0/query`), leaving the query string alone; other paths are returned as given.
 * Salesforce accepts such paths, and clients build them: the Salesforce CLI stores an instance URL
 * with a trailing slash and appends `/services/…` to it.
 */
export function normalizeCrmPath(url: string): string {
  const q = url.indexOf("?");
  const path = q === -1 ? url : url.slice(0, q);
  if (!path.includes("//")) return url;
  const collapsed = path.replace(/\/{2,}/g, "/");
  if (!CRM_PATH.test(collapsed)) return url;
  return q === -1 ? collapsed : collapsed + url.slice(q);
}

/**
 * Rewrites CRM request paths before the router sees them. Fastify routes on the raw URL and its
 * only rewrite hook is a server-wide option; a `request` listener put ahead of Fastify's own keeps
 * the rewrite inside the CRM module, and every hook after it (API budget, limit header) sees the
 * same path the route matched.
 */
export function collapseCrmSlashes(server: Server): void {
  server.prependListener("request", (request: IncomingMessage) => {
    if (request.url) request.url = normalizeCrmPath(request.url);
  });
}
