import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPendulum, TEST_TRACK_SECRET, type TestPendulum } from "../../test/harness.js";

// Issue 15, finding 3: a page on another origin of the same site (another port of the same host)
// rides on the SameSite=Lax session cookie unless cookie-authenticated changes check where they
// come from, and a body sent as text/plain (what an HTML form can send) is not taken as JSON.

let p: TestPendulum;
let appId: string;
let cookie: string;

beforeAll(async () => {
  p = await startTestPendulum();
  appId = ((await (await p.api("/api/v1/apps")).json()) as { apps: { id: string }[] }).apps[0]?.id as string;
  const login = await fetch(`${p.url}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json", origin: p.url }, body: JSON.stringify({ email: "admin@example.com", password: "correct horse battery" }) });
  cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] as string;
});
afterAll(async () => {
  await p?.close();
});

const otherPort = (): string => {
  const u = new URL(p.url);
  return `${u.protocol}//${u.hostname}:${Number(u.port) + 1}`;
};

/** Whether the original track secret still works (a rotation would have replaced it). */
async function secretUnchanged(): Promise<boolean> {
  const res = await fetch(`${p.url}/data/track`, { method: "POST", headers: { "content-type": "application/json", "x-pendulum-track-secret": TEST_TRACK_SECRET }, body: JSON.stringify({ type: "track", event: "csrf probe", visitorId: "v-csrf", timestamp: Date.now() }) });
  return res.status === 200;
}

const rotate = (headers: Record<string, string>, body?: string): Promise<Response> => fetch(`${p.url}/api/v1/apps/${appId}/track-secret`, { method: "POST", headers: { cookie, ...headers }, ...(body === undefined ? {} : { body }) });

describe("cookie-authenticated changes", () => {
  it("refuses a form on another port of the same host (Origin), and keeps the secret", async () => {
    const res = await rotate({ origin: otherPort(), "content-type": "text/plain" }, "");
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: "CROSS_ORIGIN_REQUEST" });
    expect(await secretUnchanged()).toBe(true);
  });

  it("refuses a same-site request told apart only by Sec-Fetch-Site, and one that says nothing", async () => {
    expect((await rotate({ "sec-fetch-site": "same-site" })).status).toBe(403);
    expect((await rotate({ origin: "null" })).status).toBe(403);
    expect((await rotate({})).status).toBe(403);
    expect(await secretUnchanged()).toBe(true);
  });

  it("refuses a text/plain body even from the UI's own origin: JSON only", async () => {
    const res = await rotate({ origin: p.url, "content-type": "text/plain" }, "{}");
    expect(res.status).toBe(415);
    expect(await secretUnchanged()).toBe(true);
  });

  it("refuses a sign-in posted from another origin", async () => {
    const res = await fetch(`${p.url}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json", origin: otherPort() }, body: JSON.stringify({ email: "admin@example.com", password: "correct horse battery" }) });
    expect(res.status).toBe(403);
  });

  it("accepts the UI's own origin, and token callers need no Origin", async () => {
    expect((await rotate({ origin: p.url })).status).toBe(200);
    expect((await rotate({ "sec-fetch-site": "same-origin" })).status).toBe(200);
    expect((await p.api(`/api/v1/apps/${appId}/track-secret`, { method: "POST" })).status).toBe(200);
    expect(await secretUnchanged()).toBe(false);
  });
});
