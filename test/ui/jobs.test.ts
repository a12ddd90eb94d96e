// The Jobs screen driven like an admin would: the article's loop (set up by the demo through the
// public API) shown as a chain timeline, run now until every stage succeeded, its history, a
// schedule refused by the field at fault then saved, and a new chain refused without steps.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOOP_JOB, setUpArticleLoop, type LoopWorkspace } from "../../src/demo/index.js";
import { launchBrowser } from "../browser.js";
import { crmLogin } from "../crm-login.js";
import { startTestPendulum, TEST_TOKEN, type TestPendulum } from "../harness.js";
import { checkScreen, openScreen, openUi, signIn, type AdminPage } from "./ui-kit.js";

const CRM = { username: "jobs-ui-api@acme.test", password: "s3cret-Passw0rd-jobs", clientId: "3MVG9jobs_ui_client_0123456789", clientSecret: "jobs-ui-client-secret-0123456789" };

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
  p = await startTestPendulum({ env: { PENDULUM_CRM_USERNAME: CRM.username, PENDULUM_CRM_PASSWORD: CRM.password, PENDULUM_CRM_CLIENT_ID: CRM.clientId, PENDULUM_CRM_CLIENT_SECRET: CRM.clientSecret } });
  ws = await setUpArticleLoop({ url: p.url, token: TEST_TOKEN, crm: CRM }, { accounts: 6, visitorsPerAccount: 3, days: 2 });
  browser = await launchBrowser();
  ui = await openUi(browser, p.url);
  await signIn(ui.page);
  ui.problems.length = 0; // the sign-in page's "who am I" probe answers 401 before signing in
}, 180_000);
afterAll(async () => {
  await ui?.close();
  await browser?.close();
  await p?.close();
});

describe("Jobs screen", () => {
  it("shows the loop's chain as a timeline and runs it now until every stage succeeded", async () => {
    const page = ui.page;
    await openScreen(page, "Jobs");
    const chain = page.getByTestId(`chain-${LOOP_JOB}`);
    await chain.getByText("Daily at 00:30 (UTC)", { exact: false }).waitFor();
    for (let i = 1; i <= 5; i++) await chain.getByTestId(`stage-${i}`).getByText("Never run", { exact: true }).waitFor();
    await chain.getByRole("button", { name: `Run now: the chain ${LOOP_JOB}` }).click();
    for (let i = 1; i <= 5; i++) await chain.getByTestId(`stage-${i}`).getByText("Succeeded", { exact: true }).waitFor({ timeout: 120_000 });
    await expect.poll(() => chain.getByRole("button", { name: `Run now: the chain ${LOOP_JOB}` }).isEnabled(), { timeout: 30_000 }).toBe(true);
    const runs = await json<{ runs: { status: string; trigger: string; summary: { steps: { status: string }[] } }[] }>(`/api/v1/jobs/${ws.jobs.loop}/runs`);
    expect(runs.runs).toHaveLength(1);
    expect(runs.runs[0]).toMatchObject({ status: "success", trigger: "manual" });
    expect(runs.runs[0]?.summary.steps.map((s) => s.status)).toEqual(["success", "success", "success", "success", "success"]);
    await chain.getByText(/read \d+, changed \d+, wrote \d+, failed 0/).first().waitFor();
    await page.mouse.move(900, 20);
    await checkScreen(ui, "jobs");

    await chain.getByRole("button", { name: "History" }).click();
    const history = page.getByRole("dialog", { name: `Runs of ${LOOP_JOB}` });
    await history.getByRole("cell", { name: "5 of 5 steps succeeded" }).waitFor();
    await checkScreen(ui, "jobs-history");
    await history.getByRole("button", { name: "Close" }).click();
  });

  it("refuses a bad schedule next to the field, then saves a friendly one", async () => {
    const page = ui.page;
    const chain = page.getByTestId(`chain-${LOOP_JOB}`);
    await chain.getByRole("button", { name: "Edit schedule" }).click();
    const dialog = page.getByRole("dialog", { name: `Schedule of ${LOOP_JOB}` });
    const field = dialog.getByRole("textbox", { name: "Schedule" });
    await field.fill("daily at 25:00");
    await dialog.getByRole("button", { name: "Save schedule" }).click();
    await expect.poll(() => field.getAttribute("aria-invalid")).toBe("true");
    const described = (await field.getAttribute("aria-describedby")) ?? "";
    const texts = await Promise.all(described.split(/\s+/).filter(Boolean).map((id) => page.locator(`[id="${id}"]`).innerText()));
    expect(texts.join(" ")).toMatch(/Cannot read "daily at 25:00"/);
    ui.problems.length = 0; // the refused request is logged by the browser
    await checkScreen(ui, "jobs-schedule-error");
    ui.problems.length = 0;
    await field.fill("weekdays at 07:15");
    await dialog.getByText("Reads as: Weekdays at 07:15 (UTC)").waitFor();
    await dialog.getByRole("button", { name: "Save schedule" }).click();
    await dialog.waitFor({ state: "detached" });
    await chain.getByText(/Weekdays at 07:15 \(UTC\)/).first().waitFor();
    expect(await json<{ schedule: string; nextRunAt: number }>(`/api/v1/jobs/${ws.jobs.loop}`)).toMatchObject({ schedule: "weekdays at 07:15" });
  });

  it("creates a job: a chain without steps is refused by the steps field, a sync job is created", async () => {
    const page = ui.page;
    await page.getByRole("button", { name: "New job" }).click();
    const dialog = page.getByRole("dialog", { name: "New job" });
    await dialog.getByRole("textbox", { name: /^Name/ }).fill("Nightly push");
    await dialog.getByRole("combobox", { name: "Kind" }).click();
    await page.getByRole("option", { name: "Chain: run other jobs in order" }).click();
    await dialog.getByRole("button", { name: "Create job" }).click();
    await dialog.getByText("A chain needs params.steps", { exact: false }).waitFor();
    ui.problems.length = 0;
    await dialog.getByRole("combobox", { name: "Kind" }).click();
    await page.getByRole("option", { name: "Sync with the CRM (pull, push)" }).click();
    await dialog.getByRole("checkbox", { name: "Pull CRM fields" }).uncheck();
    await dialog.getByRole("textbox", { name: "Schedule" }).fill("daily at 01:00");
    await dialog.getByRole("button", { name: "Create job" }).click();
    await dialog.waitFor({ state: "detached" });
    await page.getByTestId("jobs-table").getByRole("cell", { name: "Nightly push", exact: true }).waitFor();
    const created = await json<{ kind: string; params: Record<string, unknown>; schedule: string }>(`/api/v1/jobs/${encodeURIComponent("Nightly push")}`);
    expect(created).toMatchObject({ kind: "sync", params: { pull: false, push: true }, schedule: "daily at 01:00" });
    await page.mouse.move(900, 20);
    await checkScreen(ui, "jobs-created");
  });

  it("shows a step that succeeded with notices on the timeline and in the history, and the chain going on past it", async () => {
    // A copied Account in the CRM: its link value is held twice, so every sync step skips both records.
    const conn = await crmLogin({ url: p.url, crm: CRM });
    const copy = await conn.sobject("Account").create({ Name: "Copy", Analytics_Account_Id__c: ws.accounts[0]?.id });
    expect(copy.success).toBe(true);
    const page = ui.page;
    await openScreen(page, "Jobs");
    const chain = page.getByTestId(`chain-${LOOP_JOB}`);
    await chain.getByRole("button", { name: `Run now: the chain ${LOOP_JOB}` }).click();
    await chain.getByTestId("stage-5").getByText("Succeeded with 2 notices", { exact: true }).waitFor({ timeout: 120_000 });
    for (const i of [1, 2]) await chain.getByTestId(`stage-${i}`).getByText("Succeeded with 2 notices", { exact: true }).waitFor();
    for (const i of [3, 4]) await chain.getByTestId(`stage-${i}`).getByText("Succeeded", { exact: true }).waitFor();
    await chain.getByText(/2 notices \(duplicates 2, unmatched 0, orphans 0, refused 0\)/).first().waitFor();
    await expect.poll(() => chain.getByRole("button", { name: `Run now: the chain ${LOOP_JOB}` }).isEnabled(), { timeout: 30_000 }).toBe(true);
    await chain.getByRole("button", { name: "History" }).click();
    const history = page.getByRole("dialog", { name: `Runs of ${LOOP_JOB}` });
    await history.getByRole("cell", { name: "5 of 5 steps succeeded, with 6 notices" }).waitFor();
    await history.getByText("Succeeded with 6 notices", { exact: true }).waitFor();
    await page.mouse.move(900, 20);
    await checkScreen(ui, "jobs-notices");
    await history.getByRole("button", { name: "Close" }).click();
  });
});
