import type { Browser, BrowserContext, Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PendulumApi } from "../agent/api.js";
import type { AgentBatch, PathElement } from "../agent/types.js";
import type { StoredEvent } from "../src/store/event-store.js";
import { eventually, launchBrowser, recordingProxy, serveStatic, type RecordingProxy, type StaticServer } from "./browser.js";
import { startTestPendulum, TEST_APP_KEY, type TestPendulum } from "./harness.js";

// What a visitor types; none of it may leave the page.
const TYPED_TEXT = "typed-SECRET-9876";
const TYPED_PASSWORD = "pw-HUNTER2-4321";
const TYPED_NOTE = "note-PRIVATE-5555";

type PageWithAgent = { pendulum: PendulumApi & { __pendulum?: true } };

/** The install snippet as a host app pastes it: a stub queue, then agent.js loaded async. */
function snippet(pendulumUrl: string, init: string): string {
  return `<script>
  window.pendulum = window.pendulum || { q: [] };
  ["initialize", "identify", "updateOptions", "track", "flush"].forEach(function (m) {
    window.pendulum[m] = window.pendulum[m] || function () { window.pendulum.q.push([m].concat([].slice.call(arguments))); };
  });
  ${init}
</script>
<script async src="${pendulumUrl}/agent.js"></script>`;
}

function page(title: string, head: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title>${head}</head><body>${body}</body></html>`;
}

const TOOLBAR = `
  <div class="bar" data-section="toolbar"><button id="save" class="btn primary" type="button"><span class="label">Save
    changes</span></button></div>
  <form onsubmit="return false"><input id="search" name="q" type="text"><input id="pw" name="password" type="password"></form>
  <div id="notes" contenteditable="true">Notes</div>
  <a id="next" href="/app/second">Next page</a>`;

const EDGE = `
  <svg id="chart" class="chart big" width="40" height="40"><circle class="dot" data-series="revenue" r="15" cx="20" cy="20"></circle></svg>
  <button id="long">  This   label is much longer than sixty-four characters, so the agent cuts it short  </button>
  <label id="mail-label" style="display:block;padding:8px">Email <input id="mail" value="prefilled-VALUE-1"></label>
  ${"<div>".repeat(40)}<span id="leaf">leaf</span>${"</div>".repeat(40)}`;

describe("browser agent against a real Pendulum", () => {
  let p: TestPendulum;
  let site: StaticServer;
  // The agent talks to Pendulum through this proxy, so unload beacons can be inspected too.
  let wire: RecordingProxy;
  let browser: Browser;
  let appId: string;

  const stored = async (visitorId?: string): Promise<StoredEvent[]> => p.events.events({ appId, ...(visitorId ? { visitorId } : {}) });
  const dictionary = async (name: "urls" | "elements"): Promise<Map<number, string>> => new Map((await p.events.dictionary(name)).map((e) => [e.id, e.value]));
  const settle = async (): Promise<void> => {
    await p.modules.analytics.settle();
  };
  const agentReady = (pg: Page) => pg.waitForFunction(() => (window as unknown as PageWithAgent).pendulum.__pendulum === true);
  const ingestBodies = (requests: Request[]): AgentBatch[] =>
    requests.filter((r) => r.url().startsWith(`${wire.url}/data/ingest`)).map((r) => JSON.parse(r.postData() ?? "{}") as AgentBatch);

  beforeAll(async () => {
    p = await startTestPendulum();
    wire = await recordingProxy(p.url);
    const res = await p.api("/api/v1/apps");
    appId = ((await res.json()) as { apps: { id: string }[] }).apps[0]?.id ?? "";
    expect(appId).not.toBe("");
    const withHost = (visitor: string) =>
      snippet(wire.url, `pendulum.initialize({ apiKey: "${TEST_APP_KEY}", host: "${wire.url}", visitor: { id: "${visitor}", email: "ada@example.com", plan: "pro" }, account: { id: "acme", tier: 2 } });`);
    site = await serveStatic({
      // The first page queues a track call before agent.js has loaded.
      "/app": page("Dashboard", withHost("v-1") + snippet(wire.url, `pendulum.track("Snippet queued", { early: true });`), TOOLBAR),
      // The second page gives no host: the agent takes it from its own script URL.
      "/app/second": page("Second", snippet(wire.url, `pendulum.initialize({ apiKey: "${TEST_APP_KEY}", visitor: { id: "v-1" }, account: { id: "acme" } });`), "<p>Second page</p>"),
      "/retry": page("Retry", withHost("v-retry"), "<p>retry</p>"),
      "/offline/one": page("Offline one", withHost("v-offline"), `<a id="go" href="/offline/two">two</a>`),
      "/offline/two": page("Offline two", withHost("v-offline"), "<p>two</p>"),
      "/edge": page("Edge", withHost("v-edge"), EDGE),
      "/minutes": page("Minutes", withHost("v-minutes"), `<button id="a">A</button><input id="field" type="text">`),
      "/tabs": page("Tabs", withHost("v-tabs"), "<p>tabs</p>"),
    });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await wire?.close();
    await p?.close();
  });

  it("stores page loads, route changes, clicks, focus and track events, and never sends what was typed", async () => {
    const context = await browser.newContext();
    const pg = await context.newPage();
    const requests: Request[] = [];
    pg.on("request", (r) => requests.push(r));

    await pg.goto(`${site.url}/app?from=test`);
    await agentReady(pg);

    await pg.click("#save span");
    await pg.evaluate(() => history.pushState({}, "", "/app/settings"));
    await pg.evaluate(() => (location.hash = "billing"));
    await pg.evaluate(() => (window as unknown as PageWithAgent).pendulum.track("Report exported", { format: "csv", rows: 3 }));
    // The window loses focus to another window and gets it back: a return, reported as focus.
    await pg.evaluate(() => {
      window.dispatchEvent(new Event("blur"));
      window.dispatchEvent(new Event("focus"));
    });
    await pg.evaluate(() => (window as unknown as PageWithAgent).pendulum.updateOptions({ visitor: { plan: "enterprise" } }));

    await pg.click("#search");
    await pg.keyboard.type(TYPED_TEXT);
    await pg.click("#pw");
    await pg.keyboard.type(TYPED_PASSWORD);
    await pg.click("#notes");
    await pg.keyboard.type(TYPED_NOTE);

    // A real second page load; what page one still holds leaves on pagehide.
    await Promise.all([pg.waitForURL(`${site.url}/app/second`), pg.click("#next")]);
    await agentReady(pg);
    await pg.evaluate(async () => {
      const agent = (window as unknown as PageWithAgent).pendulum;
      agent.identify({ visitor: { id: "v-2" } });
      agent.track("Signed in as someone else");
      await agent.flush();
    });

    // Wait for the last track call and for the click that left page one in its unload beacon.
    const after = await eventually("the last events stored", async () => {
      const all = await stored();
      const nextLink = (await p.events.dictionary("elements")).find((d) => d.value.includes('"id":"next"'));
      const done = all.some((e) => e.name === "Signed in as someone else") && all.some((e) => e.elementId === nextLink?.id) && all.filter((e) => e.type === "load").length >= 4;
      return done ? all : undefined;
    });
    await settle();
    const events = await stored();
    expect(events.length).toBeGreaterThanOrEqual(after.length);
    const urls = await dictionary("urls");
    const elements = await dictionary("elements");
    const urlOf = (e: StoredEvent): string => urls.get(e.urlId ?? -1) ?? "";
    const pathOf = (e: StoredEvent): PathElement[] => JSON.parse(elements.get(e.elementId ?? -1) ?? "[]") as PathElement[];

    const v1 = events.filter((e) => e.visitorId === "v-1");
    for (const e of v1) expect(e.accountId).toBe("acme");
    expect(new Set(v1.map((e) => e.tabId)).size).toBe(1); // one tab across both page loads

    const loads = v1.filter((e) => e.type === "load").map((e) => urlOf(e));
    expect(loads).toEqual([`${site.url}/app?from=test`, `${site.url}/app/settings`, `${site.url}/app/settings#billing`, `${site.url}/app/second`]);
    expect(v1.find((e) => e.type === "load")?.title).toBe("Dashboard");

    const clicks = v1.filter((e) => e.type === "click");
    const save = clicks.find((e) => pathOf(e)[1]?.id === "save");
    expect(save && urlOf(save)).toBe(`${site.url}/app?from=test`);
    expect(save && pathOf(save)).toEqual([
      { tag: "span", classes: ["label"], text: "Save changes" },
      { tag: "button", id: "save", classes: ["btn", "primary"], attrs: { type: "button" } },
      { tag: "div", classes: ["bar"], attrs: { "data-section": "toolbar" } },
      { tag: "body" },
    ]);
    const fieldClicks = clicks.map(pathOf).filter((path) => ["search", "pw", "notes"].includes(path[0]?.id ?? ""));
    expect(fieldClicks.map((path) => path[0])).toEqual([
      { tag: "input", id: "search", attrs: { name: "q", type: "text" } },
      { tag: "input", id: "pw", attrs: { name: "password", type: "password" } },
      { tag: "div", id: "notes" },
    ]);
    const next = clicks.find((e) => pathOf(e)[0]?.id === "next");
    expect(next && pathOf(next)[0]).toEqual({ tag: "a", id: "next", attrs: { href: "/app/second" }, text: "Next page" });

    const tracks = v1.filter((e) => e.type === "track");
    expect(tracks.map((e) => [e.name, e.props && JSON.parse(e.props)])).toEqual([
      ["Snippet queued", { early: true }],
      ["Report exported", { format: "csv", rows: 3 }],
    ]);
    expect(v1.some((e) => e.type === "focus" && urlOf(e) === `${site.url}/app/settings#billing`)).toBe(true);

    const v2 = events.filter((e) => e.visitorId === "v-2");
    expect(v2.map((e) => [e.type, e.name, e.accountId, urlOf(e)])).toEqual([["track", "Signed in as someone else", "acme", `${site.url}/app/second`]]);

    const visitor = await (await p.api(`/api/v1/visitors/v-1`)).text();
    expect(visitor).toContain("enterprise");
    expect(visitor).toContain("ada@example.com");

    // The typed values left no trace: not in any request the page sent, not in storage.
    const fromPage = requests.map((r) => `${r.url()}\n${r.postData() ?? ""}`).join("\n");
    const onWire = wire.seen.map((r) => `${r.path}\n${r.body}`).join("\n");
    expect(fromPage).toContain("Signed in as someone else"); // the haystacks do hold the agent's bodies,
    expect(onWire).toContain("Next page"); // including the beacon sent as the first page unloaded
    const sent = `${fromPage}\n${onWire}`;
    const kept = JSON.stringify({ events, urls: [...urls.values()], elements: [...elements.values()] });
    for (const secret of [TYPED_TEXT, TYPED_PASSWORD, TYPED_NOTE]) {
      expect(sent).not.toContain(secret);
      expect(kept).not.toContain(secret);
    }
    await context.close();
  });

  it("retries a batch the server answered 503 with the same batchId, and the server stores it once", async () => {
    const context: BrowserContext = await browser.newContext();
    let answered503 = false;
    // The first attempt reaches the real server, but the page is told 503: the worst case for duplicates.
    await context.route(`${wire.url}/data/ingest**`, async (route) => {
      if (answered503 || !(route.request().postData() ?? "").includes("Retried once")) return route.continue();
      answered503 = true;
      const real = await route.fetch();
      expect(real.status()).toBe(200);
      return route.fulfill({ status: 503, body: "busy", headers: { "access-control-allow-origin": "*" } });
    });
    const pg = await context.newPage();
    const requests: Request[] = [];
    pg.on("requestfinished", (r) => requests.push(r));
    await pg.goto(`${site.url}/retry`);
    await agentReady(pg);
    await pg.evaluate(() => (window as unknown as PageWithAgent).pendulum.track("Retried once"));
    const attempts = await eventually("a retry", async () => {
      const bodies = ingestBodies(requests).filter((b) => b.events.some((e) => e.name === "Retried once"));
      return bodies.length >= 2 ? bodies : undefined;
    });
    expect(new Set(attempts.map((b) => b.batchId)).size).toBe(1);
    await settle();
    const mine = (await stored("v-retry")).filter((e) => e.name === "Retried once");
    expect(mine).toHaveLength(1);
    await context.close();
  });

  it("keeps events through a page load while the network fails, then delivers them under the same batchId", async () => {
    const context = await browser.newContext();
    const pg = await context.newPage();
    const requests: Request[] = [];
    const sentFrom = new Map<Request, string>();
    pg.on("request", (r) => {
      requests.push(r);
      sentFrom.set(r, pg.url());
    });
    await pg.goto(`${site.url}/offline/one`);
    await agentReady(pg);
    await pg.evaluate(() => (window as unknown as PageWithAgent).pendulum.flush());

    await context.route(`${wire.url}/data/ingest**`, (route) => route.abort("internetdisconnected"));
    await pg.evaluate(async () => {
      const agent = (window as unknown as PageWithAgent).pendulum;
      agent.track("While offline");
      await agent.flush();
    });
    const storedCopy = await pg.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("pendulum_outbox_")).map((k) => localStorage.getItem(k)).join(""));
    expect(storedCopy).toContain("While offline");

    // A real page load with the network still failing: only localStorage can carry the batch over.
    await Promise.all([pg.waitForURL(`${site.url}/offline/two`), pg.click("#go")]);
    await agentReady(pg);
    await context.unroute(`${wire.url}/data/ingest**`);
    await pg.evaluate(() => (window as unknown as PageWithAgent).pendulum.flush());

    const delivered = await eventually("the offline event stored", async () => ((await stored("v-offline")).some((e) => e.name === "While offline") ? true : undefined));
    expect(delivered).toBe(true);
    const attempts = ingestBodies(requests).filter((b) => b.events.some((e) => e.name === "While offline"));
    const pages = requests.filter((r) => (r.postData() ?? "").includes("While offline")).map((r) => sentFrom.get(r));
    expect(new Set(attempts.map((b) => b.batchId)).size).toBe(1);
    expect(pages).toContain(`${site.url}/offline/one`);
    expect(pages).toContain(`${site.url}/offline/two`);
    await settle();
    expect((await stored("v-offline")).filter((e) => e.name === "While offline")).toHaveLength(1);
    expect(await pg.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("pendulum_outbox_")))).toEqual([]);
    await context.close();
  });

  it("sends one activity event per 30 s of activity within a minute, and element paths for SVG, long text, labels and deep trees", async () => {
    const context = await browser.newContext();
    const pg = await context.newPage();
    // Paused at second 2 of a minute: the steps below stay inside their minutes, so only the 30 s rule is at work.
    const start = Math.floor((Date.now() - 3600_000) / 60_000) * 60_000;
    await pg.clock.install({ time: start + 1_000 });
    await pg.clock.pauseAt(start + 2_000);
    await pg.goto(`${site.url}/edge`);
    await agentReady(pg);
    const flush = () => pg.evaluate(() => (window as unknown as PageWithAgent).pendulum.flush());
    const sentEvents = () =>
      wire.seen
        .filter((r) => r.path.startsWith("/data/ingest") && r.body.includes('"v-edge"'))
        .flatMap((r) => (JSON.parse(r.body) as AgentBatch).events);
    const focusCount = () => sentEvents().filter((e) => e.type === "focus").length;
    // Flushes until `n` activity events went out, then checks no more did.
    const reaches = async (n: number): Promise<void> => {
      await eventually(`${n} focus events`, async () => (await flush(), focusCount() >= n ? true : undefined));
      expect(focusCount()).toBe(n);
    };
    await flush();
    const before = focusCount();

    await pg.mouse.move(5, 5);
    await pg.mouse.move(50, 50);
    await pg.keyboard.press("Shift");
    await flush();
    expect(focusCount()).toBe(before); // the page load already says "active" for this half-minute

    await pg.clock.fastForward(31_000); // second 33
    await pg.mouse.move(60, 60);
    await pg.mouse.move(70, 70);
    await pg.keyboard.press("Shift");
    await reaches(before + 1);

    await pg.clock.fastForward(24_000); // second 57: under 30 s, same minute, nothing sent
    await pg.keyboard.press("PageDown");
    await flush();
    expect(focusCount()).toBe(before + 1);
    await pg.clock.fastForward(7_000); // second 64, the next minute: sent (at most once per 30 s within a minute)
    await pg.keyboard.press("PageDown");
    await reaches(before + 2);

    await pg.click("#chart circle");
    await pg.click("#long");
    await pg.click("#mail-label", { position: { x: 2, y: 2 } });
    await pg.click("#leaf");
    await flush();
    const clicks = sentEvents()
      .filter((e) => e.type === "click")
      .map((e) => e.element ?? []);
    const clicked = (id: string) => clicks.find((path) => path.some((el) => el.id === id)) ?? [];
    expect(clicked("chart").slice(0, 2)).toEqual([
      { tag: "circle", classes: ["dot"], attrs: { "data-series": "revenue" } },
      { tag: "svg", id: "chart", classes: ["chart", "big"] },
    ]);
    expect(clicked("long")[0]).toEqual({ tag: "button", id: "long", text: "This label is much longer than sixty-four characters, so the age" });
    expect(clicked("mail-label")[0]).toEqual({ tag: "label", id: "mail-label" }); // holds an input: no text at all
    // The browser forwards a label click to its input: recorded, without the field's value.
    expect(clicked("mail")[0]).toEqual({ tag: "input", id: "mail" });
    expect(clicked("leaf")).toHaveLength(32);
    expect(clicked("leaf")[0]).toEqual({ tag: "span", id: "leaf", text: "leaf" });
    expect(wire.seen.map((r) => r.body).join("\n")).not.toContain("prefilled-VALUE-1");
    await context.close();
  });

  it("sends what it holds as soon as the page is hidden, and reports the return as focus", async () => {
    const context = await browser.newContext();
    const pg = await context.newPage();
    await pg.clock.install();
    await pg.goto(`${site.url}/edge`);
    await agentReady(pg);
    // Stop the page's clock: the 2 s flush timer cannot fire, so only the hidden handler can send.
    await pg.clock.pauseAt((await pg.evaluate(() => Date.now())) + 500);
    const setVisibility = (state: "hidden" | "visible") =>
      pg.evaluate((s) => {
        // Headless Chromium stays "visible"; stand in for the user switching tabs.
        Object.defineProperty(document, "visibilityState", { value: s, configurable: true });
        document.dispatchEvent(new Event("visibilitychange"));
      }, state);
    await pg.evaluate(() => (window as unknown as PageWithAgent).pendulum.track("Before hiding"));
    await setVisibility("hidden");
    const hiddenBatch = await eventually("the batch sent on hide", async () => wire.seen.find((r) => r.body.includes("Before hiding")));
    expect(hiddenBatch.path).toBe(`/data/ingest?key=${TEST_APP_KEY}`);
    await setVisibility("visible");
    await pg.evaluate(() => (window as unknown as PageWithAgent).pendulum.flush());
    const after = wire.seen.slice(wire.seen.indexOf(hiddenBatch) + 1).flatMap((r) => (r.body ? (JSON.parse(r.body) as AgentBatch).events : []));
    expect(after.map((e) => e.type)).toContain("focus");
    await context.close();
  });

  it("gets every active minute to the server: activity in a new minute is recorded even within 30 s of the last event", async () => {
    // Issue 16, finding 4: a click at 40:50, typing 41:05–41:17 and a click at 42:30 are three active minutes.
    const hour = Math.floor((Date.now() - 2 * 3600_000) / 3600_000) * 3600_000;
    const at = (m: number, s: number): number => hour + m * 60_000 + s * 1000;
    const context = await browser.newContext();
    const pg = await context.newPage();
    // The page's clock stands still except when the test moves it, so every event lands on its second.
    await pg.clock.install({ time: at(40, 39) });
    await pg.clock.pauseAt(at(40, 40));
    await pg.goto(`${site.url}/minutes`); // the page load at 40:40
    await agentReady(pg);
    const to = async (ms: number): Promise<void> => {
      const now = await pg.evaluate(() => Date.now());
      expect(now).toBeLessThanOrEqual(ms);
      await pg.clock.fastForward(ms - now);
    };
    await to(at(40, 50));
    await pg.click("#a");
    await to(at(41, 5));
    await pg.focus("#field");
    for (let s = 5; s <= 17; s += 3) {
      await to(at(41, s));
      await pg.keyboard.press("x");
    }
    await to(at(42, 30));
    await pg.click("#a");
    await pg.evaluate(() => (window as unknown as PageWithAgent).pendulum.flush());
    await eventually("the click at 42:30 stored", async () => (await settle(), (await stored("v-minutes")).some((e) => e.ts >= at(42, 30)) ? true : undefined));
    const events = await stored("v-minutes");
    const minutes = [...new Set(events.map((e) => Math.floor((e.ts - hour) / 60_000)))].sort((a, b) => a - b);
    expect(minutes).toEqual([40, 41, 42]);
    // Still a few events a minute: the load, the click, one activity event in minute 41 (the first
    // key press), and at 42:30 the mouse moving onto the button (over 30 s since 41:05) and the click.
    expect(events.map((e) => [e.type, Math.floor((e.ts - hour) / 1000)])).toEqual([
      ["load", 40 * 60 + 40],
      ["click", 40 * 60 + 50],
      ["focus", 41 * 60 + 5],
      ["focus", 42 * 60 + 30],
      ["click", 42 * 60 + 30],
    ]);
    // The server's own count agrees: three active minutes for the visitor that hour.
    const day = new Date(hour).toISOString().slice(0, 10);
    const report = await p.api("/api/v1/reports", { method: "POST", body: JSON.stringify({ name: "minutes of v-minutes", kind: "visitor", range: { from: day, to: day }, timeZone: "UTC", columns: ["minutes"] }) });
    const id = ((await report.json()) as { id: string }).id;
    const rows = ((await (await p.api(`/api/v1/reports/${id}/results`)).json()) as { rows: { id: string; values: { minutes: number } }[] }).rows;
    expect(rows.find((r) => r.id === "v-minutes")?.values.minutes).toBe(3);
    await context.close();
  });

  it("records one focus event per return to a tab, though the browser fires both visibility and window focus", async () => {
    const context = await browser.newContext();
    const pg = await context.newPage();
    await pg.clock.install();
    await pg.goto(`${site.url}/tabs`);
    await agentReady(pg);
    const leave = () =>
      pg.evaluate(() => {
        // Headless Chromium stays visible and focused; stand in for the user switching to another tab.
        window.dispatchEvent(new Event("blur"));
        Object.defineProperty(document, "visibilityState", { value: "hidden", configurable: true });
        document.dispatchEvent(new Event("visibilitychange"));
      });
    const back = () =>
      pg.evaluate(() => {
        // Coming back, Chromium fires visibilitychange and then the window's focus, at the same instant.
        Object.defineProperty(document, "visibilityState", { value: "visible", configurable: true });
        document.dispatchEvent(new Event("visibilitychange"));
        window.dispatchEvent(new Event("focus"));
      });
    const focusEvents = async (): Promise<number> => {
      await pg.evaluate(() => (window as unknown as PageWithAgent).pendulum.flush());
      return wire.seen
        .filter((r) => r.path.startsWith("/data/ingest") && r.body.includes('"v-tabs"'))
        .flatMap((r) => (JSON.parse(r.body) as AgentBatch).events)
        .filter((e) => e.type === "focus").length;
    };
    expect(await focusEvents()).toBe(0);
    for (let n = 1; n <= 3; n++) {
      await pg.clock.fastForward(60_000);
      await leave();
      await pg.clock.fastForward(60_000);
      await back();
      await eventually(`focus event ${n}`, async () => ((await focusEvents()) >= n ? true : undefined));
      expect(await focusEvents()).toBe(n);
    }
    // Switching windows without hiding the tab (blur, then focus) is a return too.
    await leave().then(() => undefined);
    await pg.evaluate(() => {
      Object.defineProperty(document, "visibilityState", { value: "visible", configurable: true });
      document.dispatchEvent(new Event("visibilitychange"));
    });
    await eventually("focus event 4", async () => ((await focusEvents()) >= 4 ? true : undefined));
    await pg.evaluate(() => window.dispatchEvent(new Event("blur")));
    await pg.evaluate(() => window.dispatchEvent(new Event("focus")));
    await eventually("focus event 5", async () => ((await focusEvents()) >= 5 ? true : undefined));
    expect(await focusEvents()).toBe(5);
    await context.close();
  });
});
