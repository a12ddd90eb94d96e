import { execFileSync } from "node:child_process";
import fs from "node:fs";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WireGuide } from "../../src/guides/wire.js";
import { launchBrowser } from "../../test/browser.js";

const guide: WireGuide = {
  id: "draft",
  name: "Draft tour",
  auto: true,
  activation: { type: "automatic" },
  frequency: "once",
  priority: 0,
  steps: [
    { layout: "lightbox", title: "Welcome", html: "<p>First <strong>step</strong></p>", buttons: [] },
    { layout: "banner", html: "<p>Second step</p>", buttons: [] },
  ],
};

describe("the renderer's preview entry (window.pendulumPreview)", () => {
  let browser: Browser;
  let bundle: string;
  beforeAll(async () => {
    execFileSync(process.execPath, ["scripts/build-agent.mjs"]);
    bundle = fs.readFileSync("dist/agent-guides.js", "utf8");
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("draws a guide definition at a chosen step, replaces it on the next call, and sends nothing", async () => {
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    await page.setContent(`<!doctype html><body><p>Host</p><script>window.pendulumPreview = {};</script><script>${bundle}</script></body>`);
    expect(await page.evaluate(() => typeof (window as unknown as { pendulumPreview: { show?: unknown } }).pendulumPreview.show)).toBe("function");
    const show = (step: number) => page.evaluate(([g, s]) => (window as unknown as { pendulumPreview: { show(g: unknown, s: number): void } }).pendulumPreview.show(g, s), [guide, step] as const);
    await show(0);
    await expect.poll(() => page.locator("pendulum-guides [role=dialog]").textContent()).toContain("First step");
    await show(1);
    await expect.poll(() => page.locator("pendulum-guides [role=region]").textContent()).toContain("Second step");
    expect(await page.locator("pendulum-guides [role=dialog]").count()).toBe(0);
    // Back goes to the first step inside the preview, as it would for a visitor.
    await page.locator("pendulum-guides").getByRole("button", { name: "Back" }).click();
    await expect.poll(() => page.locator("pendulum-guides [role=dialog]").count()).toBe(1);
    expect(requests.filter((u) => !u.startsWith("about:") && !u.startsWith("data:"))).toEqual([]);
    await page.close();
  });

  it("does nothing on a page that set neither the agent hook nor the preview hook", async () => {
    const page = await browser.newPage();
    await page.setContent(`<!doctype html><body><script>${bundle}</script></body>`);
    expect(await page.evaluate(() => "pendulumPreview" in window || document.querySelector("pendulum-guides") !== null)).toBe(false);
    await page.close();
  });
});
