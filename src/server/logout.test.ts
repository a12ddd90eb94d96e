import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestPendulum, type TestPendulum } from "../../test/harness.js";

// Issue 15, finding 14: a viewer's sign-out answered 403 and the session stayed valid.

let p: TestPendulum;
beforeAll(async () => {
  p = await startTestPendulum();
  expect((await p.api("/api/v1/users", { method: "POST", body: JSON.stringify({ email: "reader@example.com", password: "long enough pw", role: "viewer" }) })).status).toBe(201);
});
afterAll(async () => {
  await p?.close();
});

it("signs a viewer out and ends the session", async () => {
  const login = await fetch(`${p.url}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json", origin: p.url }, body: JSON.stringify({ email: "reader@example.com", password: "long enough pw" }) });
  const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] as string;
  const me = () => fetch(`${p.url}/api/v1/auth/me`, { headers: { cookie } });
  expect((await me()).status).toBe(200);
  const out = await fetch(`${p.url}/api/v1/auth/logout`, { method: "POST", headers: { cookie, origin: p.url } });
  expect(out.status).toBe(200);
  expect(out.headers.get("set-cookie")).toMatch(/Max-Age=0/);
  expect((await me()).status).toBe(401);
});

it("still refuses a viewer's changes", async () => {
  const token = ((await (await p.api("/api/v1/tokens", { method: "POST", body: JSON.stringify({ name: "ro", role: "viewer" }) })).json()) as { token: string }).token;
  expect((await fetch(`${p.url}/api/v1/auth/logout`, { method: "POST", headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  expect((await fetch(`${p.url}/api/v1/tokens`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ name: "x" }) })).status).toBe(403);
});
