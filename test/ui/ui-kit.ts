import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { expect } from "vitest";

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/** Where screenshots of each screen go (kept by CI as test output). */
export const SCREENSHOT_DIR = path.resolve("test-output", "ui");

export const ADMIN = { email: "admin@example.com", password: "correct horse battery" };

export type AdminPage = {
  page: Page;
  context: BrowserContext;
  /** Console errors and uncaught page errors seen so far. */
  problems: string[];
  close(): Promise<void>;
};

/** A fresh browser profile on Pendulum's UI that records console errors and failed requests. */
export async function openUi(browser: Browser, baseUrl: string): Promise<AdminPage> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  return { page, context, problems, close: () => context.close() };
}

/** Signs in through the sign-in form, as a person would, and waits for the shell. */
export async function signIn(page: Page, who: { email: string; password: string } = ADMIN): Promise<void> {
  await page.goto("/");
  await page.getByLabel(/^Email/).fill(who.email);
  await page.getByLabel(/^Password/).fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("navigation", { name: "Main navigation" }).waitFor();
}

/** Signs in and forgets the console's 401 from the sign-in page asking who is signed in. */
export async function signInClean(ui: AdminPage, who: { email: string; password: string } = ADMIN): Promise<void> {
  await signIn(ui.page, who);
  for (let i = ui.problems.length - 1; i >= 0; i--) if (/401/.test(ui.problems[i] as string)) ui.problems.splice(i, 1);
}

/** Opens a screen from the sidebar (by its label) and waits for its heading. */
export async function openScreen(page: Page, label: string, heading: string | RegExp = label): Promise<void> {
  await page.getByRole("navigation", { name: "Main navigation" }).getByRole("link", { name: label, exact: true }).click();
  await page.getByRole("heading", { level: 1, name: heading }).waitFor();
}

/** Waits until no loading indicator is shown (the screen has its data); other status messages may stay. */
export async function settled(page: Page, timeoutMs = 15_000): Promise<void> {
  await page.waitForFunction(() => document.querySelectorAll("[data-loading]").length === 0, undefined, { timeout: timeoutMs });
}

/** Saves a full-page screenshot under test-output/ui/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export type AxeViolation = { id: string; impact: string | null; help: string; nodes: { target: string[]; html: string }[] };

/** Runs axe-core on the page; returns serious and critical violations. */
export async function accessibilityViolations(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate(() => "axe" in window);
  // Evaluated through the DevTools protocol rather than added as an inline <script>: the admin
  // UI's Content-Security-Policy refuses inline scripts, and the test must not weaken it.
  if (!loaded) await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: AxeViolation[] }> } }).axe;
    return axe.run(document, { resultTypes: ["violations"] });
  });
  return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

/** The standard check of a screen: screenshot, no serious accessibility violations, no console errors. */
export async function checkScreen(ui: AdminPage, name: string): Promise<void> {
  await settled(ui.page);
  // Finite CSS transitions and animations (a modal or notice fading in) must end first: axe
  // measures colour contrast on what is painted, and a half-faded text fails it. Spinners loop
  // forever and are left out.
  await ui.page.waitForFunction(
    () => document.getAnimations().every((a) => a.playState !== "running" || a.effect?.getTiming().iterations === Infinity),
    undefined,
    { timeout: 10_000 },
  );
  await screenshot(ui.page, name);
  const violations = await accessibilityViolations(ui.page);
  expect(violations.map((v) => `${v.id}: ${v.help} at ${v.nodes.map((n) => `${n.target.join(" ")} ${n.html.slice(0, 160)}`).join(", ")}`), `accessibility of ${name}`).toEqual([]);
  expect(ui.problems, `console errors on ${name}`).toEqual([]);
}
