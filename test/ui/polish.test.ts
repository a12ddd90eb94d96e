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

describe("the admin UI's finishing points", () => {
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
      // Leave an editor without being asked (nothing was changed).
      page.removeAllListeners("dialog");
    }
    await page.setViewportSize({ width: 1366, height: 900 });
    expect(wide).toEqual([]);
  }, 240_000);
});
