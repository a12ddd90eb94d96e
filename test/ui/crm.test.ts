// The CRM integration screens driven like an admin would: a custom field added to the built-in
// CRM, the connection wizard (built-in CRM, integration user), the link check with its duplicate
// and unmatched counts before saving, the pull fields, a pull run and its per-record errors.
import type { Connection } from "jsforce";
import type { Browser, Locator } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crmLogin } from "../crm-login.js";
import { launchBrowser } from "../browser.js";
import { startTestPendulum, TEST_APP_KEY, type TestPendulum } from "../harness.js";
import { checkScreen, openScreen, openUi, signIn, type AdminPage } from "./ui-kit.js";

const CRM = { username: "ui-api@acme.test", password: "s3cret-Passw0rd-ui", clientId: "3MVG9ui_client_0123456789", clientSecret: "ui-client-secret-0123456789" };

let p: TestPendulum;
let browser: Browser;
let ui: AdminPage;
let conn: Connection;

const json = async <T>(path: string, init?: RequestInit): Promise<T> => {
  const res = await p.api(path, init);
  const body = (await res.json()) as T;
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
};

async function choose(scope: Locator, label: string, option: string | RegExp): Promise<void> {
  await scope.getByRole("combobox", { name: label, exact: true }).click();
  await ui.page.getByRole("option", { name: option }).click();
}

beforeAll(async () => {
  p = await startTestPendulum({ env: { PENDULUM_CRM_USERNAME: CRM.username, PENDULUM_CRM_PASSWORD: CRM.password, PENDULUM_CRM_CLIENT_ID: CRM.clientId, PENDULUM_CRM_CLIENT_SECRET: CRM.clientSecret } });
  // The link field and a success field the pull reads, through the admin API.
  await json("/api/v1/crm/fields", { method: "POST", body: JSON.stringify({ name: "Analytics_Account_Id__c", type: "Text", label: "Analytics Account Id", length: 64, externalId: true }) });
  await json("/api/v1/crm/fields", { method: "POST", body: JSON.stringify({ name: "Health__c", type: "Text", label: "Health", length: 20 }) });
  conn = await crmLogin({ url: p.url, crm: CRM });
  // Five Accounts linked one to one, two sharing the key acc-dup.
  const accounts = [1, 2, 3, 4, 5].map((i) => ({ Name: `Customer ${i}`, Analytics_Account_Id__c: `acc-${i}`, Health__c: i % 2 ? "Green" : "Red" }));
  accounts.push({ Name: "Twin A", Analytics_Account_Id__c: "acc-dup", Health__c: "Green" }, { Name: "Twin B", Analytics_Account_Id__c: "acc-dup", Health__c: "Red" });
  await conn.sobject("Account").create(accounts);
  // Analytics sees those six keys and two the CRM does not know.
  for (const account of ["acc-1", "acc-2", "acc-3", "acc-4", "acc-5", "acc-dup", "acc-lost-1", "acc-lost-2"]) {
    const res = await fetch(`${p.url}/data/ingest?key=${TEST_APP_KEY}`, { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify({ visitor: { id: `v-${account}` }, account: { id: account }, events: [{ type: "load", ts: Date.now() - 60_000, url: "https://app.example.com/home" }] }) });
    expect(res.status).toBeLessThan(300);
  }
  await p.modules.analytics.settle();
  browser = await launchBrowser();
  ui = await openUi(browser, p.url);
  await signIn(ui.page);
  ui.problems.length = 0; // the sign-in page's "who am I" probe answers 401 before signing in
}, 120_000);
afterAll(async () => {
  await ui?.close();
  await browser?.close();
  await p?.close();
});

describe("CRM integration screens", () => {
  it("Account fields: adds a Pendo_ field to the built-in CRM and shows a refused name by its input", async () => {
    const page = ui.page;
    await openScreen(page, "Account fields");
    await page.getByRole("button", { name: "Add field", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "Add a custom field to the built-in CRM" });
    await dialog.getByRole("textbox", { name: "Label" }).fill("NPS Score");
    await expect.poll(() => dialog.getByRole("textbox", { name: "API name" }).inputValue()).toBe("Pendo_NPS_Score__c");
    await choose(dialog, "Type", /^Percent/);
    await dialog.getByRole("textbox", { name: "Decimal places" }).fill("1");
    // A name the CRM refuses: the message sits under the API name input.
    await dialog.getByRole("textbox", { name: "API name" }).fill("Pendo NPS");
    await dialog.getByRole("button", { name: "Add field" }).click();
    await expect.poll(() => dialog.getByText(/Custom field names look like/).count()).toBe(1);
    ui.problems.length = 0; // the browser logs the refused request
    await dialog.getByRole("textbox", { name: "API name" }).fill("Pendo_NPS_Score__c");
    await dialog.getByRole("button", { name: "Add field" }).click();
    await page.getByText("Account.Pendo_NPS_Score__c is in the built-in CRM now.").waitFor();
    const described = await conn.sobject("Account").describe();
    expect(described.fields.find((f) => f.name === "Pendo_NPS_Score__c")).toMatchObject({ type: "percent", scale: 1, label: "NPS Score" });
    await checkScreen(ui, "crm-fields");
  });

  it("Connection: connects the built-in CRM as its integration user and shows the status and API usage", async () => {
    const page = ui.page;
    await openScreen(page, "Connection", "CRM connection");
    const form = page.getByRole("form", { name: "Connection settings" });
    await form.getByRole("radio", { name: "Pendulum's built-in CRM" }).check();
    await form.getByText("Integration user", { exact: true }).click();
    await form.getByRole("textbox", { name: "Client id (consumer key)" }).fill(CRM.clientId);
    await form.getByLabel("Client secret (consumer secret)").fill("wrong-secret-0000");
    await form.getByRole("button", { name: "Connect" }).click();
    await expect.poll(() => form.getByText(/Could not sign in to the CRM/).count()).toBeGreaterThan(0);
    ui.problems.length = 0;
    await form.getByLabel("Client secret (consumer secret)").fill(CRM.clientSecret);
    await form.getByRole("button", { name: "Connect" }).click();
    const card = page.getByTestId("connection-card");
    await card.getByText("Connected", { exact: true }).waitFor();
    await card.getByText(/API requests today/).waitFor();
    const view = await json<{ status: string; grant: string; org?: { username: string } }>("/api/v1/sync/connection");
    expect(view).toMatchObject({ status: "connected", grant: "client_credentials", org: { username: CRM.username } });
    await checkScreen(ui, "crm-connection");
  });

  it("Connection: checks the link field (duplicates and unmatched) before saving it, then saves pull fields and pulls", async () => {
    const page = ui.page;
    await page.getByRole("button", { name: "Next: link accounts" }).click();
    await choose(page.locator("body"), "Account link field", /\(Analytics_Account_Id__c\)/);
    expect(await page.getByRole("button", { name: "Save link" }).isDisabled()).toBe(true);
    await page.getByRole("button", { name: "Check for duplicates and unmatched accounts" }).click();
    const check = page.getByTestId("link-check");
    await check.waitFor();
    const stat = async (label: string) => (await check.getByTestId(`check-${label}`).innerText()).replace(label, "").trim();
    expect(await stat("CRM records")).toBe("7");
    expect(await stat("Analytics accounts")).toBe("8");
    expect(await stat("Matched")).toBe("5");
    expect(await stat("Duplicate keys")).toBe("1");
    expect(await stat("Unmatched")).toBe("2");
    expect(await stat("Orphan CRM records")).toBe("0");
    await check.getByText("acc-lost-1, acc-lost-2").waitFor();
    await checkScreen(ui, "crm-link-check");
    await page.getByRole("button", { name: "Save link" }).click();
    await page.getByText("Link saved").waitFor();
    expect(await json("/api/v1/sync/link")).toMatchObject({ accountField: "Analytics_Account_Id__c" });

    await page.getByRole("button", { name: "Next: pull fields" }).click();
    await page.getByRole("checkbox", { name: /^Health/ }).check();
    await page.getByRole("button", { name: "Save pull fields" }).click();
    await page.getByText("Pull fields saved").waitFor();
    expect(await json("/api/v1/sync/pull")).toMatchObject({ accountFields: ["Health__c"] });
    await page.getByRole("button", { name: "Pull now" }).click();
    const result = page.getByTestId("pull-result");
    // Duplicated and unmatched keys are data problems in four records: the pull did its work (ADR 0012).
    await result.getByText("Succeeded with 4 notices", { exact: true }).waitFor({ timeout: 30_000 });
    await result.getByText(/Read 7 CRM records · 2 unmatched · 2 duplicates · 0 orphans/).waitFor();
    await checkScreen(ui, "crm-pull");
  });

  it("Sync runs: lists the pull and opens its per-record errors", async () => {
    const page = ui.page;
    await openScreen(page, "Sync runs");
    const runs = await json<{ runs: { id: string; status: string; pull: boolean; push: boolean; errors: unknown[] }[] }>("/api/v1/sync/runs");
    expect(runs.runs).toHaveLength(1);
    expect(runs.runs[0]).toMatchObject({ status: "success", notices: 4, pull: true, push: false });
    const table = page.getByTestId("sync-runs");
    await table.getByRole("cell", { name: "pull", exact: true }).waitFor();
    await table.getByText("Succeeded with 4 notices", { exact: true }).waitFor();
    await page.mouse.move(900, 20); // off the sidebar: a hovered active link is lighter than AA (shell)
    await checkScreen(ui, "crm-sync-runs");
    await table.getByRole("link").first().click();
    await page.getByRole("heading", { level: 1, name: "Sync run, pull" }).waitFor();
    await page.getByText("Succeeded with 4 notices", { exact: true }).waitFor();
    const errors = page.getByTestId("run-errors");
    await errors.getByRole("cell", { name: "acc-lost-1", exact: true }).waitFor();
    expect(await errors.getByRole("cell", { name: "DUPLICATE_KEY", exact: true }).count()).toBe(2);
    expect(await errors.getByRole("cell", { name: "UNMATCHED", exact: true }).count()).toBe(2);
    await checkScreen(ui, "crm-sync-run-detail");
  });

  it("Account fields: lists the connected CRM's fields with the new one as a push target", async () => {
    const page = ui.page;
    await openScreen(page, "Account fields");
    const table = page.getByTestId("crm-fields");
    await table.getByRole("cell", { name: "Pendo_NPS_Score__c" }).waitFor();
    await page.getByRole("switch", { name: "Custom fields only" }).check();
    await expect.poll(() => table.getByRole("row").count()).toBe(4); // header + 3 custom fields
    await checkScreen(ui, "crm-fields-connected");
  });
});
