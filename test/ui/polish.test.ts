// The finishing points of the admin UI (issue 19) on a small demo workspace, in Chromium: every
// editor marks unsaved changes and asks before it is left; a request that fails for real (the
// server stopped mid-test) shows the shared error with Try again, for loading and for saving, and
// Try again recovers once the server is back; a CTA owner is picked from the users by name; every
// screen fits a 390 px phone without scrolling sideways; a rule run's notices are shown.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setUpArticleLoop, LOOP_JOB, type LoopWorkspace } from "../../src/demo/index.js";
import { launchBrowser } from "../browser.js";
import { startTestPendulum, TEST_TOKEN, type TestPendulum } from "../harness.js";
import type { RuleRun } from "../../src/success/index.js";
import { openUi, settled, signIn, type AdminPage } from "./ui-kit.js";

const CRM = { username: "polish-ui@acme.test", password: "s3cret-Passw0rd-polish", clientId: "3MVG9polish_ui_client_0123456789", clientSecret: "polish-ui-client-secret-0123456789" };
const CRM_ENV = { PENDULUM_CRM_USERNAME: CRM.username, PENDULUM_CRM_PASSWORD: CRM.password, PENDULUM_CRM_CLIENT_ID: CRM.clientId, PENDULUM_CRM_CLIENT_SECRET: CRM.clientSecret };

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

beforeAll(async () => {
  p = await startTestPendulum({ env: CRM_ENV });
  ws = await setUpArticleLoop({ url: p.url, token: TEST_TOKEN, crm: CRM }, { accounts: 6, visitorsPerAccount: 2, days: 14 });
  expect((await json<{ status: string }>(`/api/v1/jobs/${encodeURIComponent(LOOP_JOB)}/run`, { method: "POST" })).status).toBe("success");
  browser = await launchBrowser();
  ui = await openUi(browser, p.url);
  await signIn(ui.page);
  ui.problems.length = 0;
}, 240_000);
afterAll(async () => {
  await ui?.close();
  await browser?.close();
  await p?.close();
});

async function go(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await page.getByRole("heading", { level: 1 }).first().waitFor();
  await settled(page);
}

/** Every screen of the UI, with the ids of the demo's own records. */
async function everyScreen(): Promise<string[]> {
  const first = async <T>(path: string, key: string, id: (r: T) => string): Promise<string[]> => {
    const list = (await json<Record<string, T[]>>(path))[key] ?? [];
    return list.length > 0 ? [id(list[0] as T)] : [];
  };
  const rule = (await json<{ rules: { id: string }[] }>("/api/v1/success/rules")).rules[0]?.id as string;
  const run = (await json<{ runs: { id: string }[] }>(`/api/v1/success/rules/${rule}/runs`)).runs[0]?.id;
  const customer = (await json<{ customers: { accountId: string }[] }>("/api/v1/success/customers?limit=1")).customers[0]?.accountId as string;
  return [
    "/",
    "/accounts",
    `/accounts/${encodeURIComponent(ws.accounts[0]?.id as string)}`,
    "/visitors",
    ...(await first<{ id: string }>("/api/v1/visitors?limit=1", "visitors", (v) => `/visitors/${encodeURIComponent(v.id)}`)),
    "/reports",
    "/reports/new",
    `/reports/${ws.reports.last30}`,
    `/reports/${ws.reports.last30}/edit`,
    "/apps",
    ...(await first<{ id: string }>("/api/v1/apps", "apps", (a) => `/apps/${encodeURIComponent(a.id)}`)),
    "/pages",
    "/features",
    "/segments",
    "/segments/new",
    `/segments/${ws.segments.onboarding}`,
    "/crm",
    "/crm/fields",
    "/crm/runs",
    ...(await first<{ id: string }>("/api/v1/sync/runs?limit=1", "runs", (r) => `/crm/runs/${r.id}`)),
    "/success/customers",
    `/success/customers/${encodeURIComponent(customer)}`,
    "/success/usage",
    "/success/objects",
    "/success/rules",
    "/success/rules/new",
    `/success/rules/${rule}`,
    `/success/rules/${rule}/runs`,
    ...(run ? [`/success/rules/${rule}/runs/${run}`] : []),
    "/success/scorecards",
    "/success/ctas",
    "/guides",
    "/guides/nps",
    "/guides/new",
    `/guides/${ws.guides.onboarding}`,
    "/jobs",
    "/settings",
  ];
}

/** Clicks a sidebar link and says what the page asked before leaving ("" when it did not ask); `stay` dismisses the question. */
async function leaveBySidebar(page: Page, label: string, answer: "stay" | "leave"): Promise<string> {
  let asked = "";
  const handler = (d: import("playwright-core").Dialog) => {
    asked = d.message();
    void (answer === "stay" ? d.dismiss() : d.accept());
  };
  page.on("dialog", handler);
  try {
    await page.getByRole("navigation", { name: "Main navigation" }).getByRole("link", { name: label, exact: true }).click();
    if (answer === "leave") await page.getByRole("heading", { level: 1, name: label }).waitFor();
    else await page.waitForTimeout(300);
  } finally {
    page.off("dialog", handler);
  }
  return asked;
}

/** True when closing or reloading the tab now would ask first (the page cancels beforeunload). */
const wouldAskOnUnload = (page: Page): Promise<boolean> =>
  page.evaluate(() => {
    const e = new Event("beforeunload", { cancelable: true });
    window.dispatchEvent(e);
    return e.defaultPrevented;
  });

/** Stops the server (as a crash or a deploy would) and starts it again on the same port and data folder. */
async function stopServer(): Promise<() => Promise<void>> {
  const port = new URL(p.url).port;
  const dataDir = p.dataDir;
  await p.close();
  return async () => {
    p = await startTestPendulum({ env: { ...CRM_ENV, PORT: port }, dataDir });
  };
}

describe("the admin UI's finishing points", () => {
  it("every editor with a Save marks unsaved changes in its header and asks before it is left; a save clears the mark", async () => {
    const page = ui.page;
    const report = await json<{ name: string }>(`/api/v1/reports/${ws.reports.last7}`);
    const segment = await json<{ name: string }>(`/api/v1/segments/${ws.segments.onboarding}`);
    const guide = await json<{ name: string }>(`/api/v1/guides/${ws.guides.onboarding}`);
    // Full-screen editors: a change marks the header, leaving asks (staying keeps the edit), closing the tab asks.
    const editors: { path: string; field: RegExp; value: string; save: string; saved: () => Promise<string> }[] = [
      { path: `/reports/${ws.reports.last7}/edit`, field: /^Name/, value: `${report.name} (edited)`, save: "Save report", saved: async () => (await json<{ name: string }>(`/api/v1/reports/${ws.reports.last7}`)).name },
      { path: `/segments/${ws.segments.onboarding}`, field: /^Segment name/, value: `${segment.name} (edited)`, save: "Save segment", saved: async () => (await json<{ name: string }>(`/api/v1/segments/${ws.segments.onboarding}`)).name },
      { path: `/guides/${ws.guides.onboarding}`, field: /^Name/, value: `${guide.name} (edited)`, save: "Save changes", saved: async () => (await json<{ name: string }>(`/api/v1/guides/${ws.guides.onboarding}`)).name },
    ];
    for (const e of editors) {
      await go(page, e.path);
      const header = page.getByTestId("page-header");
      expect(await header.getByTestId("unsaved").count(), e.path).toBe(0);
      expect(await wouldAskOnUnload(page), e.path).toBe(false);
      const input = page.getByLabel(e.field).first();
      await input.fill(e.value);
      await header.getByTestId("unsaved").waitFor();
      expect(await wouldAskOnUnload(page), e.path).toBe(true);
      expect(await leaveBySidebar(page, "Jobs", "stay"), e.path).toContain("not saved");
      expect(new URL(page.url()).pathname).toBe(e.path);
      expect(await input.inputValue()).toBe(e.value);
      await page.getByRole("button", { name: e.save }).click();
      await expect.poll(e.saved, { timeout: 15_000 }).toBe(e.value);
      await expect.poll(() => page.getByTestId("unsaved").count()).toBe(0);
      expect(await leaveBySidebar(page, "Jobs", "leave"), e.path).toBe("");
    }
    // Dialog editors: the mark is in the dialog's title; closing it with changes asks; leaving the screen asks too.
    await go(page, "/pages");
    await page.getByRole("button", { name: "New page" }).click();
    const dialog = page.getByRole("dialog", { name: /New page/ });
    await dialog.getByLabel(/^Name/).fill("Pricing");
    await dialog.getByTestId("unsaved").waitFor();
    expect(await wouldAskOnUnload(page)).toBe(true);
    let asked = "";
    page.once("dialog", (d) => {
      asked = d.message();
      void d.dismiss();
    });
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await expect.poll(() => asked).toContain("not saved");
    expect(await dialog.isVisible()).toBe(true);
    page.once("dialog", (d) => void d.accept());
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await expect.poll(() => page.getByRole("dialog").count()).toBe(0);
    expect(await leaveBySidebar(page, "Jobs", "leave")).toBe("");

    // The CRM push mapping (a sync mapping) of a report.
    await go(page, `/reports/${ws.reports.last30}`);
    await page.getByRole("button", { name: "CRM push" }).click();
    const push = page.getByRole("dialog", { name: /CRM push/ });
    const daily = push.getByLabel(/daily/i).first();
    await daily.waitFor();
    await daily.click();
    await push.getByTestId("unsaved").waitFor();
    expect(await wouldAskOnUnload(page)).toBe(true);
    await daily.click();
    await expect.poll(() => push.getByTestId("unsaved").count()).toBe(0);
    ui.problems.length = 0;
  }, 120_000);

  it("a request that fails for real (the server stopped) shows the shared error with Try again, for loading and for saving; Try again recovers", async () => {
    const page = ui.page;
    // Saving: the report editor's Save meets a stopped server, then Try again saves what was typed.
    await go(page, `/reports/${ws.reports.last7}/edit`);
    const name = `Accounts, last 7 days, saved after a restart`;
    await page.getByLabel(/^Name/).first().fill(name);
    let restart = await stopServer();
    await page.getByRole("button", { name: "Save report" }).click();
    const saving = page.getByTestId("error-notice");
    await saving.getByText(/did not answer/).waitFor({ timeout: 15_000 });
    await saving.getByRole("button", { name: "Try again" }).waitFor();
    expect(await page.getByTestId("unsaved").count()).toBe(1);
    await restart();
    await saving.getByRole("button", { name: "Try again" }).click();
    // The save goes on as if the first try had worked: the report opens under its new name.
    await page.getByRole("heading", { level: 1, name }).waitFor({ timeout: 15_000 });
    expect((await json<{ name: string }>(`/api/v1/reports/${ws.reports.last7}`)).name).toBe(name);
    expect(await page.getByTestId("error-notice").count()).toBe(0);

    // Loading: each screen opened while the server is down shows the error with Try again and never its empty state.
    await go(page, "/");
    restart = await stopServer();
    for (const [label, empty] of [
      ["Customers", /No customers/],
      ["Rules", /No rules yet/],
      ["Jobs", /No jobs/],
      ["Segments", /No segments/],
    ] as const) {
      await page.getByRole("navigation", { name: "Main navigation" }).getByRole("link", { name: label, exact: true }).click();
      await page.getByRole("heading", { level: 1, name: label }).waitFor();
      const notice = page.getByTestId("error-notice").first();
      await notice.waitFor({ timeout: 15_000 });
      await notice.getByRole("button", { name: "Try again" }).waitFor();
      expect(await page.getByText(empty).count(), label).toBe(0);
    }
    await restart();
    // One Try again brings back every request of the screen that failed (the list and the page and feature names).
    await page.getByTestId("error-notice").first().getByRole("button", { name: "Try again" }).click();
    await expect.poll(() => page.getByTestId("error-notice").count(), { timeout: 15_000 }).toBe(0);
    await page.getByTestId("segments-table").waitFor();
    ui.problems.length = 0;
  }, 120_000);

  it("a CTA owner is picked from the users by name, in a rule's action and on the CTA board", async () => {
    const page = ui.page;
    await go(page, "/success/rules/new");
    await page.getByLabel("New action").selectOption("createCta");
    await page.getByRole("button", { name: "Add action" }).click();
    const action = page.getByRole("group", { name: /Action 1: / });
    await action.getByLabel(/^Owner/).first().click();
    await action.getByLabel(/^Owner/).first().fill("admin");
    await page.getByRole("option", { name: /admin@example\.com/ }).click();
    expect(await action.getByLabel(/^Owner/).first().inputValue()).toMatch(/^admin@example\.com/);
    expect(await leaveBySidebar(page, "CTAs", "leave")).toContain("not saved");
    await page.getByRole("button", { name: "New CTA" }).click();
    const dialog = page.getByRole("dialog", { name: /New CTA/ });
    const customer = ws.accounts[1]?.name as string;
    await dialog.getByLabel(/^Customer/).first().fill(customer.split(" ")[1] as string);
    await page.getByRole("option", { name: new RegExp(customer) }).click();
    await dialog.getByLabel(/^Reason/).fill("Owner picked by name");
    await dialog.getByLabel(/^Owner/).first().fill("admin");
    await page.getByRole("option", { name: /admin@example\.com/ }).click();
    await dialog.getByRole("button", { name: "Create CTA" }).click();
    await expect.poll(async () => (await json<{ ctas: { reason: string; owner: string | null }[] }>("/api/v1/success/ctas?limit=200")).ctas.find((c) => c.reason === "Owner picked by name")?.owner).toBe("admin@example.com");
    ui.problems.length = 0;
  }, 60_000);

  it("a rule run that succeeded with notices shows them in its history, on its page and in the jobs timeline, as the API does", async () => {
    const page = ui.page;
    const success = (path: string, body: unknown) => json(`/api/v1/success${path}`, { method: "POST", body: JSON.stringify(body) });
    // Twenty customers, one holding a value the integer measure refuses: 1 of 20 is a notice, not a failure (ADR 0012).
    for (let i = 1; i <= 20; i++) await success("/customers", { accountId: `NOTICE${String(i).padStart(2, "0")}`, name: `Notice customer ${i}`, custom: { seats: i === 7 ? "lots" : String(i) } });
    await success("/usage/measures", { name: "seats", label: "Seats", type: "integer", aggregation: "sum" });
    const rule = await success("/rules", {
      name: "Seats to usage",
      type: "Custom",
      customersOnly: true,
      filters: [{ field: "custom.seats", operator: "exists" }],
      source: { kind: "customers" },
      show: ["accountId", "custom.seats"],
      actions: [{ type: "loadToUsage", mappings: [{ to: "accountId", field: "accountId" }, { to: "seats", field: "custom.seats" }, { to: "aggregationLevel", constant: "ACCOUNTLEVEL" }, { to: "date", ruleDate: 0 }] }],
    }) as { id: string };
    const run = (await success(`/rules/${rule.id}/run`, {})) as RuleRun;
    expect(run).toMatchObject({ status: "success", notices: 1 });

    await go(page, `/success/rules/${rule.id}/runs`);
    const row = page.getByTestId("runs-table").locator("tbody tr").first();
    expect(await row.getByTestId("status-badge").textContent()).toBe("Succeeded with 1 notice");
    await go(page, `/success/rules/${rule.id}/runs/${run.id}`);
    await page.getByTestId("run-notices-note").getByText(/succeeded with 1 notice/).waitFor();
    const errors = page.getByTestId("run-errors");
    await errors.getByRole("heading", { name: "Notices (1)" }).waitFor();
    await errors.getByRole("cell", { name: "NOTICE07" }).waitFor();

    // Through a job, the timeline says notices too.
    const job = await json<{ id: string }>("/api/v1/jobs", { method: "POST", body: JSON.stringify({ name: "Seats job", kind: "rule", params: { rule: rule.id }, schedule: null, timeZone: "UTC" }) });
    expect((await json<{ status: string; notices: number }>(`/api/v1/jobs/${job.id}/run`, { method: "POST" })).notices).toBe(1);
    await go(page, "/jobs");
    const jobRow = page.getByTestId("jobs-table").getByRole("row", { name: /Seats job/ });
    expect(await jobRow.getByTestId("status-badge").textContent()).toBe("Succeeded with 1 notice");
    await page.getByRole("button", { name: "History: Seats job" }).click();
    await page.getByTestId("job-runs").getByText(/read 20 rows, wrote [\d,]+, 1 notices/).waitFor();
    await page.keyboard.press("Escape");
    ui.problems.length = 0;
  }, 60_000);

  it("every screen fits a 390×844 phone: the document is no wider than the viewport", async () => {
    const page = ui.page;
    await page.setViewportSize({ width: 390, height: 844 });
    const wide: string[] = [];
    for (const path of await everyScreen()) {
      await go(page, path);
      const found = await page.evaluate(() => {
        const width = document.documentElement.scrollWidth;
        if (width <= window.innerWidth) return null;
        // Name the widest element that reaches past the right edge, to say what to fix.
        let culprit = "";
        let reach = window.innerWidth;
        for (const el of document.querySelectorAll<HTMLElement>("main *, header *")) {
          const r = el.getBoundingClientRect();
          if (r.right > reach + 1 && el.closest(".mantine-Table-scrollContainer, .mantine-ScrollArea-root, canvas") === null) {
            reach = r.right;
            culprit = `${el.tagName.toLowerCase()}.${el.className.toString().split(" ").slice(0, 2).join(".")} "${(el.textContent ?? "").trim().slice(0, 40)}"`;
          }
        }
        return `${width}px wide (${culprit})`;
      });
      if (found) wide.push(`${path}: ${found}`);
    }
    await page.setViewportSize({ width: 1366, height: 900 });
    expect(wide).toEqual([]);
  }, 240_000);
});
