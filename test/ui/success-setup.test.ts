// The customer success set-up an admin does before rules run: adding a customer by hand,
// importing customers from CSV, and choosing which CRM fields rules may write.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { setUpArticleLoop } from "../../src/demo/index.js";
import { launchBrowser } from "../browser.js";
import { startTestPendulum, TEST_TOKEN, type TestPendulum } from "../harness.js";
import { checkScreen, openScreen, openUi, settled, signIn, type AdminPage } from "./ui-kit.js";

const CRM = { username: "success-setup@acme.test", password: "s3cret-Passw0rd-setup", clientId: "3MVG9successsetup_client_0123456", clientSecret: "success-setup-client-secret-0123456" };

let p: TestPendulum;
let browser: Browser;
let ui: AdminPage;

const json = async <T>(path: string): Promise<T> => {
  const res = await p.api(path);
  const body = (await res.json()) as T;
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
};
type Customer = { accountId: string; name: string; status: string; stage: string | null; arr: number | null; renewalDate: string | null; users: number | null; tags: string[] };

beforeAll(async () => {
  p = await startTestPendulum({ env: { PENDULUM_CRM_USERNAME: CRM.username, PENDULUM_CRM_PASSWORD: CRM.password, PENDULUM_CRM_CLIENT_ID: CRM.clientId, PENDULUM_CRM_CLIENT_SECRET: CRM.clientSecret } });
  await setUpArticleLoop({ url: p.url, token: TEST_TOKEN, crm: CRM }, { accounts: 3, visitorsPerAccount: 2, days: 2 });
  browser = await launchBrowser();
  ui = await openUi(browser, p.url);
  await signIn(ui.page);
  // The sign-in page asks who is signed in before anyone is: that 401 is expected.
  ui.problems.length = 0;
}, 180_000);
afterAll(async () => {
  await ui?.close();
  await browser?.close();
  await p?.close();
});

async function check(name: string): Promise<void> {
  await ui.page.mouse.move(1360, 890);
  await checkScreen(ui, name);
}

describe("customer success set-up screens", () => {
  it("adds a customer, imports two by CSV and sets the CRM fields rules may write", async () => {
    const page = ui.page;
    // 1. A customer from the form; a bad account id is blamed on its field first.
    await openScreen(page, "Customers");
    await settled(page);
    await page.getByRole("button", { name: "New customer" }).click();
    const form = page.getByRole("dialog", { name: "New customer" });
    await form.getByLabel(/^CRM Account Id/).fill("not a valid id!");
    await form.getByLabel(/^Name/).fill("Globex Corporation");
    await form.getByLabel("Stage").fill("Onboarding");
    await form.getByLabel("ARR (USD)").fill("48000");
    await form.getByLabel("Renewal date").fill("2027-06-30");
    await form.getByLabel("Users").fill("25");
    const tags = form.getByRole("combobox", { name: "Tags" });
    await tags.fill("enterprise");
    await tags.press("Enter");
    await form.getByRole("button", { name: "Create customer" }).click();
    await expect.poll(() => form.getByText(/must match pattern/).count(), { timeout: 15_000 }).toBe(1);
    // The browser logs the expected 400.
    ui.problems.length = 0;
    await check("success-customer-new-error");
    await form.getByLabel(/^CRM Account Id/).fill("001GLOBEX0001");
    await form.getByRole("button", { name: "Create customer" }).click();
    await page.getByRole("heading", { level: 1, name: "Globex Corporation" }).waitFor();
    const created = await json<Customer>("/api/v1/success/customers/001GLOBEX0001");
    expect(created).toMatchObject({ name: "Globex Corporation", status: "Active", stage: "Onboarding", arr: 48000, renewalDate: "2027-06-30", users: 25, tags: ["enterprise"] });

    // 2. Two customers from CSV; a third line with a bad number is reported and skipped.
    await openScreen(page, "Customers");
    await settled(page);
    await page.getByRole("button", { name: "Import CSV" }).click();
    const importer = page.getByRole("dialog", { name: "Import customers from CSV" });
    const csv = ["accountId,name,arr,renewalDate,stage", "001INITECH01,Initech,90000,2027-01-15,Adopting", "001UMBRELLA1,Umbrella Corp,150000,2026-12-31,Renewing", "001BROKEN001,Broken Ltd,lots,,"].join("\n");
    await importer.getByRole("textbox", { name: /^CSV/ }).fill(csv);
    await importer.getByRole("button", { name: "Import" }).click();
    await importer.getByTestId("import-result").getByText(/2 created · 0 updated · 0 unchanged · 1 line skipped/).waitFor();
    expect(await importer.getByTestId("import-problems").locator("tbody tr").count()).toBe(1);
    expect(await importer.getByTestId("import-problems").getByRole("cell", { name: "arr", exact: true }).count()).toBe(1);
    await check("success-customer-import");
    expect((await json<Customer>("/api/v1/success/customers/001INITECH01")).arr).toBe(90000);
    expect((await json<Customer>("/api/v1/success/customers/001UMBRELLA1")).renewalDate).toBe("2026-12-31");
    expect((await p.api("/api/v1/success/customers/001BROKEN001")).status).toBe(404);
    await importer.getByRole("button", { name: "Done" }).click();
    await page.getByTestId("customers-table").getByRole("link", { name: "Umbrella Corp" }).waitFor();

    // 3. The CRM write allow-list: Industry picked from the connected CRM's Account fields, a typed object added.
    await openScreen(page, "Rules");
    await settled(page);
    const card = page.getByTestId("crm-writable");
    const before = await json<{ objects: { object: string; fields: string[] }[] }>("/api/v1/success/crm/writable");
    const accountBefore = before.objects.find((o) => o.object === "Account")?.fields ?? [];
    expect(accountBefore).not.toContain("Industry");
    const account = card.getByRole("combobox", { name: "Account fields" });
    await account.click();
    await account.fill("Industry");
    await page.getByRole("option", { name: "Industry", exact: true }).click();
    await account.press("Escape");
    await card.getByLabel("Add a CRM object").fill("Opportunity");
    await card.getByRole("button", { name: "Add object" }).click();
    const opportunity = card.getByRole("combobox", { name: "Opportunity fields" });
    await opportunity.fill("Amount");
    await opportunity.press("Enter");
    await opportunity.press("Escape");
    await card.getByRole("button", { name: "Save writable fields" }).click();
    await card.getByText("Saved.").waitFor();
    const after = await json<{ objects: { object: string; fields: string[] }[] }>("/api/v1/success/crm/writable");
    expect(after.objects.find((o) => o.object === "Account")?.fields.sort()).toEqual([...accountBefore, "Industry"].sort());
    expect(after.objects.find((o) => o.object === "Opportunity")?.fields).toEqual(["Amount"]);
    await check("success-rules-writable");
  }, 180_000);
});
