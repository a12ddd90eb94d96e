import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Guide } from "../src/guides/index.js";
import { composeGuides, type GuidesModules } from "../src/guides/test-kit.js";
import { eventually, launchBrowser, serveStatic, type StaticServer } from "./browser.js";
import { startTestPendulum, TEST_APP_KEY, type TestPendulum } from "./harness.js";

const DAY = 86_400_000;

/** A host page: the install snippet with visitor and account from the query string, then `body`. */
function hostPage(pendulumUrl: string, title: string, body: string, head = ""): (url: URL) => string {
  return (url) => {
    const visitor = url.searchParams.get("v") ?? "anon";
    const account = url.searchParams.get("a") ?? "none";
    return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title>${head}<script>
  window.pendulum = window.pendulum || { q: [] };
  ["initialize", "identify", "updateOptions", "track", "flush", "showGuide"].forEach(function (m) {
    window.pendulum[m] = window.pendulum[m] || function () { window.pendulum.q.push([m].concat([].slice.call(arguments))); };
  });
  pendulum.initialize({ apiKey: "${TEST_APP_KEY}", visitor: { id: ${JSON.stringify(visitor)} }, account: { id: ${JSON.stringify(account)} } });
</script><script async src="${pendulumUrl}/agent.js"></script></head><body>${body}</body></html>`;
  };
}

const HOSTILE_CSS = `<style>
  * { color: rgb(255, 0, 0) !important; font-family: serif !important; font-size: 30px !important; line-height: 3 !important; }
  button { background: rgb(0, 255, 0) !important; padding: 40px !important; border: 9px solid black !important; }
  div, p { display: inline !important; margin: 50px !important; }
  .box, .ttl, .b1, .ct, [role=dialog] { display: none !important; visibility: hidden !important; }
  pendulum-guides { display: none !important; opacity: 0 !important; }
</style>`;

describe("in-app guides in Chromium against a real Pendulum", () => {
  let p: TestPendulum<GuidesModules>;
  let site: StaticServer;
  let browser: Browser;
  let appId: string;

  const api = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
    const res = await p.api(`/api/v1${path}`, init);
    const body = (await res.json()) as T;
    if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
    return body;
  };
  const createGuide = (body: Record<string, unknown>): Promise<Guide> => api<Guide>("/guides", { method: "POST", body: JSON.stringify({ status: "public", ...body }) });
  /** Opens a page and waits until the renderer has asked for this page's guides. */
  const open = async (path: string, visitor: string, account: string): Promise<Page> => {
    const context = await browser.newContext();
    const pg = await context.newPage();
    pg.on("pageerror", (e) => console.error("page error", e));
    await load(pg, `${site.url}${path}?v=${visitor}&a=${account}`);
    return pg;
  };
  const load = async (pg: Page, url: string): Promise<void> => {
    const asked = pg.waitForResponse((r) => r.url().includes("/data/guides?"));
    await pg.goto(url);
    await asked;
  };
  const dialog = (pg: Page) => pg.locator("pendulum-guides [role=dialog]");
  const metrics = (id: string) => api<{ views: number; completed: number; dismissed: number; funnel: { step: number; views: number }[] }>(`/guides/${id}/metrics`);

  beforeAll(async () => {
    p = await startTestPendulum({ compose: composeGuides() });
    appId = (await api<{ apps: { id: string }[] }>("/apps")).apps[0]?.id ?? "";
    site = await serveStatic({
      "/app/billing": hostPage(p.url, "Billing", "<h1>Billing</h1><button id='pay'>Pay</button>"),
      "/app/late": hostPage(p.url, "Late", `<div style="height:300px"></div><div id="slot"></div><div style="height:3000px"></div>
        <script>setTimeout(function () { var b = document.createElement("button"); b.id = "late-btn"; b.textContent = "Export"; document.getElementById("slot").appendChild(b); }, 2000);</script>`),
      "/app/tour": hostPage(p.url, "Tour", "<button id='save'>Save</button>"),
      "/app/nps": hostPage(p.url, "NPS", "<p>Dashboard</p>"),
      "/app/xss": hostPage(p.url, "XSS", "<p>Safe page</p>"),
      "/app/styled": hostPage(p.url, "Styled", "<button id='host-btn'>Host button</button><p id='host-p'>Host text</p>", HOSTILE_CSS),
    });
    browser = await launchBrowser();
    // The accounts come into being as the agent reports their visitors, as in production.
    for (const [v, a] of [
      ["v-red", "red"],
      ["v-green", "green"],
    ] as const) {
      const pg = await open("/app/nps", v, a);
      await pg.context().close();
    }
    const analytics = p.modules.analytics;
    await eventually("accounts recorded", async () => {
      await analytics.settle();
      return (await analytics.metadata.get(appId, "account", "red")) && (await analytics.metadata.get(appId, "account", "green")) ? true : undefined;
    });
    const renewal = new Date(Date.now() + 30 * DAY).toISOString().slice(0, 10);
    await analytics.metadata.replaceCrm(
      appId,
      "account",
      new Map([
        ["red", { Health: "Red", RenewalDate: renewal }],
        ["green", { Health: "Green", RenewalDate: renewal }],
      ]),
    );
    await p.modules.guides.refreshSegments();
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await p?.close();
  });

  it("shows the lightbox to a Red account renewing within 60 days, not to a Green one; dismissed stays dismissed after reload", async () => {
    const segment = await api<{ id: string }>("/segments", {
      method: "POST",
      body: JSON.stringify({
        name: "Renewal at risk",
        definition: { op: "and", rules: [{ kind: "metadata", target: "account", group: "crm", key: "Health", operator: "equals", value: "Red" }, { kind: "metadata", target: "account", group: "crm", key: "RenewalDate", operator: "withinNextDays", value: 60 }] },
      }),
    });
    const g = await createGuide({ name: "Renewal offer", targeting: { segment: segment.id, page: "/app/billing" }, steps: [{ layout: "lightbox", title: "Your renewal", content: "Talk to us about **your renewal**." }] });

    const green = await open("/app/billing", "v-green", "green");
    await green.waitForTimeout(300); // nothing should appear; the answer has already arrived
    expect(await dialog(green).count()).toBe(0);
    await green.context().close();

    const red = await open("/app/billing", "v-red", "red");
    await dialog(red).waitFor();
    expect(await dialog(red).getAttribute("aria-modal")).toBe("true");
    expect(await dialog(red).innerText()).toContain("Your renewal");
    expect(await red.locator("pendulum-guides strong").innerText()).toBe("your renewal");
    // Focus moved into the dialog and Tab stays there.
    for (let i = 0; i < 4; i++) await red.keyboard.press("Tab");
    expect(await red.evaluate(() => document.activeElement?.tagName)).toBe("PENDULUM-GUIDES");
    await red.keyboard.press("Escape");
    expect(await dialog(red).count()).toBe(0);
    await eventually("the dismissal stored", async () => ((await metrics(g.id)).dismissed === 1 ? true : undefined));
    await load(red, red.url());
    await red.waitForTimeout(300);
    expect(await dialog(red).count()).toBe(0);
    // The host page still works: its own script and button are untouched.
    expect(await red.locator("#pay").innerText()).toBe("Pay");
    await red.context().close();
  });

  it("anchors a tooltip to a button that appears 2 s after load and keeps it attached on scroll", async () => {
    await createGuide({ name: "Export tip", targeting: { page: "/app/late" }, steps: [{ layout: "tooltip", selector: "#late-btn", position: "bottom", content: "Export your data here" }] });
    const pg = await open("/app/late", "v-tip", "tip");
    expect(await pg.locator("#late-btn").count()).toBe(0);
    await dialog(pg).waitFor({ timeout: 10_000 });
    const rel = async (): Promise<{ dy: number; dx: number }> => {
      const b = await pg.locator("#late-btn").boundingBox();
      const t = await dialog(pg).boundingBox();
      if (!b || !t) throw new Error("no boxes");
      return { dy: t.y - (b.y + b.height), dx: t.x + t.width / 2 - (b.x + b.width / 2) };
    };
    const before = await rel();
    expect(before.dy).toBeGreaterThanOrEqual(0);
    expect(before.dy).toBeLessThan(30);
    expect(Math.abs(before.dx)).toBeLessThan(150);
    await pg.mouse.wheel(0, 200);
    await pg.waitForFunction(() => window.scrollY >= 150);
    await eventually("the tooltip follows the button", async () => {
      const after = await rel();
      return Math.abs(after.dy - before.dy) < 2 && Math.abs(after.dx - before.dx) < 2 ? true : undefined;
    }, 5_000);
    await pg.setViewportSize({ width: 700, height: 600 });
    await eventually("the tooltip follows a resize", async () => {
      const after = await rel();
      return Math.abs(after.dy - before.dy) < 2 && Math.abs(after.dx) < 150 ? true : undefined;
    }, 5_000);
    await pg.context().close();
  });

  it("advances a walkthrough mixing lightbox, banner and tooltip, and records the funnel", async () => {
    const g = await createGuide({
      name: "Tour",
      targeting: { page: "/app/tour" },
      steps: [
        { layout: "lightbox", title: "Welcome", content: "Step one" },
        { layout: "banner", content: "Step two", buttons: [{ label: "Back", action: "back" }, { label: "Onward", action: "next" }] },
        { layout: "tooltip", selector: "#save", content: "Step three" },
      ],
    });
    const pg = await open("/app/tour", "v-tour", "tour");
    await dialog(pg).waitFor();
    expect(await dialog(pg).innerText()).toContain("Step one");
    await pg.locator("pendulum-guides button", { hasText: "Next" }).click();
    const banner = pg.locator("pendulum-guides [role=region]");
    await banner.waitFor();
    expect(await banner.innerText()).toContain("Step two");
    await pg.locator("pendulum-guides button", { hasText: "Onward" }).click();
    await dialog(pg).waitFor();
    expect(await dialog(pg).innerText()).toContain("Step three");
    await pg.locator("pendulum-guides button", { hasText: "Done" }).click();
    expect(await pg.locator("pendulum-guides .box").count()).toBe(0);
    const m = await eventually("the walkthrough completed", async () => {
      const x = await metrics(g.id);
      return x.completed === 1 ? x : undefined;
    });
    expect(m.funnel.map((s) => s.views)).toEqual([1, 1, 1]);
    await pg.context().close();
  });

  it("records an NPS answer of 9 in the account's NPS", async () => {
    await createGuide({ name: "NPS", targeting: { page: "/app/nps" }, steps: [{ layout: "poll", content: "", poll: { type: "nps", question: "How likely are you to recommend us?", comment: true } }] });
    const pg = await open("/app/nps", "v-red", "red");
    await dialog(pg).waitFor();
    await pg.locator("pendulum-guides [role=radio][data-score='9']").click();
    expect(await pg.locator("pendulum-guides [role=radio][data-score='9']").getAttribute("aria-checked")).toBe("true");
    await pg.locator("pendulum-guides textarea").fill("Great support");
    await pg.locator("pendulum-guides button", { hasText: "Submit" }).click();
    const row = await eventually("the NPS answer stored", async () => {
      const rows = await p.modules.guides.npsByAccount(appId, Date.now() - DAY, Date.now() + DAY);
      return rows.find((r) => r.id === "red");
    });
    expect(row).toMatchObject({ score: 100, responses: 1, promoters: 1, latest: { score: 9, comment: "Great support", visitorId: "v-red" } });
    const viaApi = await api<{ rows: { id: string; score: number }[] }>("/nps?kind=account");
    expect(viaApi.rows.find((r) => r.id === "red")?.score).toBe(100);
    await pg.context().close();
  });

  it("runs nothing from guide content: not <script>, not onerror=, not javascript: links, even when a stored row is tampered with", async () => {
    const evil = `<p>Visible text</p><script>window.__pwned = 1</script><img src="x" onerror="window.__pwned = 2"><a href="javascript:window.__pwned = 3">link</a><svg onload="window.__pwned = 4"></svg><iframe src="javascript:parent.__pwned = 5"></iframe>`;
    const g = await createGuide({ name: "XSS", targeting: { page: "/app/xss" }, steps: [{ layout: "lightbox", format: "html", content: evil }] });
    expect(g.steps[0]?.content).not.toMatch(/script|onerror|javascript|svg|iframe/i);
    // A row changed behind the API's back: the renderer's own allow-list must hold.
    const stored = p.modules.guides.service.store.get(g.id);
    if (!stored?.steps[0]) throw new Error("guide not stored");
    stored.steps[0].content = evil;
    await p.modules.guides.service.store.setStatus(g.id, "public");

    const pg = await open("/app/xss", "v-xss", "xss");
    await dialog(pg).waitFor();
    expect(await dialog(pg).innerText()).toContain("Visible text");
    await pg.locator("pendulum-guides a", { hasText: "link" }).click({ modifiers: [] }).catch(() => undefined);
    await pg.waitForTimeout(500);
    expect(await pg.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    const html = await pg.evaluate(() => document.querySelector("pendulum-guides")?.shadowRoot?.innerHTML ?? "");
    expect(html).toContain("Visible text");
    expect(html).not.toMatch(/<script|onerror|javascript:|<svg|<iframe|onload/i);
    await pg.context().close();
  });

  it("keeps the host's CSS out of the guide and the guide's CSS out of the host", async () => {
    await createGuide({ name: "Styled", targeting: { page: "/app/styled" }, steps: [{ layout: "lightbox", title: "Styled title", content: "Guide text" }] });
    const context = await browser.newContext();
    const pg = await context.newPage();
    // Host styles before the renderer exists: block it, read, then load normally.
    const hostStyle = () =>
      pg.evaluate(() => {
        const pick = (el: Element | null) => {
          if (!el) return null;
          const s = getComputedStyle(el);
          const r = el.getBoundingClientRect();
          return { color: s.color, font: s.fontFamily, size: s.fontSize, bg: s.backgroundColor, padding: s.padding, x: r.x, y: r.y, w: r.width, h: r.height };
        };
        return { button: pick(document.querySelector("#host-btn")), p: pick(document.querySelector("#host-p")), body: pick(document.body) };
      });
    await pg.route("**/agent-guides.js", (route) => route.abort());
    await pg.goto(`${site.url}/app/styled?v=v-style&a=style`);
    await pg.waitForLoadState("networkidle");
    const without = await hostStyle();
    await pg.unroute("**/agent-guides.js");
    await load(pg, `${site.url}/app/styled?v=v-style&a=style`);
    await dialog(pg).waitFor();
    expect(await hostStyle()).toEqual(without);
    expect(without.button?.bg).toBe("rgb(0, 255, 0)"); // the hostile rules are in force on the host

    const guideStyle = await pg.evaluate(() => {
      const root = document.querySelector("pendulum-guides")?.shadowRoot;
      const s = (sel: string) => {
        const el = root?.querySelector(sel);
        if (!el) return null;
        const c = getComputedStyle(el);
        return { color: c.color, size: c.fontSize, font: c.fontFamily, bg: c.backgroundColor, display: c.display, visibility: c.visibility, padding: c.padding };
      };
      return { title: s(".ttl"), text: s(".ct"), button: s(".b1"), box: s(".box") };
    });
    expect(guideStyle.title).toMatchObject({ color: "rgb(31, 36, 48)", size: "17px", visibility: "visible" });
    expect(guideStyle.title?.font).toContain("system-ui");
    expect(guideStyle.text).toMatchObject({ size: "14px", color: "rgb(31, 36, 48)" });
    expect(guideStyle.button).toMatchObject({ bg: "rgb(36, 86, 211)", padding: "9px 14px" });
    expect(guideStyle.box?.display).toBe("block");
    const box = await dialog(pg).boundingBox();
    expect(box && box.width > 200 && box.height > 50).toBe(true);
    await context.close();
  });
});
