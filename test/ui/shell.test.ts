import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { launchBrowser } from "../browser.js";
import { startTestPendulum, type TestPendulum } from "../harness.js";
import { ADMIN, checkScreen, openScreen, openUi, signIn } from "./ui-kit.js";

describe("admin UI: sign-in, shell, users and roles", () => {
  let p: TestPendulum;
  let browser: Browser;
  beforeAll(async () => {
    p = await startTestPendulum();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await p?.close();
  });

  it("refuses a wrong password with the server's message, then signs in and shows the overview", async () => {
    const ui = await openUi(browser, p.url);
    await ui.page.goto("/");
    await ui.page.getByLabel(/^Email/).fill(ADMIN.email);
    await ui.page.getByLabel(/^Password/).fill("not the password");
    await ui.page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => ui.page.getByText("The email or password is wrong.").count()).toBe(1);
    await checkScreen({ ...ui, problems: ui.problems.filter((e) => !e.includes("401")) }, "sign-in-error");
    ui.problems.length = 0;
    await ui.page.getByLabel(/^Password/).fill(ADMIN.password);
    await ui.page.getByRole("button", { name: "Sign in" }).click();
    await ui.page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
    await checkScreen(ui, "overview");
    await ui.close();
  });

  it("serves the UI for a deep link and a JSON 404 for unknown API paths", async () => {
    const page = await fetch(`${p.url}/accounts/some-id`, { headers: { accept: "text/html" } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    const api = await fetch(`${p.url}/api/v1/nothing-here`, { headers: { accept: "text/html" } });
    expect(api.status).toBe(404);
    expect(((await api.json()) as { code: string }).code).toBe("NOT_FOUND");
    const asset = await fetch(`${p.url}/assets/..%2F..%2Fpackage.json`);
    expect(asset.status).toBe(404);
  });

  it("an admin adds a viewer; the viewer sees no settings and cannot change anything", async () => {
    const admin = await openUi(browser, p.url);
    await signIn(admin.page);
    await openScreen(admin.page, "Users and tokens", "Users and API tokens");
    await admin.page.getByRole("button", { name: "Add user" }).click();
    const dialog = admin.page.getByRole("dialog", { name: "Add a user" });
    await dialog.getByLabel(/^Email/).fill("viewer@example.com");
    await dialog.getByLabel(/^Password/).fill("short");
    await dialog.getByRole("button", { name: "Add user" }).click();
    await expect.poll(() => dialog.getByText(/password must NOT have fewer than 8 characters/).count()).toBe(1);
    admin.problems.length = 0;
    await dialog.getByLabel(/^Password/).fill("viewer password 1");
    await dialog.getByRole("button", { name: "Add user" }).click();
    await admin.page.getByRole("cell", { name: "viewer@example.com", exact: true }).waitFor();
    await checkScreen(admin, "settings-users");
    await admin.close();

    const viewer = await openUi(browser, p.url);
    await signIn(viewer.page, { email: "viewer@example.com", password: "viewer password 1" });
    expect(await viewer.page.getByRole("link", { name: "Users and tokens" }).count()).toBe(0);
    const status = await viewer.page.evaluate(async () => (await fetch("/api/v1/tokens", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "x" }) })).status);
    expect(status).toBe(403);
    await viewer.close();
  });
});
