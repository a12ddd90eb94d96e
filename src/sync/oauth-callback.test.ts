import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPendulum, type TestPendulum } from "../../test/harness.js";

describe("CRM OAuth callback", () => {
  let p: TestPendulum;
  beforeAll(async () => {
    p = await startTestPendulum();
  });
  afterAll(async () => {
    await p?.close();
  });

  it("answers an API client with the error body", async () => {
    const res = await p.api("/api/v1/sync/oauth/callback?error=access_denied&error_description=User%20denied", { headers: { accept: "application/json" } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "CRM_LOGIN_FAILED", message: "The CRM did not authorize Pendulum: User denied" });
  });

  it("sends a browser back to the connection wizard with the reason", async () => {
    const res = await p.api("/api/v1/sync/oauth/callback?error=access_denied&error_description=User%20denied", { headers: { accept: "text/html" }, redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`/crm?error=${encodeURIComponent("The CRM did not authorize Pendulum: User denied")}`);
  });

  it("refuses a code it did not ask for, in the wizard", async () => {
    const res = await p.api("/api/v1/sync/oauth/callback?code=made-up&state=nope", { headers: { accept: "text/html" }, redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toMatch(/^\/crm\?error=/);
  });
});
