// The customer success screens driven like a person would: customers and their health, usage
// measures, custom objects, the article's first rule built in the rule builder (previewed, run,
// found in the history), a scorecard measure and a CTA moved on the board.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { RULE_ACCOUNT_TO_USAGE, setUpArticleLoop, type LoopWorkspace } from "../../src/demo/index.js";
import { launchBrowser } from "../browser.js";
import { startTestPendulum, TEST_TOKEN, type TestPendulum } from "../harness.js";
import { checkScreen, openScreen, openUi, settled, signIn, type AdminPage } from "./ui-kit.js";

const CRM = { username: "success-ui@acme.test", password: "s3cret-Passw0rd-ui", clientId: "3MVG9successui_client_0123456789", clientSecret: "success-ui-client-secret-0123456789" };
const RULE = RULE_ACCOUNT_TO_USAGE.name;

let p: TestPendulum;
let browser: Browser;
let ui: AdminPage;
let ws: LoopWorkspace;
let ctaId: string;

const json = async <T>(path: string, init?: RequestInit): Promise<T> => {
  const res = await p.api(path, init);
  const body = (await res.json()) as T;
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
};
const send = (path: string, method: string, body?: unknown) => p.api(path, body === undefined ? { method } : { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

beforeAll(async () => {
  p = await startTestPendulum({ env: { PENDULUM_CRM_USERNAME: CRM.username, PENDULUM_CRM_PASSWORD: CRM.password, PENDULUM_CRM_CLIENT_ID: CRM.clientId, PENDULUM_CRM_CLIENT_SECRET: CRM.clientSecret } });
  ws = await setUpArticleLoop({ url: p.url, token: TEST_TOKEN, crm: CRM }, { accounts: 8, visitorsPerAccount: 3, days: 3 });
  // The demo made the article's rule 1 already; the test builds it again through the rule builder.
  expect((await send(`/api/v1/success/rules/${encodeURIComponent(RULE)}`, "DELETE")).status).toBe(204);
  // Push the analytics to the CRM so the Accounts carry Pendo_ values for the rule to read.
  const push = await json<{ status: string }>(`/api/v1/jobs/${encodeURIComponent("Loop 2: push analytics to the CRM")}/run`, { method: "POST" });
  expect(push.status).toBe("success");
  const first = ws.crmIds.get(ws.accounts[0]?.id ?? "") as string;
  const created = await send("/api/v1/success/ctas", "POST", { accountId: first, type: "Risk", reason: "Usage dropped last week", priority: "High" });
  expect(created.status).toBe(201);
  ctaId = ((await created.json()) as { id: string }).id;
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

/** The standard screen check, with the pointer parked off the sidebar (a hovered nav link changes its colours). */
async function check(name: string): Promise<void> {
  await ui.page.mouse.move(1360, 890);
  await checkScreen(ui, name);
}

async function fillTags(page: Page, label: string, values: string[]): Promise<void> {
  const input = page.getByRole("combobox", { name: label });
  for (const v of values) {
    await input.fill(v);
    await input.press("Enter");
  }
  await input.press("Escape");
}

describe("customer success screens", () => {
  it("lists customers with health and opens one with its health and usage charts", async () => {
    await openScreen(ui.page, "Customers");
    await settled(ui.page);
    const table = ui.page.getByTestId("customers-table");
    await expect.poll(() => table.locator("tbody tr").count(), { timeout: 15_000 }).toBe(8);
    await check("success-customers");
    const account = ws.accounts[0];
    await table.getByRole("link", { name: account?.name }).click();
    await ui.page.getByRole("heading", { level: 1, name: account?.name }).waitFor();
    await settled(ui.page);
    // The health chart draws on a canvas, with its numbers also in words beside it.
    await ui.page.getByTestId("health-chart").locator("canvas").waitFor();
    await ui.page.getByTestId("health-chart").getByText(/^From .* to .* with changes\./).waitFor();
    expect(await ui.page.getByTestId("customer-scorecard").getByRole("cell", { name: "Product usage" }).count()).toBe(1);
    expect(await ui.page.getByRole("cell", { name: "Usage dropped last week" }).count()).toBe(1);
    await check("success-customer-detail");
  });

  it("adds a usage measure", async () => {
    await openScreen(ui.page, "Usage data");
    await settled(ui.page);
    expect(await ui.page.getByRole("combobox", { name: "Period" }).inputValue()).toBe("week");
    await ui.page.getByRole("button", { name: "New measure" }).click();
    const dialog = ui.page.getByRole("dialog", { name: "New usage measure" });
    await dialog.getByLabel(/^Name/).fill("support tickets");
    await dialog.getByLabel(/^Label/).fill("Support tickets");
    await dialog.getByRole("button", { name: "Create measure" }).click();
    await expect.poll(() => dialog.getByText(/must match pattern/).count(), { timeout: 15_000 }).toBe(1);
    await dialog.getByLabel(/^Name/).fill("support_tickets");
    await dialog.getByLabel(/^Type/).selectOption("integer");
    await dialog.getByRole("button", { name: "Create measure" }).click();
    await ui.page.getByRole("cell", { name: "Support tickets", exact: true }).waitFor();
    const measures = await json<{ measures: { name: string; type: string }[] }>("/api/v1/success/usage/measures");
    expect(measures.measures.find((m) => m.name === "support_tickets")?.type).toBe("integer");
    ui.problems.length = 0;
    await check("success-usage");
  });

  it("defines a custom object with fields and shows its records", async () => {
    await openScreen(ui.page, "Objects", "Custom objects");
    await ui.page.getByRole("button", { name: "New object" }).click();
    const dialog = ui.page.getByRole("dialog", { name: "New custom object" });
    await dialog.getByLabel(/^Name/).fill("nps_responses");
    await dialog.getByLabel(/^Label/).fill("NPS responses");
    await dialog.getByLabel(/^Field 1 name/).fill("accountId");
    await dialog.getByRole("button", { name: "Add a field" }).click();
    await dialog.getByLabel(/^Field 2 name/).fill("score");
    await dialog.getByLabel("Field 2 type").selectOption("integer");
    await dialog.getByRole("button", { name: "Create object" }).click();
    await ui.page.getByRole("heading", { level: 1, name: "NPS responses" }).waitFor();
    const def = await json<{ fields: { name: string; type: string }[] }>("/api/v1/success/objects/nps_responses");
    expect(def.fields.map((f) => `${f.name}:${f.type}`)).toEqual(["accountId:string", "score:integer"]);
    await settled(ui.page);
    await check("success-object-detail");
  });

  it("builds the article's rule 1 in the rule builder, previews it, runs it and finds the run", async () => {
    await openScreen(ui.page, "Rules");
    await settled(ui.page);
    await ui.page.getByRole("cell", { name: "Pendo: Sync data from Gainsight to Account", exact: true }).waitFor();
    await check("success-rules");
    await ui.page.getByRole("button", { name: "New rule" }).click();
    await ui.page.getByRole("heading", { level: 1, name: "New rule" }).waitFor();
    const page = ui.page;
    await page.getByLabel("Rule name").fill(RULE);
    await page.getByLabel("Read from").selectOption("crm");
    expect(await page.getByRole("combobox", { name: "CRM object" }).inputValue()).toBe("Account");
    await fillTags(page, "Show fields", ["Id", "Pendo_numberofvisitors_last30d__c", "Pendo_timeonsite_last30d__c", "Pendo_lastvisit_last30d__c"]);
    await page.getByLabel("Apply to customers only").check();
    await page.getByLabel("New action").selectOption("loadToUsage");
    await page.getByRole("button", { name: "Add action" }).click();
    const action = page.getByRole("group", { name: "Action 1: Load to usage" });
    // Load to usage starts with accountId ← Id, date ← rule date, aggregationLevel ← ACCOUNTLEVEL.
    expect(await action.getByRole("group", { name: "Mapping 1" }).getByLabel("Value", { exact: true }).inputValue()).toBe("Id");
    const pairs = [
      ["Pendo_numberofvisitors_last30d", "Pendo_numberofvisitors_last30d__c"],
      ["Pendo_timeonsite_last30d", "Pendo_timeonsite_last30d__c"],
      ["Pendo_lastvisit_last30d", "Pendo_lastvisit_last30d__c"],
    ];
    for (const [i, [to, from]] of pairs.entries()) {
      await action.getByRole("button", { name: "Add a mapping" }).click();
      const row = action.getByRole("group", { name: `Mapping ${i + 4}` });
      await row.getByLabel("Target field").fill(to as string);
      await row.getByLabel("Target field").press("Escape");
      await row.getByLabel("Value", { exact: true }).fill(from as string);
      await row.getByLabel("Value", { exact: true }).press("Escape");
    }
    await page.getByLabel("Run on a schedule").fill("every day at noon");
    await page.getByLabel("Time zone").fill("UTC");
    await page.getByRole("button", { name: "Save rule" }).click();
    // The rule saves; the schedule the server cannot read is shown next to its field.
    await expect.poll(() => page.getByText(/Cannot read "every day at noon"/).count(), { timeout: 15_000 }).toBe(1);
    ui.problems.length = 0;
    await page.getByLabel("Run on a schedule").fill("daily at 01:00");
    await page.getByRole("button", { name: "Save rule" }).click();
    await page.getByText(`Saved “${RULE}”.`).waitFor();

    const rule = await json<{ id: string; show: string[]; customersOnly: boolean; source: unknown; actions: { type: string; mappings: unknown[] }[] }>(`/api/v1/success/rules/${encodeURIComponent(RULE)}`);
    expect(rule.source).toEqual(RULE_ACCOUNT_TO_USAGE.source);
    expect(rule.show).toEqual(RULE_ACCOUNT_TO_USAGE.show);
    expect(rule.customersOnly).toBe(true);
    expect(rule.actions[0]?.type).toBe("loadToUsage");
    const byTarget = (ms: unknown[] | undefined) => [...(ms ?? [])].sort((x, y) => String((x as { to: string }).to).localeCompare(String((y as { to: string }).to)));
    expect(byTarget(rule.actions[0]?.mappings)).toEqual(byTarget(RULE_ACCOUNT_TO_USAGE.actions[0]?.mappings));
    const jobs = await json<{ jobs: { kind: string; params: Record<string, unknown>; schedule: string | null }[] }>("/api/v1/jobs");
    expect(jobs.jobs.find((j) => j.kind === "rule" && j.params["rule"] === rule.id)?.schedule).toBe("daily at 01:00");
    expect(page.url()).toContain(`/success/rules/${rule.id}`);

    await page.getByRole("button", { name: "Preview" }).click();
    await page.getByTestId("preview-summary").waitFor();
    expect(await page.getByTestId("preview-summary").textContent()).toContain("gives 8 rows");
    await expect.poll(() => page.getByTestId("preview-rows").locator("tbody tr").count(), { timeout: 15_000 }).toBe(8);
    await expect.poll(() => page.getByTestId("preview-action-1").locator("tbody tr").count(), { timeout: 15_000 }).toBeGreaterThan(0);
    expect((await json<{ runs: unknown[] }>(`/api/v1/success/rules/${rule.id}/runs`)).runs).toHaveLength(0);
    await check("success-rule-builder-preview");

    await page.getByRole("button", { name: "Run now" }).click();
    await page.getByTestId("run-result").waitFor();
    const runs = await json<{ runs: { id: string; status: string; rowsRead: number }[] }>(`/api/v1/success/rules/${rule.id}/runs`);
    expect(runs.runs).toHaveLength(1);
    expect(runs.runs[0]?.status).toBe("success");
    expect(runs.runs[0]?.rowsRead).toBe(8);
    const usage = await json<{ rows: { accountId: string; measures: Record<string, unknown> }[] }>("/api/v1/success/usage/data?limit=100");
    expect(usage.rows.filter((r) => typeof r.measures["Pendo_numberofvisitors_last30d"] === "number")).toHaveLength(8);

    await page.getByRole("link", { name: "Run history" }).click();
    await page.getByRole("heading", { level: 1, name: "Run history" }).waitFor();
    await settled(page);
    const table = page.getByTestId("runs-table");
    expect(await table.locator("tbody tr").count()).toBe(1);
    await check("success-rule-runs");
    await table.getByRole("link").first().click();
    await page.getByRole("heading", { level: 1, name: /^Run of / }).waitFor();
    await page.getByText("Every row was written.").waitFor();
    await check("success-rule-run");

    await openScreen(page, "Rules");
    await settled(page);
    const row = page.getByTestId("rules-table").getByRole("row", { name: new RegExp(RULE.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")) });
    await expect.poll(() => row.getByText("Succeeded", { exact: true }).count(), { timeout: 15_000 }).toBe(1);
    expect(await row.getByText("daily at 01:00").count()).toBe(1);
  }, 180_000);

  it("adds a scorecard measure to a group", async () => {
    await openScreen(ui.page, "Scorecards");
    await settled(ui.page);
    await ui.page.getByRole("button", { name: "New measure" }).click();
    const dialog = ui.page.getByRole("dialog", { name: "New scorecard measure" });
    await dialog.getByLabel(/^Name/).fill("support_health");
    await dialog.getByLabel(/^Label/).fill("Support health");
    await dialog.getByLabel(/^Group/).selectOption({ label: "Relationship" });
    await dialog.getByLabel(/^Weight/).fill("3");
    await dialog.getByRole("button", { name: "Create measure" }).click();
    await ui.page.getByRole("cell", { name: "Support health", exact: true }).waitFor();
    const card = await json<{ measures: { name: string; group: string | null; weight: number }[] }>("/api/v1/success/scorecard");
    expect(card.measures.find((m) => m.name === "support_health")).toMatchObject({ group: "Relationship", weight: 3 });
    await check("success-scorecards");
  });

  it("moves a CTA on the board with its status menu", async () => {
    await openScreen(ui.page, "CTAs");
    await settled(ui.page);
    const open = ui.page.getByTestId("cta-column-Open");
    await open.getByText("Usage dropped last week").waitFor();
    await check("success-ctas");
    await ui.page.getByTestId(`cta-${ctaId}`).getByLabel("Status of Usage dropped last week").selectOption("Work In Progress");
    await ui.page.getByTestId("cta-column-Work In Progress").getByText("Usage dropped last week").waitFor();
    await expect.poll(() => open.getByText("Usage dropped last week").count(), { timeout: 15_000 }).toBe(0);
    expect((await json<{ status: string }>(`/api/v1/success/ctas/${ctaId}`)).status).toBe("Work In Progress");
    await check("success-ctas-moved");
  });
});
