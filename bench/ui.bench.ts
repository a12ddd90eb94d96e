// `npm run bench -- ui`: how long each admin UI screen takes to show its data on the demo workspace.
//
// Starts `pendulum start --demo` (500 accounts × 90 days at full scale; 40 × 30 with --scale small)
// in a child process, signs in with Debian's Chromium, then opens every screen of the sidebar and
// the first detail screen each list links to, timing the click until the screen's heading is shown
// and no loading indicator remains. The figure is the slowest screen; the baseline is the same
// measure for a screen that loads nothing (the shell's "not found" page), so the ratio is how many
// times the emptiest possible screen the slowest one costs. Goal: every screen ≤ 1,000 ms; the
// overview and a customer page (timed three more times each, median printed) ≤ 500 ms.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { launchBrowser } from "../test/browser.js";
import { testEnvironment } from "../test/harness.js";
import { printFigure, type BenchOptions } from "./lib.js";

type Timed = { screen: string; ms: number };

async function startDemo(dataDir: string, small: boolean): Promise<{ url: string; stop(): Promise<void> }> {
  const size = small ? ["--demo-accounts", "40", "--demo-days", "30"] : [];
  const child = spawn(process.execPath, ["--import", "tsx", path.join("test", "fixtures", "start-child.ts"), "--demo", ...size], {
    env: { ...process.env, ...testEnvironment(dataDir), PENDULUM_LOG_LEVEL: "error" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo did not finish in 10 minutes:\n${out}`)), 600_000);
    child.stdout.on("data", () => {
      if (/Demo: stopped/.test(out)) reject(new Error(out));
      if (/^Demo: ready\.$/m.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => reject(new Error(`pendulum exited with ${code}:\n${out}`)));
  });
  const url = (/running at (http:\/\/\S+)/.exec(out) as RegExpExecArray)[1] as string;
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** Clicks `target` and waits for a level-1 heading and no loading indicator; returns milliseconds. */
async function timeClick(page: Page, click: () => Promise<void>): Promise<number> {
  const before = page.url();
  const start = performance.now();
  await click();
  await page.waitForFunction(
    (prev) => window.location.href !== prev && document.querySelector("main h1") !== null && document.querySelectorAll("[data-loading]").length === 0,
    before,
    { timeout: 30_000, polling: 10 },
  );
  return performance.now() - start;
}

export async function run(options: BenchOptions): Promise<void> {
  const small = options.scale === "small";
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-bench-ui-"));
  const env = testEnvironment(dataDir);
  const demo = await startDemo(dataDir, small);
  const browser = await launchBrowser();
  try {
    const page = await (await browser.newContext({ viewport: { width: 1366, height: 900 } })).newPage();
    await page.goto(demo.url);
    await page.getByLabel(/^Email/).fill(env["PENDULUM_ADMIN_EMAIL"] as string);
    await page.getByLabel(/^Password/).fill(env["PENDULUM_ADMIN_PASSWORD"] as string);
    await page.getByRole("button", { name: "Sign in" }).click();
    const nav = page.getByRole("navigation", { name: "Main navigation" });
    await nav.waitFor();

    // Baseline: a client-side route with no data to load (best of three).
    const empty: number[] = [];
    for (let i = 0; i < 3; i++) {
      empty.push(await timeClick(page, () => page.evaluate((n) => {
        window.history.pushState(null, "", `/no-such-screen-${n}`);
        window.dispatchEvent(new PopStateEvent("popstate"));
      }, i)));
    }
    const baseline = Math.min(...empty);

    const timed: Timed[] = [];
    const links = await nav.getByRole("link").evaluateAll((as) => as.map((a) => ({ label: a.textContent ?? "", href: a.getAttribute("href") ?? "" })));
    for (const link of links) {
      timed.push({ screen: link.href, ms: await timeClick(page, () => nav.getByRole("link", { name: link.label, exact: true }).click()) });
      // The first detail screen the list links to (an account, a rule, a guide…).
      const detail = page.locator(`main a[href^="${link.href}/"]`).first();
      if (link.href !== "/" && (await detail.count()) > 0) {
        const href = (await detail.getAttribute("href")) ?? "";
        timed.push({ screen: href.replace(/\/[^/]+$/, "/:id"), ms: await timeClick(page, () => detail.click()) });
      }
    }
    const slowest = timed.reduce((a, b) => (b.ms > a.ms ? b : a));
    // The two screens a success team opens most, timed three more times each (the median is printed):
    // the overview, and the customer page of the first customer the list links to.
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
    const again = async (open: () => Promise<void>): Promise<number[]> => {
      const ms: number[] = [];
      for (let i = 0; i < 3; i++) {
        await timeClick(page, () => page.evaluate((n) => {
          window.history.pushState(null, "", `/no-such-screen-again-${n}`);
          window.dispatchEvent(new PopStateEvent("popstate"));
        }, i));
        ms.push(await timeClick(page, open));
      }
      return ms;
    };
    const overview = await again(() => nav.getByRole("link", { name: "Overview", exact: true }).click());
    await timeClick(page, () => nav.getByRole("link", { name: "Customers", exact: true }).click());
    const customerHref = (await page.locator('main a[href^="/success/customers/"]').first().getAttribute("href")) ?? "/success/customers";
    const customer = await again(() => page.evaluate((href) => {
      window.history.pushState(null, "", href);
      window.dispatchEvent(new PopStateEvent("popstate"));
    }, customerHref));
    printFigure({
      bench: "ui.slowest_screen",
      value: slowest.ms,
      unit: "ms",
      baseline,
      slowest: slowest.screen,
      goal_ms: 1000,
      screens: Object.fromEntries(timed.map((t) => [t.screen, Math.round(t.ms)])),
      accounts: small ? 40 : 500,
    });
    printFigure({ bench: "ui.overview", value: median(overview), unit: "ms", baseline, goal_ms: 500, runs_ms: overview.map(Math.round), accounts: small ? 40 : 500 });
    printFigure({ bench: "ui.customer_page", value: median(customer), unit: "ms", baseline, goal_ms: 500, runs_ms: customer.map(Math.round), screen: customerHref, accounts: small ? 40 : 500 });
  } finally {
    await browser.close();
    await demo.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
