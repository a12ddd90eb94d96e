// Element-click, badge and API (`pendulum.showGuide`) activation, and a walkthrough whose steps
// are on different routes of a single-page app: the real built agent in Chromium against a real
// Pendulum, with the guide events read back from the records store.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Guide } from "../src/guides/index.js";
import { createGuideEventStore } from "../src/guides/events.js";
import type { StoredGuideEvent } from "../src/guides/tables.js";
import { composeGuides, type GuidesModules } from "../src/guides/test-kit.js";
import { eventually, launchBrowser, serveStatic, type StaticServer } from "./browser.js";
import { startTestPendulum, TEST_APP_KEY, type TestPendulum } from "./harness.js";

const DAY = 86_400_000;

/**
 * A host page: the install snippet (visitor and account from `?v=` and `?a=`, and
 * `pendulum.showGuide(?show=)` queued on the stub before the agent loads), then `body`.
 */
function hostPage(pendulumUrl: string, title: string, body: string): (url: URL) => string {
  return (url) => {
    const visitor = url.searchParams.get("v") ?? "anon";
    const account = url.searchParams.get("a") ?? "none";
    const show = url.searchParams.get("show");
    return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title><script>
  window.pendulum = window.pendulum || { q: [] };
  ["initialize", "identify", "updateOptions", "track", "flush", "showGuide"].forEach(function (m) {
    window.pendulum[m] = window.pendulum[m] || function () { window.pendulum.q.push([m].concat([].slice.call(arguments))); };
  });
  pendulum.initialize({ apiKey: "${TEST_APP_KEY}", visitor: { id: ${JSON.stringify(visitor)} }, account: { id: ${JSON.stringify(account)} } });
  ${show ? `pendulum.showGuide(${JSON.stringify(show)});` : ""}
</script><script async src="${pendulumUrl}/agent.js"></script></head><body>${body}</body></html>`;
  };
}

/** A tiny single-page app: two routes drawn by script, links followed with history.pushState. */
const SPA_BODY = `<nav><a href="/spa/dashboard" data-route>Dashboard</a> <a id="to-reports" href="/spa/reports" data-route>Reports</a></nav><main id="view"></main>
<script>
  var routes = {
    "/spa/dashboard": "<h1>Dashboard</h1><button id='new-report'>New report</button>",
    "/spa/reports": "<h1>Reports</h1><div style='height:120px'></div><button id='export'>Export</button>",
  };
  function draw() { document.getElementById("view").innerHTML = routes[location.pathname] || "<h1>Not found</h1>"; }
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("a[data-route]");
    if (!a) return;
    e.preventDefault();
    history.pushState(null, "", a.getAttribute("href") + location.search);
    draw();
  });
  window.addEventListener("popstate", draw);
  draw();
</script>`;

describe("guide activation and multi-page walkthroughs in Chromium against a real Pendulum", () => {
  let p: TestPendulum<GuidesModules>;
  let site: StaticServer;
  let browser: Browser;
  let appId: string;
  let helpGuide: Guide;
  let badgeGuide: Guide;

  const api = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
    const res = await p.api(`/api/v1${path}`, init);
    const body = (await res.json()) as T;
    if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
    return body;
  };
  const createGuide = (body: Record<string, unknown>): Promise<Guide> => api<Guide>("/guides", { method: "POST", body: JSON.stringify({ status: "public", ...body }) });
  /** Opens a page in a fresh profile and waits until the renderer has asked for its guides; returns that answer's guide ids. */
  const open = async (path: string, query: string): Promise<{ pg: Page; offered: string[] }> => {
    const context = await browser.newContext();
    const pg = await context.newPage();
    pg.on("pageerror", (e) => console.error("page error", e));
    const offered = await load(pg, `${site.url}${path}?${query}`);
    return { pg, offered };
  };
  const load = async (pg: Page, url: string): Promise<string[]> => {
    const asked = pg.waitForResponse((r) => r.url().includes("/data/guides?") && !r.url().includes("&guide="));
    await pg.goto(url);
    const body = (await (await asked).json()) as { guides: { id: string }[] };
    return body.guides.map((g) => g.id);
  };
  const dialog = (pg: Page) => pg.locator("pendulum-guides [role=dialog]");
  const badge = (pg: Page, name: string) => pg.locator(`pendulum-guides button.badge[aria-label="${name}"]`);
  const eventsOf = (guideId: string): Promise<StoredGuideEvent[]> => createGuideEventStore(p.records).ofGuide(appId, guideId, Date.now() - DAY, Date.now() + DAY);
  /** Waits until the stored events of a guide satisfy `done`, then returns them. */
  const storedEvents = (guideId: string, what: string, done: (rows: StoredGuideEvent[]) => boolean): Promise<StoredGuideEvent[]> =>
    eventually(what, async () => {
      const rows = await eventsOf(guideId);
      return done(rows) ? rows : undefined;
    });
  const showGuide = (pg: Page, id: string): Promise<void> => pg.evaluate((gid) => (window as unknown as { pendulum: { showGuide(id: string): void } }).pendulum.showGuide(gid), id);

  beforeAll(async () => {
    p = await startTestPendulum({ compose: composeGuides() });
    appId = (await api<{ apps: { id: string }[] }>("/apps")).apps[0]?.id ?? "";
    site = await serveStatic({
      "/act/help": hostPage(
        p.url,
        "Help",
        `<button id="other">Other</button> <button id="help">Help</button>
         <div style="margin:80px 0 0 200px"><label>Billing email <input id="billing-email"></label></div>
         <script>window.hostClicks = 0; document.getElementById("help").addEventListener("click", function () { window.hostClicks++; });</script>`,
      ),
      "/act/api": hostPage(p.url, "API", "<p>Settings</p><button id='plain'>Plain</button>"),
      "/spa/dashboard": hostPage(p.url, "SPA", SPA_BODY),
      "/spa/reports": hostPage(p.url, "SPA", SPA_BODY),
      "/mp/one": hostPage(p.url, "Step one", "<h1>Projects</h1><button id='start'>New project</button>"),
      "/mp/two": hostPage(p.url, "Step two", "<h1>Project</h1><div style='height:80px'></div><button id='invite'>Invite</button>"),
    });
    browser = await launchBrowser();
    helpGuide = await createGuide({ name: "Help tips", targeting: { page: "/act/help" }, activation: { type: "element", selector: "#help" }, steps: [{ layout: "lightbox", title: "Need help?", content: "Here is how billing works." }] });
    badgeGuide = await createGuide({ name: "Billing email help", targeting: { page: "/act/help" }, activation: { type: "badge", selector: "#billing-email" }, steps: [{ layout: "lightbox", content: "Where invoices go." }] });
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await p?.close();
  });

  it("element activation: the guide opens only when the visitor clicks its target, and its display is stored", async () => {
    const g = helpGuide;
    const { pg, offered } = await open("/act/help", "v=v-click&a=click");
    expect(offered).toContain(g.id);
    // The page's badge guide is drawn in the same turn the element guide is wired: the answer has been taken.
    await badge(pg, "Billing email help").waitFor();
    expect(await dialog(pg).count()).toBe(0);
    // A click elsewhere does nothing (the listener shows synchronously, so a wrong match would be visible now).
    await pg.locator("#other").click();
    expect(await dialog(pg).count()).toBe(0);
    expect(await eventsOf(g.id)).toEqual([]);

    await pg.locator("#help").click();
    await dialog(pg).waitFor();
    expect(await dialog(pg).innerText()).toContain("Need help?");
    // The renderer listens in the capture phase without stopping the click: the page's own handler ran.
    expect(await pg.evaluate(() => (window as unknown as { hostClicks: number }).hostClicks)).toBe(1);

    const rows = await storedEvents(g.id, "the element guide's display stored", (r) => r.some((e) => e.type === "shown") && r.some((e) => e.type === "step_shown"));
    const shown = rows.find((e) => e.type === "shown");
    expect(shown).toMatchObject({ visitor_id: "v-click", account_id: "click", step: 0 });
    expect(shown?.url).toContain("/act/help");
    expect(rows.find((e) => e.type === "step_shown")?.view_id).toBe(shown?.view_id);
    expect((await api<{ views: number }>(`/guides/${g.id}/metrics`)).views).toBe(1);

    await pg.locator("pendulum-guides button", { hasText: "Done" }).click();
    await storedEvents(g.id, "the completion stored", (r) => r.some((e) => e.type === "completed"));
    await pg.context().close();
  });

  it("badge activation: a badge sits beside its target, and clicking it opens the guide", async () => {
    const g = badgeGuide;
    const { pg } = await open("/act/help", "v=v-badge&a=badge");
    const b = badge(pg, "Billing email help");
    await b.waitFor();
    expect(await b.innerText()).toBe("?");
    const target = await pg.locator("#billing-email").boundingBox();
    const box = await b.boundingBox();
    if (!target || !box) throw new Error("no boxes");
    // Top-right corner of the target, overlapping it by a few pixels.
    expect(Math.abs(box.x - (target.x + target.width - 8))).toBeLessThan(2);
    expect(Math.abs(box.y - (target.y - 8))).toBeLessThan(2);
    expect(await dialog(pg).count()).toBe(0);

    await b.click();
    await dialog(pg).waitFor();
    expect(await dialog(pg).innerText()).toContain("Where invoices go.");
    const rows = await storedEvents(g.id, "the badge guide's display stored", (r) => r.some((e) => e.type === "shown" && e.visitor_id === "v-badge"));
    expect(rows.filter((e) => e.type === "shown")).toHaveLength(1);
    // Dismissing keeps the badge: badge guides open whenever the visitor asks.
    await pg.keyboard.press("Escape");
    expect(await dialog(pg).count()).toBe(0);
    await storedEvents(g.id, "the dismissal stored", (r) => r.some((e) => e.type === "dismissed"));
    await b.click();
    await dialog(pg).waitFor();
    await storedEvents(g.id, "the second display stored", (r) => new Set(r.filter((e) => e.type === "shown").map((e) => e.view_id)).size === 2);
    await pg.context().close();
  });

  it("showGuide(id) opens an API guide on demand, an automatic guide that will not show again, and one queued on the stub", async () => {
    const onDemand = await createGuide({ name: "What's new", targeting: { page: "/act/api" }, activation: { type: "api" }, steps: [{ layout: "lightbox", title: "What's new", content: "Three new reports." }] });
    const once = await createGuide({ name: "Welcome once", targeting: { page: "/act/api" }, frequency: "once", steps: [{ layout: "banner", content: "Welcome aboard" }] });

    const first = await open("/act/api", "v=v-api&a=api");
    // The automatic guide shows on the first visit; the API guide is offered but not shown.
    expect(first.offered).toEqual(expect.arrayContaining([onDemand.id, once.id]));
    const banner = first.pg.locator("pendulum-guides [role=region]");
    await banner.waitFor();
    expect(await banner.innerText()).toContain("Welcome aboard");
    expect(await dialog(first.pg).count()).toBe(0);
    await first.pg.locator("pendulum-guides button", { hasText: "Done" }).click();
    await storedEvents(once.id, "the automatic guide completed", (r) => r.some((e) => e.type === "completed"));

    await showGuide(first.pg, onDemand.id);
    await dialog(first.pg).waitFor();
    expect(await dialog(first.pg).innerText()).toContain("Three new reports.");
    await storedEvents(onDemand.id, "the API guide's display stored", (r) => r.some((e) => e.type === "shown" && e.visitor_id === "v-api"));
    await first.pg.keyboard.press("Escape");

    // Reloaded: the server no longer offers the `once` guide, so it would not show by itself...
    const offeredAgain = await load(first.pg, first.pg.url());
    expect(offeredAgain).not.toContain(once.id);
    expect(offeredAgain).toContain(onDemand.id);
    // ...but asked for by id it does (frequency does not apply to showGuide).
    await showGuide(first.pg, once.id);
    await banner.waitFor();
    expect(await banner.innerText()).toContain("Welcome aboard");
    await storedEvents(once.id, "the on-demand display stored", (r) => new Set(r.filter((e) => e.type === "shown").map((e) => e.view_id)).size === 2);
    await first.pg.context().close();

    // Queued on the snippet's stub before agent.js loaded: replayed once the renderer starts.
    const queued = await open("/act/api", `v=v-queued&a=api&show=${onDemand.id}`);
    await dialog(queued.pg).waitFor();
    expect(await dialog(queued.pg).innerText()).toContain("Three new reports.");
    await storedEvents(onDemand.id, "the queued display stored", (r) => r.some((e) => e.type === "shown" && e.visitor_id === "v-queued"));
    await queued.pg.context().close();
  });

  it("walks a visitor through two routes of a single-page app: step 1 on the dashboard, step 2 on reports after the route change", async () => {
    const g = await createGuide({
      name: "Reports tour",
      // An onboarding tour shows once: the answer after the route change leaves it out (it has
      // been shown), which must not end the display in progress.
      frequency: "once",
      targeting: { page: "/spa/*" },
      steps: [
        { layout: "tooltip", selector: "#new-report", title: "Create", content: "Start a new report here." },
        { layout: "tooltip", selector: "#export", title: "Export", content: "Then export it from Reports." },
      ],
    });
    const { pg } = await open("/spa/dashboard", "v=v-spa&a=spa");
    await dialog(pg).waitFor();
    expect(await dialog(pg).innerText()).toContain("Start a new report here.");
    await pg.locator("pendulum-guides button", { hasText: "Next" }).click();
    // Step 2's element is not on this route: nothing is drawn until the visitor gets there.
    expect(await dialog(pg).count()).toBe(0);

    const reasked = pg.waitForResponse((r) => r.url().includes("/data/guides?") && decodeURIComponent(r.url()).includes("/spa/reports"));
    await pg.locator("#to-reports").click();
    await pg.waitForURL(/\/spa\/reports\?/);
    await dialog(pg).waitFor();
    expect(await dialog(pg).innerText()).toContain("Then export it from Reports.");
    const target = await pg.locator("#export").boundingBox();
    const tip = await dialog(pg).boundingBox();
    if (!target || !tip) throw new Error("no boxes");
    expect(tip.y).toBeGreaterThanOrEqual(target.y + target.height); // below the Export button
    expect(tip.y - (target.y + target.height)).toBeLessThan(30);

    // The route change made the renderer ask again; the walkthrough survives that answer.
    await (await reasked).finished();
    await pg.evaluate(() => new Promise((r) => setTimeout(r, 0)));
    expect(await dialog(pg).innerText()).toContain("Then export it from Reports.");
    await pg.locator("pendulum-guides button", { hasText: "Done" }).click();
    expect(await dialog(pg).count()).toBe(0);

    const rows = await storedEvents(g.id, "the walkthrough completed", (r) => r.some((e) => e.type === "completed"));
    const steps = rows.filter((e) => e.type !== "button_clicked").map((e) => ({ type: e.type, step: Number(e.step), page: new URL(e.url ?? "").pathname }));
    expect(steps).toEqual([
      { type: "shown", step: 0, page: "/spa/dashboard" },
      { type: "step_shown", step: 0, page: "/spa/dashboard" },
      { type: "advanced", step: 0, page: "/spa/dashboard" },
      { type: "step_shown", step: 1, page: "/spa/reports" },
      { type: "completed", step: 1, page: "/spa/reports" },
    ]);
    expect(new Set(rows.map((e) => e.view_id)).size).toBe(1); // one display across both routes
    const m = await api<{ views: number; completed: number; funnel: { views: number }[] }>(`/guides/${g.id}/metrics`);
    expect(m).toMatchObject({ views: 1, completed: 1 });
    expect(m.funnel.map((s) => s.views)).toEqual([1, 1]);
    await pg.context().close();
  });

  it("continues a walkthrough across a full page load at its step, as the same display, and not again once it ends", async () => {
    const g = await createGuide({
      name: "Project tour",
      frequency: "once",
      targeting: { page: "/mp/*" },
      steps: [
        { layout: "tooltip", selector: "#start", content: "Create a project first." },
        { layout: "tooltip", selector: "#invite", content: "Then invite your team." },
      ],
    });
    const { pg } = await open("/mp/one", "v=v-mp&a=mp");
    await dialog(pg).waitFor();
    expect(await dialog(pg).innerText()).toContain("Create a project first.");
    await pg.locator("pendulum-guides button", { hasText: "Next" }).click();
    // A real navigation: a new document, a new agent; the tab's session keeps the display.
    const resumed = pg.waitForResponse((r) => r.url().includes("/data/guides?") && r.url().includes(`&guide=${g.id}`));
    await load(pg, `${site.url}/mp/two?v=v-mp&a=mp`);
    await resumed; // asked for alone: the server no longer offers a "once" guide it has shown
    await dialog(pg).waitFor();
    expect(await dialog(pg).innerText()).toContain("Then invite your team.");
    await pg.locator("pendulum-guides button", { hasText: "Done" }).click();
    const rows = await storedEvents(g.id, "the tour completed", (r) => r.some((e) => e.type === "completed"));
    expect(rows.filter((e) => e.type !== "button_clicked").map((e) => ({ type: e.type, step: Number(e.step), page: new URL(e.url ?? "").pathname }))).toEqual([
      { type: "shown", step: 0, page: "/mp/one" },
      { type: "step_shown", step: 0, page: "/mp/one" },
      { type: "advanced", step: 0, page: "/mp/one" },
      { type: "step_shown", step: 1, page: "/mp/two" },
      { type: "completed", step: 1, page: "/mp/two" },
    ]);
    expect(new Set(rows.map((e) => e.view_id)).size).toBe(1);
    expect(await api<{ views: number; completed: number }>(`/guides/${g.id}/metrics`)).toMatchObject({ views: 1, completed: 1 });
    // Completed: another load shows nothing (nor asks for the guide alone).
    let askedAlone = false;
    pg.on("request", (r) => {
      if (r.url().includes(`&guide=${g.id}`)) askedAlone = true;
    });
    expect(await load(pg, `${site.url}/mp/one?v=v-mp&a=mp`)).not.toContain(g.id);
    await pg.evaluate(() => new Promise((r) => setTimeout(r, 300)));
    expect(await dialog(pg).count()).toBe(0);
    expect(askedAlone).toBe(false);
    await pg.context().close();
  });

  it("takes an open guide away when a route change leaves its page rule, without recording a dismissal", async () => {
    const g = await createGuide({ name: "Dashboard news", targeting: { page: "/spa/dashboard" }, frequency: "once", priority: 10, steps: [{ layout: "banner", placement: "bottom", content: "Dashboards can be shared now." }] });
    const { pg } = await open("/spa/dashboard", "v=v-leave&a=spa");
    const banner = pg.locator("pendulum-guides [role=region]");
    await banner.waitFor();
    expect(await banner.innerText()).toContain("Dashboards can be shared now.");
    await pg.locator("#to-reports").click();
    await banner.waitFor({ state: "detached" });
    const rows = await storedEvents(g.id, "the display stored", (r) => r.some((e) => e.type === "step_shown"));
    expect(rows.map((e) => e.type)).toEqual(["shown", "step_shown"]);
    await pg.context().close();
  });
});
