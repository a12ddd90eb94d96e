// The admin UI a success team lives in (issue 19), driven in Chromium on a workspace that looks
// lived in (setUpArticleLoop with history: weeks of usage, health and CTAs written by the rules on
// past rule dates, NPS answers and guide views): the overview as the loop, one customer on one
// page, the data the rules make, previews that never save, one status badge, date, link and header
// everywhere, errors with a retry, small and short screens, and report charts pinned to the overview.
// Screenshots at 1440×900 and 390×844 go to test-output/ui/.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { HEALTH_JOB, LOOP_JOB, RULE_ACCOUNT_TO_USAGE, setUpArticleLoop, type LoopWorkspace } from "../../src/demo/index.js";
import { composeDefaultWith } from "../../src/server/index.js";
import type { HealthSummary } from "../../src/success/index.js";
import { launchBrowser } from "../browser.js";
import { startTestPendulum, TEST_TOKEN, type TestPendulum } from "../harness.js";
import { checkScreen, openScreen, openUi, settled, signIn, type AdminPage } from "./ui-kit.js";

const CRM = { username: "team-ui-api@acme.test", password: "s3cret-Passw0rd-team", clientId: "3MVG9team_ui_client_0123456789", clientSecret: "team-ui-client-secret-0123456789" };
const SIZES = [
  { width: 1440, height: 900 },
  { width: 390, height: 844 },
] as const;

let p: TestPendulum;
let ws: LoopWorkspace;
let browser: Browser;
let ui: AdminPage;

const json = async <T>(path: string, init?: RequestInit): Promise<T> => {
  const res = await p.api(path, init);
  const body = (await res.json()) as T;
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
};
const send = (path: string, method: string, body?: unknown) => p.api(path, body === undefined ? { method } : { method, body: JSON.stringify(body) });

beforeAll(async () => {
  // Short CRM retries, so the test of a CRM that fails answers in milliseconds rather than after the production backoff.
  p = await startTestPendulum({
    env: { PENDULUM_CRM_USERNAME: CRM.username, PENDULUM_CRM_PASSWORD: CRM.password, PENDULUM_CRM_CLIENT_ID: CRM.clientId, PENDULUM_CRM_CLIENT_SECRET: CRM.clientSecret },
    compose: composeDefaultWith({ sync: { tuning: { retry: { attempts: 2, baseDelayMs: 5, maxDelayMs: 20 }, timeoutMs: 10_000 } } }),
  });
  ws = await setUpArticleLoop({ url: p.url, token: TEST_TOKEN, crm: CRM }, { accounts: 16, visitorsPerAccount: 4, days: 28, history: true });
  for (const chain of [LOOP_JOB, HEALTH_JOB]) expect((await json<{ status: string }>(`/api/v1/jobs/${encodeURIComponent(chain)}/run`, { method: "POST" })).status).toBe("success");
  browser = await launchBrowser();
  ui = await openUi(browser, p.url);
  await signIn(ui.page);
  ui.problems.length = 0; // the sign-in page's "who am I" probe answers 401 before signing in
}, 240_000);
afterAll(async () => {
  await ui?.close();
  await browser?.close();
  await p?.close();
});

/** Screenshots a screen at 1440×900 and at 390×844 (full page), each checked with axe and for console errors. */
async function shoot(name: string): Promise<void> {
  for (const size of SIZES) {
    await ui.page.setViewportSize(size);
    await ui.page.mouse.move(size.width - 2, size.height - 2);
    await checkScreen(ui, `${name}-${size.width}`);
    if (size.width === 390) await checkPhone(ui.page, name);
  }
  await ui.page.setViewportSize(SIZES[0]);
}

/** At phone width: the header keeps one row, nothing runs off the side, and no badge cuts its words. */
async function checkPhone(page: Page, name: string): Promise<void> {
  const found = await page.evaluate(() => {
    const header = document.querySelector("header");
    const problems: string[] = [];
    if (header && header.getBoundingClientRect().height > 60) problems.push(`header is ${header.getBoundingClientRect().height}px high`);
    if (document.documentElement.scrollWidth > window.innerWidth + 1) problems.push(`the page is ${document.documentElement.scrollWidth}px wide`);
    for (const label of document.querySelectorAll<HTMLElement>(".mantine-Badge-label")) {
      if (label.scrollWidth > label.clientWidth + 1) problems.push(`badge "${label.textContent}" is cut`);
    }
    return problems;
  });
  expect(found, `phone layout of ${name}`).toEqual([]);
}

/**
 * The shared parts, checked on the screen shown: every run status is the one status badge in the
 * one vocabulary, no date is written another way, every link has the one link style, and the way
 * back sits above the title.
 */
async function checkShared(page: Page, name: string): Promise<void> {
  const found = await page.evaluate(() => {
    const problems: string[] = [];
    const main = document.querySelector("main");
    if (!main) return ["no main"];
    const statusWords = /^(success|succeeded|failure|failed|partial|running|never run|waiting|not reached)$/i;
    const words = new Set(["Succeeded", "Partial", "Failed", "Running", "Waiting", "Not reached", "Never run"]);
    // Column headings and count labels (a "Failed" count) and form controls are not statuses.
    const skip = (el: Element) => el.closest("select, option, input, textarea, code, pre, canvas, th, [data-testid^=count-], [aria-hidden=true], .mantine-Select-dropdown") !== null;
    for (const el of main.querySelectorAll("*")) {
      if (el.children.length > 0 || skip(el)) continue;
      const text = (el.textContent ?? "").trim();
      if (statusWords.test(text) && !el.closest("[data-status-badge]")) problems.push(`status "${text}" outside the status badge (${el.tagName})`);
      if (/\b\d{1,2}\/\d{1,2}\/\d{4}\b/.test(text)) problems.push(`date written as ${text}`);
      if (/(^|[^\w/.-])\d{4}-\d{2}-\d{2}(?![\w-])/.test(text) && !el.closest("[data-raw-id]")) problems.push(`ISO date in "${text.slice(0, 80)}"`);
    }
    for (const badge of main.querySelectorAll("[data-status-badge=run]")) {
      const text = (badge.textContent ?? "").trim();
      // A success with notices says so in the same badge (ADR 0012).
      if (!words.has(text.replace(/ with [\d,]+ notices?$/, ""))) problems.push(`run status badge says "${text}"`);
    }
    for (const a of main.querySelectorAll("a[href]")) {
      if (!/mantine-(Anchor|Button|NavLink)-root/.test(a.className)) problems.push(`link "${(a.textContent ?? "").trim()}" is not styled as a link`);
    }
    const header = main.querySelector("[data-testid=page-header]");
    const back = header?.querySelector("a");
    const h1 = header?.querySelector("h1");
    if (back && h1 && (back.textContent ?? "").startsWith("←") && back.compareDocumentPosition(h1) & Node.DOCUMENT_POSITION_PRECEDING) problems.push("the way back is below the title");
    if (!h1) problems.push("no page header with a title");
    return problems;
  });
  expect(found, `shared parts of ${name}`).toEqual([]);
}

async function go(path: string, heading: string | RegExp): Promise<void> {
  await ui.page.goto(path);
  await ui.page.getByRole("heading", { level: 1, name: heading }).waitFor();
  await settled(ui.page);
}

describe("the admin UI a success team lives in", () => {
  beforeEach(async () => {
    await ui.page.setViewportSize(SIZES[0]);
  });

  it("1. the overview is the loop: each stage's run, result and writes, freshness, health now and over time, who moved, the CRM connection", async () => {
    const page = ui.page;
    await go("/", "Overview");
    const loop = page.getByRole("region", { name: `The loop: ${LOOP_JOB}` });
    for (let i = 1; i <= 5; i++) {
      const stage = loop.getByTestId(`loop-stage-${i}`);
      expect(await stage.getByTestId("status-badge").textContent()).toBe("Succeeded");
      await stage.getByText(/written of [\d,]+ read/).waitFor();
      expect(await stage.getByRole("link", { name: "See the run" }).count()).toBe(1);
    }
    await loop.getByTestId("freshness").getByText(/^CRM fields from events up to .*, .* old\.$/).waitFor();
    await loop.getByText(/next run .*\(in /).waitFor();
    const healthChain = page.getByRole("region", { name: `The loop: ${HEALTH_JOB}` });
    expect(await healthChain.getByTestId("status-badge").first().textContent()).toBe("Succeeded");

    expect(await page.getByTestId("stat-Customers").textContent()).toBe(String(ws.accounts.length));
    expect(await page.getByTestId("connection-card").getByTestId("status-badge").textContent()).toBe("Connected");
    const health = await json<HealthSummary>("/api/v1/success/health?days=90&movedDays=7&limit=8");
    for (const label of ["Red", "Yellow", "Green"]) expect(await page.getByTestId(`health-count-${label}`).textContent()).toBe(String(health.current[label] ?? 0));
    await page.getByTestId("health-trend").locator("canvas").waitFor();
    // The history's weeks show as a split that changed over time.
    const distinct = new Set(health.trend.map((t) => JSON.stringify(t.counts)));
    expect(distinct.size).toBeGreaterThan(1);
    const movers = page.getByTestId("health-movers");
    if (health.moved.length > 0) {
      await movers.getByRole("link", { name: health.moved[0]?.name }).waitFor();
      await movers.getByText(/ → .* on /).first().waitFor();
    }
    await page.getByTestId("pinned-Pendo push, last 30 days").locator("canvas").waitFor();
    await checkShared(page, "overview");
    await shoot("overview");
  });

  it("2. one customer, one page: the name everywhere, health with what moved it, scorecard, CTAs, usage, CRM fields, NPS and visitors; linked both ways", async () => {
    const page = ui.page;
    const health = await json<HealthSummary>("/api/v1/success/health?days=90&movedDays=28&limit=50");
    const customers = (await json<{ customers: { accountId: string; name: string; healthColour: string | null }[] }>("/api/v1/success/customers?limit=100")).customers;
    const red = customers.find((c) => c.healthColour === "Red");
    const chosen = customers.find((c) => c.accountId === health.moved[0]?.accountId) ?? red ?? (customers[0] as { accountId: string; name: string });
    const analyticsId = [...ws.crmIds.entries()].find(([, crmId]) => crmId === chosen.accountId)?.[0] as string;

    // Found by name in the customers list.
    await openScreen(page, "Customers");
    await page.getByLabel("Search").fill(chosen.name);
    await page.getByTestId("customers-table").getByRole("link", { name: chosen.name, exact: true }).click();
    await page.getByRole("heading", { level: 1, name: chosen.name }).waitFor();
    await settled(page);
    await page.getByTestId("health-over-time").locator("canvas").waitFor();
    expect(await page.getByTestId("health-changes").locator("li").count()).toBeGreaterThan(0);
    await page.getByTestId("health-changes").getByText(/Product usage|Relationship/).first().waitFor();
    expect(await page.getByTestId("customer-scorecard").getByRole("cell", { name: "Product usage" }).count()).toBe(1);
    await page.getByTestId("usage-chart").getByText(/\d+ periods, /).waitFor();
    await page.getByTestId("customer-crm-fields").getByText("pushed by analytics").first().waitFor();
    await page.getByTestId("customer-crm-fields").getByText("written by success").first().waitFor();
    await page.getByTestId("customer-nps").getByText(/answers|No NPS answers/).waitFor();
    await expect.poll(() => page.getByTestId("account-visitors").locator("tbody tr").count()).toBe(4);
    if (chosen === red) await page.getByTestId("customer-ctas").getByRole("cell", { name: "Health is red" }).waitFor();
    await checkShared(page, "customer page");
    await shoot("customer");

    // A CTA for this customer: the picker already holds it, by name.
    await page.getByRole("button", { name: "New CTA" }).click();
    const dialog = page.getByRole("dialog", { name: "New CTA" });
    expect(await dialog.getByLabel(/^Customer/).first().inputValue()).toContain(chosen.name);
    await dialog.getByLabel(/^Reason/).fill("Quarterly business review");
    await dialog.getByRole("button", { name: "Create CTA" }).click();
    await page.getByTestId("customer-ctas").getByRole("cell", { name: "Quarterly business review" }).waitFor();

    // The analytics account is the same company, by name, and links back.
    await page.getByTestId("account-link").click();
    await page.getByRole("heading", { level: 1, name: chosen.name }).waitFor();
    await page.getByText(`Analytics account ${analyticsId}`).waitFor();
    await page.getByTestId("customer-link").click();
    await page.getByRole("heading", { level: 1, name: chosen.name }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/success/customers/${encodeURIComponent(chosen.accountId)}`);

    // The accounts list reads by name and opens on the group that has values.
    await openScreen(page, "Accounts");
    await settled(page);
    await page.getByTestId("account-table").getByRole("link", { name: chosen.name, exact: true }).waitFor();
    expect(await page.getByRole("tab", { name: "CRM metadata" }).getAttribute("aria-selected")).toBe("true");
    ui.problems.length = 0;

    // On the CTA board a customer is picked by name, not by an 18-character id.
    await openScreen(page, "CTAs");
    await page.getByRole("button", { name: "New CTA" }).click();
    const board = page.getByRole("dialog", { name: "New CTA" });
    const other = customers.find((c) => c.accountId !== chosen.accountId) as { accountId: string; name: string };
    await board.getByLabel(/^Customer/).first().fill(other.name.split(" ")[1] as string);
    await page.getByRole("option", { name: new RegExp(other.name) }).click();
    await board.getByLabel(/^Reason/).fill("Renewal prep");
    // The owner is one of Pendulum's users, found by name.
    await board.getByLabel(/^Owner/).first().fill("admin");
    await page.getByRole("option", { name: /admin@example\.com/ }).click();
    await board.getByRole("button", { name: "Create CTA" }).click();
    await expect.poll(async () => (await json<{ ctas: { reason: string; owner: string | null }[] }>(`/api/v1/success/ctas?accountId=${other.accountId}`)).ctas.find((c) => c.reason === "Renewal prep")?.owner).toBe("admin@example.com");
    await expect.poll(() => page.getByRole("dialog").count()).toBe(0);
    await page.getByTestId("cta-column-Open").getByRole("link", { name: other.name }).first().waitFor();
  });

  it("3. the data the rules make: usage rows per period and measure, health by range and over time, the rows a run wrote", async () => {
    const page = ui.page;
    await openScreen(page, "Usage data");
    await settled(page);
    const periods = page.getByTestId("usage-periods");
    await expect.poll(() => periods.locator("canvas").count()).toBeGreaterThanOrEqual(2);
    const summary = await json<{ periods: { periodStart: string; accounts: number }[] }>("/api/v1/success/usage/summary");
    expect(summary.periods.length).toBeGreaterThanOrEqual(4);
    const rows = page.getByTestId("usage-rows");
    await expect.poll(() => rows.locator("tbody tr").count()).toBe(ws.accounts.length);
    const firstName = ws.accounts.map((a) => a.name).sort()[0] as string;
    await rows.getByRole("link", { name: firstName }).waitFor();
    await page.getByLabel(/^Rows of the period starting/).first().click();
    await page.getByRole("option", { name: /\(\d+ customers\)$/ }).nth(1).click();
    await settled(page);
    await checkShared(page, "usage data");
    await shoot("usage-data");

    await openScreen(page, "Scorecards");
    await settled(page);
    const health = await json<HealthSummary>("/api/v1/success/health?days=90&movedDays=7&limit=10");
    const dist = page.getByTestId("scorecard-distribution");
    for (const label of ["Red", "Yellow", "Green"]) expect(await dist.getByTestId(`health-count-${label}`).textContent()).toBe(String(health.current[label] ?? 0));
    await dist.getByTestId("health-trend").locator("canvas").waitFor();
    await checkShared(page, "scorecards");
    await shoot("scorecards");

    // The last run of the low-usage score rule lists the score changes it made, by customer name.
    const rule = await json<{ id: string }>(`/api/v1/success/rules/${encodeURIComponent("Health: product usage low")}`);
    const runs = await json<{ runs: { id: string; actions: { written: number }[] }[] }>(`/api/v1/success/rules/${rule.id}/runs`);
    const wrote = runs.runs.find((r) => (r.actions[0]?.written ?? 0) > 0);
    expect(wrote).toBeDefined();
    await go(`/success/rules/${rule.id}/runs/${wrote?.id}`, /^Run of /);
    const written = page.getByTestId("run-rows");
    await written.getByRole("tab", { name: /Score changes/ }).waitFor();
    await expect.poll(() => written.getByTestId("run-score-rows").locator("tbody tr").count()).toBe(wrote?.actions[0]?.written);
    await checkShared(page, "rule run");
    // Rule 1's run shows the usage rows it wrote.
    const usageRule = await json<{ id: string }>(`/api/v1/success/rules/${encodeURIComponent(RULE_ACCOUNT_TO_USAGE.name)}`);
    const usageRuns = await json<{ runs: { id: string }[] }>(`/api/v1/success/rules/${usageRule.id}/runs`);
    await go(`/success/rules/${usageRule.id}/runs/${usageRuns.runs[usageRuns.runs.length - 1]?.id}`, /^Run of /);
    await expect.poll(() => page.getByTestId("run-usage-rows").locator("tbody tr").count()).toBeGreaterThan(0);
  });

  it("4. preview never saves: an edited rule previews as edited, stays as stored, is marked unsaved and asks before it is left", async () => {
    const page = ui.page;
    const stored = await json<{ id: string; name: string; description?: string }>(`/api/v1/success/rules/${encodeURIComponent(RULE_ACCOUNT_TO_USAGE.name)}`);
    await go(`/success/rules/${stored.id}`, RULE_ACCOUNT_TO_USAGE.name);
    expect(await page.getByTestId("unsaved").count()).toBe(0);
    await page.getByLabel("Description").fill("Trying a change");
    await page.getByTestId("unsaved").waitFor();
    await page.getByRole("button", { name: "Save and run now" }).waitFor();
    await page.getByRole("button", { name: "Preview" }).click();
    await page.getByTestId("preview-summary").getByText(/the rule was not saved/).waitFor();
    expect((await json<{ description?: string }>(`/api/v1/success/rules/${stored.id}`)).description).toBe(stored.description);
    // Leaving asks first; staying keeps the edit.
    let asked = "";
    page.once("dialog", (d) => {
      asked = d.message();
      void d.dismiss();
    });
    await page.getByRole("navigation", { name: "Main navigation" }).getByRole("link", { name: "Customers", exact: true }).click();
    await expect.poll(() => asked).toContain("not saved");
    expect(new URL(page.url()).pathname).toBe(`/success/rules/${stored.id}`);
    expect(await page.getByLabel("Description").inputValue()).toBe("Trying a change");
    await checkShared(page, "rule builder");
    page.once("dialog", (d) => void d.accept());
    await page.getByRole("navigation", { name: "Main navigation" }).getByRole("link", { name: "Customers", exact: true }).click();
    await page.getByRole("heading", { level: 1, name: "Customers" }).waitFor();
    expect((await json<{ description?: string }>(`/api/v1/success/rules/${stored.id}`)).description).toBe(stored.description);
  });

  it("5. one status badge, one date format, one link style and one page header on every screen that shows runs", async () => {
    const page = ui.page;
    const syncRuns = await json<{ runs: { id: string }[] }>("/api/v1/sync/runs?limit=1");
    const rule = await json<{ id: string }>(`/api/v1/success/rules/${encodeURIComponent(RULE_ACCOUNT_TO_USAGE.name)}`);
    const ruleRuns = await json<{ runs: { id: string }[] }>(`/api/v1/success/rules/${rule.id}/runs`);
    const screens: [string, string | RegExp][] = [
      ["/", "Overview"],
      ["/jobs", "Jobs"],
      ["/crm/runs", "Sync runs"],
      [`/crm/runs/${syncRuns.runs[0]?.id}`, /^Sync run/],
      ["/crm", "CRM connection"],
      ["/success/rules", "Rules"],
      [`/success/rules/${rule.id}/runs`, "Run history"],
      [`/success/rules/${rule.id}/runs/${ruleRuns.runs[0]?.id}`, /^Run of /],
      ["/success/ctas", "CTAs"],
      ["/guides", "Guides"],
      [`/reports/${ws.reports.last30}`, "Pendo push, last 30 days"],
    ];
    for (const [path, heading] of screens) {
      await go(path, heading);
      await checkShared(page, path);
    }
    // Every run status those screens showed came in the same badge.
    await go("/jobs", "Jobs");
    const words = await page.locator("main [data-status-badge=run]").allTextContents();
    expect(words.length).toBeGreaterThan(5);
    expect(new Set(words)).toEqual(new Set(words.filter((w) => ["Succeeded", "Never run", "Partial", "Failed", "Running", "Waiting", "Not reached"].includes(w.replace(/ with [\d,]+ notices?$/, "")))));
    ui.problems.length = 0;
  });

  it("6. an error comes with Try again, never beside an empty state, and Try again recovers", async () => {
    const page = ui.page;
    expect((await send("/api/v1/crm/faults", "POST", { share: 1, kinds: ["503"], seed: 1 })).status).toBe(200);
    try {
      await ui.page.goto("/crm/fields");
      const notice = page.getByTestId("error-notice");
      await notice.waitFor({ timeout: 30_000 });
      await notice.getByRole("button", { name: "Try again" }).waitFor();
      expect(await page.getByTestId("crm-fields").count()).toBe(0);
      await checkShared(page, "account fields failing");
    } finally {
      expect((await send("/api/v1/crm/faults", "DELETE")).status).toBe(200);
    }
    await page.getByTestId("error-notice").getByRole("button", { name: "Try again" }).click();
    await page.getByTestId("crm-fields").waitFor({ timeout: 30_000 });
    await expect.poll(() => page.getByTestId("error-notice").count()).toBe(0);
    ui.problems.length = 0;
  });

  it("7. small screens and short ones: the sidebar fits 1440×900 and folds, a menu at phone width, field errors in view, the last admin stays", async () => {
    const page = ui.page;
    await page.setViewportSize(SIZES[0]);
    await go("/", "Overview");
    const nav = page.getByRole("navigation", { name: "Main navigation" });
    const bottoms = await nav.getByRole("link").evaluateAll((links) => links.map((l) => l.getBoundingClientRect().bottom));
    expect(bottoms.length).toBeGreaterThan(15);
    expect(Math.max(...bottoms)).toBeLessThanOrEqual(900);
    // A section folds with its heading and unfolds again.
    await nav.getByRole("button", { name: /Analytics/ }).click();
    await expect.poll(() => nav.getByRole("link", { name: "Segments" }).isVisible()).toBe(false);
    await nav.getByRole("button", { name: /Analytics/ }).click();
    await nav.getByRole("link", { name: "Segments" }).waitFor();
    // The whole sidebar hides for wide tables.
    // (A hidden sidebar slides out to the left.)
    const right = () => nav.evaluate((el) => el.getBoundingClientRect().right);
    await page.getByTestId("sidebar-toggle").click();
    await expect.poll(right).toBeLessThanOrEqual(0);
    await page.getByTestId("sidebar-toggle").click();
    await expect.poll(right).toBeGreaterThan(100);

    // At phone width the sidebar is a menu behind the burger; the user is a menu too.
    await page.setViewportSize(SIZES[1]);
    await go("/jobs", "Jobs");
    await checkPhone(page, "jobs");
    await page.getByRole("button", { name: "Open the menu" }).click();
    await nav.getByRole("link", { name: "Usage data" }).click();
    await page.getByRole("heading", { level: 1, name: "Usage data" }).waitFor();
    await expect.poll(right).toBeLessThanOrEqual(0);
    await page.getByTestId("user-menu").click();
    await page.getByRole("menuitem", { name: "Sign out" }).waitFor();
    await page.keyboard.press("Escape");

    // The browser's own "fill out this field" stops below the fixed header.
    await go("/success/rules/new", "New rule");
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await page.getByRole("button", { name: "Save rule" }).click();
    const name = page.getByLabel("Rule name");
    await expect.poll(() => name.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await name.evaluate((el) => el.getBoundingClientRect().top)).toBeGreaterThanOrEqual(56);
    // A field the server refuses is brought into view below the header.
    await name.fill("A rule without fields");
    await page.getByRole("button", { name: "Add action" }).click();
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await page.getByRole("button", { name: "Save rule" }).click();
    const show = page.getByRole("combobox", { name: "Show fields" });
    await expect.poll(async () => (await show.first().getAttribute("aria-invalid")) === "true").toBe(true);
    await expect.poll(() => show.first().evaluate((el) => el.getBoundingClientRect().top)).toBeGreaterThanOrEqual(56);
    expect(await show.first().evaluate((el) => el.getBoundingClientRect().bottom)).toBeLessThanOrEqual(844);
    ui.problems.length = 0;
    // Leave without saving the new rule.
    page.once("dialog", (d) => void d.accept());
    await page.setViewportSize(SIZES[0]);

    // The only admin, signed in: no Delete on their own row.
    await page.getByRole("navigation", { name: "Main navigation" }).getByRole("link", { name: "Users and tokens", exact: true }).click();
    await page.getByRole("heading", { level: 1, name: "Users and API tokens" }).waitFor();
    await settled(page);
    const me = page.getByTestId("users-table").getByRole("row", { name: /admin@example\.com/ });
    await me.getByText("You (signed in)").waitFor();
    expect(await me.getByRole("button", { name: /Delete/ }).count()).toBe(0);
    ui.problems.length = 0;
  });

  it("9. each account report charts its main column and can be pinned to the overview", async () => {
    const page = ui.page;
    await go(`/reports/${ws.reports.last7}`, "Accounts, last 7 days");
    await page.getByTestId("report-chart").locator("canvas").waitFor();
    await page.getByTestId("report-chart").getByText(/^Top 15 by /).waitFor();
    // The demo pinned the push's report only: pin this one, see it on the overview, unpin it.
    expect(await page.getByRole("button", { name: "Unpin from overview" }).count()).toBe(0);
    await page.getByRole("button", { name: "Pin to overview" }).click();
    await page.getByRole("button", { name: "Unpin from overview" }).waitFor();
    expect((await json<{ pinned: boolean }>(`/api/v1/reports/${ws.reports.last7}`)).pinned).toBe(true);
    await go("/", "Overview");
    await page.getByTestId("pinned-Accounts, last 7 days").locator("canvas").waitFor();
    await go(`/reports/${ws.reports.last7}`, "Accounts, last 7 days");
    await page.getByRole("button", { name: "Unpin from overview" }).click();
    await page.getByRole("button", { name: "Pin to overview" }).waitFor();
    await go("/", "Overview");
    expect(await page.getByTestId("pinned-Accounts, last 7 days").count()).toBe(0);
    await checkShared(page, "report");
  });
});
