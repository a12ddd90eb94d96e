import http from "node:http";
import type { AddressInfo } from "node:net";
import { chromium, type Browser } from "playwright-core";

/** Flags for Debian's Chromium in a container: headless, no sandbox, nothing phoning home. */
export const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"];

/** Launches the system Chromium; each `browser.newContext()` is a fresh profile. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.PENDULUM_CHROMIUM ?? "/usr/bin/chromium", args: CHROMIUM_ARGS });
}

/** A page the static server answers with: HTML, or a function of the request URL. */
export type StaticPage = string | ((url: URL) => string);

export type StaticServer = { url: string; close(): Promise<void> };

/**
 * Serves test pages as a host web app would, from 127.0.0.1 so Pendulum (on localhost) is a
 * different origin, as in production.
 */
export async function serveStatic(pages: Record<string, StaticPage>): Promise<StaticServer> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const page = pages[url.pathname];
    if (page === undefined) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }).end(typeof page === "string" ? page : page(url));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Polls `probe` until it returns a value, or fails with `what` after `timeoutMs`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** One request as the recording proxy saw it. */
export type SeenRequest = { method: string; path: string; body: string };

export type RecordingProxy = { url: string; seen: SeenRequest[]; close(): Promise<void> };

/**
 * A transparent HTTP proxy in front of `target` that records every request body. Chromium sends
 * sendBeacon bodies from a page that is unloading outside the page's devtools target, so neither
 * page.on("request") nor CDP sees them; on the wire, this does.
 */
export async function recordingProxy(target: string): Promise<RecordingProxy> {
  const upstream = new URL(target);
  const seen: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      seen.push({ method: req.method ?? "GET", path: req.url ?? "/", body: body.toString("utf8") });
      const forward = http.request(
        { hostname: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: { ...req.headers, host: upstream.host } },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      forward.on("error", () => res.writeHead(502).end());
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    // "localhost" while the host pages use 127.0.0.1: a different origin, as in production.
    url: `http://localhost:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
