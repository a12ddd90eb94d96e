import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestPendulum, type TestPendulum } from "../../test/harness.js";

// Issue 15, finding 12: the admin UI and the CRM's sign-in page could be framed, and no answer
// said nosniff. (test/ui/*.test.ts drive the UI under this policy in Chromium: a refused script
// or style is a console error there.)

const CRM = { PENDULUM_CRM_USERNAME: "headers@acme.test", PENDULUM_CRM_PASSWORD: "s3cret-Passw0rd-hdr", PENDULUM_CRM_CLIENT_ID: "3MVG9headers_client_0123", PENDULUM_CRM_CLIENT_SECRET: "headers-secret-0123456789" };
let p: TestPendulum;
beforeAll(async () => {
  p = await startTestPendulum({ env: CRM });
});
afterAll(async () => {
  await p?.close();
});

const framingRefused = (res: Response): void => {
  expect(res.headers.get("x-frame-options")).toBe("DENY");
  expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  expect(res.headers.get("x-content-type-options")).toBe("nosniff");
};

it("the admin UI may not be framed and runs only its own scripts", async () => {
  const res = await fetch(`${p.url}/`, { headers: { accept: "text/html" } });
  framingRefused(res);
  const csp = res.headers.get("content-security-policy") ?? "";
  expect(csp).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/=]+'(;|$)/);
  expect(csp).not.toContain("'unsafe-eval'");
  expect(csp).toContain("object-src 'none'");
});

it("the CRM's sign-in page may not be framed and runs no script", async () => {
  const callback = "https://app.example/cb";
  expect((await p.api(`/api/v1/crm/connected-apps/${CRM.PENDULUM_CRM_CLIENT_ID}/callback-urls`, { method: "POST", body: JSON.stringify({ url: callback }) })).status).toBe(200);
  const res = await fetch(`${p.url}/services/oauth2/authorize?response_type=code&client_id=${CRM.PENDULUM_CRM_CLIENT_ID}&redirect_uri=${encodeURIComponent(callback)}`);
  expect(res.status).toBe(200);
  framingRefused(res);
  expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
});

it("API and ingest answers say nosniff", async () => {
  for (const path of ["/api/v1/openapi.json", "/health", "/agent.js", "/services/data"]) {
    expect((await fetch(`${p.url}${path}`)).headers.get("x-content-type-options"), path).toBe("nosniff");
  }
});
