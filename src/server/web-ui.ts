import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { PREVIEW_PAGE_SCRIPT } from "../guides/index.js";

const here = path.dirname(fileURLToPath(import.meta.url));
/** Where `npm run build` puts the admin UI (same place from src/ under tsx and from dist/). */
export const WEB_UI_DIR = path.resolve(here, "..", "..", "dist", "web");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".woff2": "font/woff2",
};

/**
 * The admin UI's Content-Security-Policy: its own scripts only (plus, by hash, the guide preview's
 * one inline script, which its sandboxed srcdoc page inherits this policy for), styles inline too
 * (Mantine sets style attributes), images from anywhere guide content may point, calls to its own
 * API, and no framing by any page (clickjacking).
 */
export const UI_CSP = [
  "default-src 'self'",
  `script-src 'self' 'sha256-${crypto.createHash("sha256").update(PREVIEW_PAGE_SCRIPT).digest("base64")}'`,
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob: https: http:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** Paths that belong to an API, never to the UI's client-side routes. */
const NOT_UI = /^\/(api|services|data|id|health|agent)(\/|\.|$)/;

/** True when a request is a browser asking for a page of the admin UI. */
export function isUiPage(request: FastifyRequest): boolean {
  if (request.method !== "GET" && request.method !== "HEAD") return false;
  const pathname = request.url.split("?")[0] ?? "/";
  if (NOT_UI.test(pathname) || pathname.startsWith("/assets/")) return false;
  return (request.headers.accept ?? "").includes("text/html");
}

/**
 * Serves the built admin UI: hashed files under /assets with long caching, and index.html for
 * `/` and every client-side route, so a reload on /accounts/42 opens that screen. When the UI
 * was not built, `/` says how to build it instead of a bare 404.
 */
export function registerWebUi(app: FastifyInstance, dir: string = WEB_UI_DIR): { servePage(reply: FastifyReply): FastifyReply } {
  const indexFile = path.join(dir, "index.html");
  const assetsDir = path.join(dir, "assets");

  function servePage(reply: FastifyReply): FastifyReply {
    if (!fs.existsSync(indexFile)) {
      return reply
        .status(503)
        .type("text/html; charset=utf-8")
        .send("<!doctype html><title>Pendulum</title><p>The admin UI is not built. Run <code>npm run build</code> and reload. The API is at <a href=\"/api/v1/openapi.json\">/api/v1</a>.</p>");
    }
    return reply.header("cache-control", "no-cache").header("content-security-policy", UI_CSP).type(TYPES[".html"] ?? "text/html").send(fs.createReadStream(indexFile));
  }

  app.get("/", { schema: { hide: true } }, async (_request, reply) => servePage(reply));
  app.get("/assets/*", { schema: { hide: true } }, async (request, reply) => {
    const name = (request.params as { "*": string })["*"];
    const file = path.resolve(assetsDir, name);
    if (!file.startsWith(assetsDir + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      return reply.status(404).send({ code: "NOT_FOUND", message: `No UI asset ${name}` });
    }
    const type = TYPES[path.extname(file)] ?? "application/octet-stream";
    return reply.header("cache-control", "public, max-age=31536000, immutable").type(type).send(fs.createReadStream(file));
  });
  for (const file of ["favicon.svg"]) {
    app.get(`/${file}`, { schema: { hide: true } }, async (_request, reply) => {
      const full = path.join(dir, file);
      if (!fs.existsSync(full)) return reply.status(404).send({ code: "NOT_FOUND", message: `No ${file}` });
      return reply.header("cache-control", "public, max-age=86400").type(TYPES[path.extname(file)] ?? "application/octet-stream").send(fs.createReadStream(full));
    });
  }
  return { servePage };
}
