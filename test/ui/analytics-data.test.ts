import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { launchBrowser } from "../browser.js";
import { startTestPendulum, TEST_APP_KEY, type TestPendulum } from "../harness.js";
import { checkScreen, openScreen, openUi, signIn, type AdminPage } from "./ui-kit.js";

const CRM = { username: "ui-data@acme.test", password: "s3cret-Passw0rd-uidata", clientId: "3MVG9uidata_client_0123456789", clientSecret: "uidata-client-secret-0123456789" };
const HOUR = 3_600_000;

type Entity = { id: string; metadata: { agent: Record<string, unknown>; custom: Record<string, unknown> } };
type Mapping = { id: string; reportId: string; object: string; fields: { column: string; field: string }[]; dailySync: boolean };

describe("admin UI: accounts, visitors, account detail, reports and the CRM push", () => {
  let p: TestPendulum;
  let browser: Browser;
  let ui: AdminPage;
  const json = async <T>(path: string, init?: RequestInit): Promise<T> => {
    const res = await p.api(path, init);
    const body = (await res.json()) as T;
    if (!res.ok) throw new Error(`${init?.method ?? "GET"} ${path}: ${res.status} ${JSON.stringify(body)}`);
    return body;
  };

  beforeAll(async () => {
    p = await startTestPendulum({ env: { PENDULUM_CRM_USERNAME: CRM.username, PENDULUM_CRM_PASSWORD: CRM.password, PENDULUM_CRM_CLIENT_ID: CRM.clientId, PENDULUM_CRM_CLIENT_SECRET: CRM.clientSecret } });
    // Two accounts with visitors active over the last few days, through the agent's endpoint.
    const now = Date.now();
    const plan: [string, string, number, Record<string, string>][] = [
      ["acme", "ada", 1, { plan: "enterprise", region: "EU" }],
      ["acme", "bob", 2, { plan: "enterprise", region: "EU" }],
      ["acme", "ada", 4, { plan: "enterprise", region: "EU" }],
      ["globex", "cyd", 1, { plan: "starter", region: "US" }],
    ];
    for (const [account, visitor, daysAgo, meta] of plan) {
      const base = now - daysAgo * 24 * HOUR;
      const events = [
        { type: "load", ts: base, url: "https://app.example.com/home", title: "Home" },
        { type: "click", ts: base + 30_000, url: "https://app.example.com/home", element: [{ tag: "button", id: "save" }] },
        { type: "click", ts: base + 4 * 60_000, url: "https://app.example.com/home", element: [{ tag: "button", id: "export" }] },
        { type: "load", ts: base + 9 * 60_000, url: "https://app.example.com/reports" },
      ];
      const res = await fetch(`${p.url}/data/ingest?key=${TEST_APP_KEY}`, {
        method: "POST",
        headers: { "content-type": "text/plain" },
        body: JSON.stringify({ visitor: { id: visitor, email: `${visitor}@example.com` }, account: { id: account, ...meta }, events }),
      });
      expect(res.status).toBe(200);
    }
    // Wait until the events are flushed and rolled up (what the detail charts read).
    for (let i = 0; ; i++) {
      const res = await p.api("/api/v1/accounts/acme/usage?days=30");
      const events = res.ok ? ((await res.json()) as { days: { events: number }[] }).days.reduce((n, d) => n + d.events, 0) : 0;
      if (events === 12) break;
      if (i > 150) throw new Error(`the events did not reach the rollups (${events} of 12)`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // Feature clicks are clicks on a defined feature: every button here is one.
    await json("/api/v1/features", { method: "POST", body: JSON.stringify({ name: "Any button", selector: "button" }) });
    // The built-in CRM: two prefixed Account fields the push may write, and the connection.
    for (const [name, label] of [
      ["Pendo_visitors_last30d__c", "Pendo Visitors (30d)"],
      ["Pendo_minutes_last30d__c", "Pendo Minutes (30d)"],
    ]) {
      await json("/api/v1/crm/fields", { method: "POST", body: JSON.stringify({ name, label, type: "Number", precision: 18, scale: 0 }) });
    }
    await json("/api/v1/sync/connection", { method: "PUT", body: JSON.stringify({ loginUrl: p.url, clientId: CRM.clientId, clientSecret: CRM.clientSecret, grant: "password", username: CRM.username, password: CRM.password }) });
    browser = await launchBrowser();
    ui = await openUi(browser, p.url);
    await signIn(ui.page);
    // The sign-in page's "who is signed in?" probe answers 401 before signing in; that is expected.
    ui.problems.length = 0;
  }, 120_000);
  afterAll(async () => {
    await ui?.close();
    await browser?.close();
    await p?.close();
  });

  it("lists accounts with metadata groups as columns, and visitors with their detail", async () => {
    const { page } = ui;
    await openScreen(page, "Accounts");
    const table = page.getByTestId("account-table");
    await table.getByRole("link", { name: "acme", exact: true }).waitFor();
    await expect.poll(() => table.getByRole("cell", { name: "enterprise" }).count()).toBe(1);
    await page.getByRole("tab", { name: "CRM metadata" }).click();
    await table.getByText("none on this page").waitFor();
    await page.getByRole("tab", { name: "Agent metadata" }).click();
    // The search runs on the server (ids and metadata values across every page), not over the loaded rows.
    const searched = page.waitForRequest((r) => new URL(r.url()).pathname === "/api/v1/accounts" && new URL(r.url()).searchParams.get("q") === "glob");
    await page.getByLabel("Search accounts").fill("glob");
    await searched;
    await expect.poll(() => table.getByRole("link").count()).toBe(1);
    await page.getByLabel("Search accounts").fill("no-such-account");
    await table.getByText('No accounts match "no-such-account"').waitFor();
    await page.getByLabel("Search accounts").fill("");
    await checkScreen(ui, "analytics-accounts");

    await openScreen(page, "Visitors");
    // Visitors read by name (here the email the agent sent), with the id beside it.
    await page.getByTestId("visitor-table").getByRole("link", { name: "ada@example.com", exact: true }).click();
    await page.getByRole("heading", { level: 1, name: "ada@example.com" }).waitFor();
    await page.getByText("Visitor ada: metadata by group").waitFor();
    await page.getByRole("link", { name: "acme", exact: true }).waitFor();
    await checkScreen(ui, "analytics-visitor-detail");
  });

  it("opens an account: usage charts, metadata by group, and an admin edits a custom value", async () => {
    const { page } = ui;
    await openScreen(page, "Accounts");
    await page.getByTestId("account-table").getByRole("link", { name: "acme", exact: true }).click();
    await page.getByRole("heading", { level: 1, name: "Account acme" }).waitFor();
    for (const id of ["visitors", "minutes", "clicks"]) await page.getByTestId(`usage-${id}`).locator("canvas").waitFor();
    await page.getByTestId("usage-clicks").getByText("6 clicks in total over 30 days").waitFor();
    expect(await page.getByTestId("usage-clicks").getByRole("img").getAttribute("aria-label")).toContain("6 clicks in total over 30 days");
    await page.getByText("Last 90 days").click();
    await page.getByTestId("usage-clicks").getByText("6 clicks in total over 90 days").waitFor();
    await page.getByRole("cell", { name: "enterprise" }).waitFor();

    await page.getByRole("tab", { name: /Custom/ }).click();
    await page.getByRole("button", { name: "Add field" }).click();
    await page.getByLabel("Field name").fill("tier");
    await page.getByLabel("Value", { exact: true }).fill("gold");
    await page.getByRole("button", { name: "Save custom metadata" }).click();
    await page.getByText("Saved", { exact: true }).waitFor();
    expect((await json<Entity>("/api/v1/accounts/acme")).metadata.custom).toEqual({ tier: "gold" });
    await page.getByLabel("Value of tier").waitFor();
    await checkScreen(ui, "analytics-account-detail");
  });

  it("creates a 30-day account report, shows its results, downloads CSV and saves a CRM push mapping", async () => {
    const { page } = ui;
    await openScreen(page, "Account reports");
    // Away from the sidebar link just clicked (its hover colour is the shell's, not this screen's).
    await page.mouse.move(700, 600);
    await checkScreen(ui, "analytics-reports");
    await page.getByRole("link", { name: "New report" }).click();
    await page.getByRole("heading", { level: 1, name: "New report" }).waitFor();
    await page.getByLabel("Name").fill("Usage last 30 days");
    await page.getByRole("combobox", { name: "Columns" }).click();
    await page.getByRole("combobox", { name: "Columns" }).fill("feature cl");
    await page.getByRole("option", { name: "Feature clicks" }).click();
    await page.getByRole("combobox", { name: "Columns" }).fill("custom");
    await page.getByRole("option", { name: "custom: tier" }).click();
    await page.keyboard.press("Escape");
    await checkScreen(ui, "analytics-report-editor");
    await page.getByRole("button", { name: "Create report" }).click();
    await page.getByRole("heading", { level: 1, name: "Usage last 30 days" }).waitFor();
    const results = page.getByTestId("report-results");
    await results.getByRole("link", { name: "acme", exact: true }).waitFor();
    const reports = (await json<{ reports: { id: string; name: string; range: unknown; columns: string[] }[] }>("/api/v1/reports")).reports;
    const report = reports.find((r) => r.name === "Usage last 30 days");
    expect(report).toMatchObject({ range: { last: 30 }, columns: ["visitors", "minutes", "lastVisit", "featureClicks", "custom.tier"] });
    const acmeRow = results.getByRole("row").filter({ has: page.getByRole("link", { name: "acme", exact: true }) });
    await expect.poll(() => acmeRow.getByRole("cell").allInnerTexts()).toEqual(["acme", "2", expect.any(String), expect.any(String), "6", "gold"]);
    // Sort by visitors, most first (on the server).
    await results.getByRole("button", { name: "Number of visitors" }).click();
    await expect.poll(() => results.getByRole("row").nth(1).getByRole("link").innerText()).toBe("acme");
    await checkScreen(ui, "analytics-report-detail");

    const href = await page.getByRole("link", { name: "Download CSV" }).getAttribute("href");
    const csv = await ui.context.request.get(href ?? "");
    expect(csv.status()).toBe(200);
    expect(csv.headers()["content-type"]).toContain("text/csv");
    const lines = (await csv.text()).trim().split("\n");
    expect(lines[0]).toBe("accountId,visitors,minutes,lastVisit,featureClicks,custom.tier");
    expect(lines.find((l) => l.startsWith("acme,"))).toMatch(/^acme,2,\d+,[^,]+,6,gold$/);

    await page.getByRole("button", { name: "CRM push" }).click();
    const dialog = page.getByRole("dialog", { name: "CRM push: Usage last 30 days" });
    await dialog.getByLabel("CRM field for Number of visitors").click();
    await page.getByRole("option", { name: /Pendo Visitors \(30d\)/ }).click();
    await dialog.getByLabel("CRM field for Time on site (minutes)").click();
    await page.getByRole("option", { name: /Pendo Minutes \(30d\)/ }).click();
    await dialog.getByRole("switch", { name: "Push daily" }).check();
    await dialog.getByText("No push has run yet.").waitFor();
    await checkScreen(ui, "analytics-report-crm-push");
    await dialog.getByRole("button", { name: "Save mapping" }).click();
    await dialog.getByText("Mapping saved").waitFor();
    const mappings = (await json<{ mappings: Mapping[] }>("/api/v1/sync/push-mappings")).mappings;
    expect(mappings).toHaveLength(1);
    expect(mappings[0]).toMatchObject({
      reportId: report?.id,
      object: "Account",
      dailySync: true,
      fields: [
        { column: "visitors", field: "Pendo_visitors_last30d__c" },
        { column: "minutes", field: "Pendo_minutes_last30d__c" },
      ],
    });
  });
});
