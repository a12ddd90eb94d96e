import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Fastify from "fastify";
import { afterAll, describe, expect, it } from "vitest";
import { installErrorHandler } from "./errors.js";
import { isUiPage, registerWebUi } from "./web-ui.js";

async function serve(dir: string) {
  const app = Fastify({ logger: false });
  const ui = registerWebUi(app, dir);
  installErrorHandler(app, { notFound: (request, reply) => (isUiPage(request) ? ui.servePage(reply) : undefined) });
  await app.ready();
  return app;
}

describe("admin UI serving", () => {
  const built = fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-web-"));
  fs.mkdirSync(path.join(built, "assets"));
  fs.writeFileSync(path.join(built, "index.html"), '<!doctype html><div id="root"></div>');
  fs.writeFileSync(path.join(built, "assets", "index-abc123.js"), "console.log(1)");
  fs.writeFileSync(path.join(os.tmpdir(), "pendulum-secret.txt"), "secret");
  afterAll(() => {
    fs.rmSync(built, { recursive: true, force: true });
    fs.rmSync(path.join(os.tmpdir(), "pendulum-secret.txt"), { force: true });
  });

  it("answers / and client-side routes with index.html, API paths with a JSON 404", async () => {
    const app = await serve(built);
    const root = await app.inject({ url: "/" });
    expect(root.statusCode).toBe(200);
    expect(root.headers["content-type"]).toContain("text/html");
    expect(root.headers["cache-control"]).toBe("no-cache");
    const deep = await app.inject({ url: "/success/rules/r1?tab=runs", headers: { accept: "text/html,application/xhtml+xml" } });
    expect(deep.statusCode).toBe(200);
    expect(deep.body).toContain('<div id="root">');
    for (const url of ["/api/v1/nothing", "/services/data/v62.0/nothing", "/data/nothing"]) {
      const r = await app.inject({ url, headers: { accept: "text/html" } });
      expect(r.statusCode).toBe(404);
      expect(r.json()).toMatchObject({ code: "NOT_FOUND" });
    }
    // A script asking for JSON on an unknown path gets JSON, not the page.
    expect((await app.inject({ url: "/accounts/1", headers: { accept: "application/json" } })).json()).toMatchObject({ code: "NOT_FOUND" });
    await app.close();
  });

  it("serves hashed assets for a year and nothing outside the assets folder", async () => {
    const app = await serve(built);
    const asset = await app.inject({ url: "/assets/index-abc123.js" });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers["content-type"]).toContain("text/javascript");
    expect(asset.headers["cache-control"]).toContain("immutable");
    for (const url of ["/assets/..%2F..%2Fpendulum-secret.txt", "/assets/../index.html", "/assets/missing.js"]) {
      expect((await app.inject({ url })).statusCode).toBe(404);
    }
    await app.close();
  });

  it("says how to build the UI when it was not built", async () => {
    const app = await serve(path.join(built, "not-there"));
    const r = await app.inject({ url: "/" });
    expect(r.statusCode).toBe(503);
    expect(r.body).toContain("npm run build");
    await app.close();
  });
});
