import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPendulum, TEST_APP_KEY, type TestPendulum } from "../../test/harness.js";
import { type Guide, type GuidesResponse } from "./index.js";
import { composeGuides, seedPeople, type GuidesModules } from "./test-kit.js";

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 4, 1, 10, 0);

describe("guides API", () => {
  let p: TestPendulum<GuidesModules>;
  let appId: string;
  let now = T0;
  let redSegment: string;

  const json = async <T>(res: Response): Promise<T> => (await res.json()) as T;
  const post = (path: string, body: unknown, method = "POST"): Promise<Response> => p.api(`/api/v1${path}`, { method, body: JSON.stringify(body) });
  const create = async (body: Record<string, unknown>): Promise<Guide> => {
    const res = await post("/guides", { status: "public", steps: [{ layout: "lightbox", content: "Hello" }], ...body });
    expect(res.status, await res.clone().text()).toBe(201);
    return json<Guide>(res);
  };
  const eligible = async (visitor: string, account: string, url = "https://app.example.com/home", guide?: string): Promise<GuidesResponse> => {
    const q = new URLSearchParams({ key: TEST_APP_KEY, visitor, account, url, ...(guide ? { guide } : {}) });
    const res = await fetch(`${p.url}/data/guides?${q}`);
    expect(res.status).toBe(200);
    return json<GuidesResponse>(res);
  };
  const ids = async (visitor: string, account: string, url?: string): Promise<string[]> => (await eligible(visitor, account, url)).guides.map((g) => g.id);
  const event = async (visitor: string, account: string, events: Record<string, unknown>[]): Promise<Response> =>
    fetch(`${p.url}/data/guide-events?key=${TEST_APP_KEY}`, { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify({ visitor, account, events }) });

  beforeAll(async () => {
    p = await startTestPendulum({ compose: composeGuides(), clock: () => now });
    appId = (await json<{ apps: { id: string }[] }>(await p.api("/api/v1/apps"))).apps[0]?.id ?? "";
    const analytics = p.modules.analytics;
    await seedPeople(
      analytics,
      appId,
      [
        { visitor: "v-red", account: "red" },
        { visitor: "v-green", account: "green" },
      ],
      new Map([
        ["red", { health: "Red", renewal: "2025-06-01" }],
        ["green", { health: "Green", renewal: "2025-06-01" }],
      ]),
      T0,
    );
    const seg = await post("/segments", {
      name: "Red, renewing within 60 days",
      definition: { op: "and", rules: [{ kind: "metadata", target: "account", group: "crm", key: "health", operator: "equals", value: "Red" }, { kind: "metadata", target: "account", group: "crm", key: "renewal", operator: "withinNextDays", value: 60 }] },
    });
    redSegment = (await json<{ id: string }>(seg)).id;
  });
  afterAll(async () => {
    await p?.close();
  });

  it("refuses invalid guides, naming the field", async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ steps: [{ layout: "tooltip", content: "x" }] }, "SELECTOR_REQUIRED", "steps[0].selector"],
      [{ steps: [{ layout: "tooltip", content: "x", selector: "button[" }] }, "INVALID_SELECTOR", "steps[0].selector"],
      [{ steps: [{ layout: "poll", content: "x" }] }, "POLL_REQUIRED", "steps[0].poll"],
      [{ steps: [{ layout: "lightbox", content: "x", buttons: [{ label: "Go", action: "goToStep", step: 3 }] }] }, "NO_SUCH_STEP", "steps[0].buttons[0].step"],
      [{ steps: [{ layout: "lightbox", content: "x", buttons: [{ label: "Go", action: "link", url: "javascript:alert(1)" }] }] }, "UNSAFE_URL", "steps[0].buttons[0].url"],
      [{ targeting: { page: "/a/**/b" } }, "INVALID_PAGE_RULE", "targeting.page"],
      [{ targeting: { segment: "nope" } }, "SEGMENT_NOT_FOUND", "targeting.segment"],
      [{ status: "scheduled" }, "SCHEDULE_REQUIRED", "schedule"],
      [{ status: "scheduled", schedule: { start: "2025-01-01T00:00", timeZone: "Mars/Base" } }, "INVALID_TIME_ZONE", "schedule.timeZone"],
      [{ status: "scheduled", schedule: { start: "2025-01-02T00:00", end: "2025-01-01T00:00", timeZone: "UTC" } }, "END_BEFORE_START", "schedule.end"],
      [{ activation: { type: "badge" } }, "SELECTOR_REQUIRED", "activation.selector"],
      [{ layout: "lightbox" }, "INVALID_INPUT", "layout"],
      [{ steps: [] }, "INVALID_INPUT", "steps"],
    ];
    for (const [patch, code, field] of cases) {
      const res = await post("/guides", { name: "Bad", steps: [{ layout: "lightbox", content: "x" }], ...patch });
      const body = await json<{ code: string; field?: string }>(res);
      expect(res.status, JSON.stringify(patch)).toBe(400);
      expect({ code: body.code, field: body.field }).toEqual({ code, field });
    }
  });

  it("stores content sanitised, and supports read, update, status and delete", async () => {
    const g = await create({ name: "Sanitised", status: "draft", steps: [{ layout: "lightbox", content: "**Hi** <script>alert(1)</script><img src=x onerror=alert(1)>" }] });
    expect(g.steps[0]?.content).toBe('<p><strong>Hi</strong> <img src="x"></p>');
    expect(g).toMatchObject({ status: "draft", frequency: "untilDismissed", activation: { type: "automatic" }, targeting: { segment: "everyone", page: null }, priority: 0 });
    const put = await post(`/guides/${g.id}`, { name: "Renamed", steps: [{ layout: "banner", content: "x" }] }, "PUT");
    expect((await json<Guide>(put)).name).toBe("Renamed");
    const patched = await p.api(`/api/v1/guides/${g.id}/status`, { method: "PATCH", body: JSON.stringify({ status: "disabled" }) });
    expect((await json<Guide>(patched)).status).toBe("disabled");
    expect((await json<{ guides: Guide[] }>(await p.api("/api/v1/guides"))).guides.map((x) => x.id)).toContain(g.id);
    expect((await p.api(`/api/v1/guides/${g.id}`, { method: "DELETE" })).status).toBe(200);
    expect((await p.api(`/api/v1/guides/${g.id}`)).status).toBe(404);
  });

  it("delivers by segment, page rule, status and schedule; dismissed guides stop", async () => {
    const red = await create({ name: "Renewal", targeting: { segment: redSegment, page: "/billing/**" } });
    const later = await create({ name: "Scheduled", status: "scheduled", schedule: { start: "2025-05-02T09:00", end: "2025-05-03T09:00", timeZone: "Europe/Berlin" }, targeting: { segment: redSegment } });
    await create({ name: "Draft", status: "draft", targeting: { segment: redSegment } });
    expect(await ids("v-red", "red", "https://app.example.com/billing/plan")).toEqual([red.id]);
    expect(await ids("v-red", "red", "https://app.example.com/home")).toEqual([]);
    expect(await ids("v-green", "green", "https://app.example.com/billing/plan")).toEqual([]);
    // A visitor analytics has not seen yet is judged by the account it arrives with.
    expect(await ids("v-new", "red", "https://app.example.com/billing/plan")).toEqual([red.id]);
    now = Date.UTC(2025, 4, 2, 7, 0); // 09:00 in Berlin
    expect(await ids("v-red", "red", "https://app.example.com/home")).toEqual([later.id]);
    now = Date.UTC(2025, 4, 3, 7, 0);
    expect(await ids("v-red", "red", "https://app.example.com/home")).toEqual([]);
    now = T0;

    const shown = await event("v-red", "red", [{ type: "shown", guide: red.id, step: 0, view: "w1" }]);
    expect(shown.status).toBe(200);
    expect(await ids("v-red", "red", "https://app.example.com/billing/plan")).toEqual([red.id]); // until dismissed
    await event("v-red", "red", [{ type: "dismissed", guide: red.id, step: 0, view: "w1", durationMs: 1500 }]);
    expect(await ids("v-red", "red", "https://app.example.com/billing/plan")).toEqual([]);
    // The agent API may still show it on purpose.
    expect((await eligible("v-red", "red", "https://app.example.com/billing/plan", red.id)).guides.map((g) => g.id)).toEqual([red.id]);
    for (const id of [red.id, later.id]) await p.api(`/api/v1/guides/${id}`, { method: "DELETE" });
  });

  it("refreshes segment membership when told", async () => {
    const g = await create({ name: "Red only", targeting: { segment: redSegment } });
    expect(await ids("v-green", "green")).toEqual([]);
    await p.modules.analytics.metadata.replaceCrm(appId, "account", new Map([["green", { health: "Red", renewal: "2025-06-10" }]]));
    expect(await ids("v-green", "green")).toEqual([]); // cached until a refresh
    await p.modules.guides.refreshSegments();
    expect(await ids("v-green", "green")).toEqual([g.id]);
    await p.modules.analytics.metadata.replaceCrm(appId, "account", new Map([["green", { health: "Green", renewal: "2025-06-01" }]]));
    await p.modules.guides.refreshSegments();
    await p.api(`/api/v1/guides/${g.id}`, { method: "DELETE" });
  });

  it("honours once and every-visit frequencies", async () => {
    const once = await create({ name: "Once", frequency: "once" });
    const every = await create({ name: "Every visit", frequency: "everyVisit" });
    expect(new Set(await ids("v-f", "f"))).toEqual(new Set([once.id, every.id]));
    await event("v-f", "f", [
      { type: "shown", guide: once.id, step: 0, view: "a" },
      { type: "shown", guide: every.id, step: 0, view: "b" },
      { type: "dismissed", guide: every.id, step: 0, view: "b" },
    ]);
    expect(await ids("v-f", "f")).toEqual([]);
    now = T0 + 31 * 60_000; // a new visit
    expect(await ids("v-f", "f")).toEqual([every.id]);
    now = T0;
    for (const id of [once.id, every.id]) await p.api(`/api/v1/guides/${id}`, { method: "DELETE" });
  });

  it("throttles automatic guides: deferred, not lost", async () => {
    const put = await post("/guide-settings", { throttle: { enabled: true, maxGuides: 1, intervalHours: 24, minGapMinutes: 60 } }, "PUT");
    expect(put.status).toBe(200);
    const a = await create({ name: "A", priority: 10 });
    const b = await create({ name: "B", priority: 5 });
    const api = await create({ name: "API", activation: { type: "api" } });
    const first = await eligible("v-t", "t");
    expect(first.guides.map((g) => g.id)).toEqual([a.id, api.id]);
    expect(first.retryAfterMs).toBe(3_600_000);
    await event("v-t", "t", [{ type: "shown", guide: a.id, step: 0, view: "x" }]);
    // A is in progress (a reload shows it again); B waits for the interval.
    const second = await eligible("v-t", "t");
    expect(second.guides.map((g) => g.id)).toEqual([a.id, api.id]);
    expect(second.retryAfterMs).toBe(DAY);
    await event("v-t", "t", [{ type: "completed", guide: a.id, step: 0, view: "x" }]);
    now = T0 + DAY;
    expect(await ids("v-t", "t")).toEqual([b.id, api.id]);
    now = T0;
    await post("/guide-settings", { throttle: { enabled: false, maxGuides: 1, intervalHours: 24, minGapMinutes: 0 } }, "PUT");
    for (const id of [a.id, b.id, api.id]) await p.api(`/api/v1/guides/${id}`, { method: "DELETE" });
  });

  it("refuses events for unknown guides and NPS answers without a score", async () => {
    const r1 = await event("v", "a", [{ type: "shown", guide: "nope", step: 0, view: "x" }]);
    expect(r1.status).toBe(400);
    expect(await json<{ field: string }>(r1)).toMatchObject({ code: "UNKNOWN_GUIDE", field: "events[0].guide" });
    const g = await create({ name: "NPS check", steps: [{ layout: "poll", content: "", poll: { type: "nps", question: "How likely?" } }] });
    const r2 = await event("v", "a", [{ type: "poll_answered", guide: g.id, step: 0, view: "x" }]);
    expect(await json<{ code: string }>(r2)).toMatchObject({ code: "SCORE_REQUIRED" });
    const r3 = await fetch(`${p.url}/data/guide-events?key=wrong`, { method: "POST", body: JSON.stringify({ visitor: "v", events: [{ type: "shown", guide: g.id, step: 0, view: "x" }] }) });
    expect(r3.status).toBe(403);
    await p.api(`/api/v1/guides/${g.id}`, { method: "DELETE" });
  });

  it("computes guide metrics and NPS per account, per visitor and overall", async () => {
    const g = await create({
      name: "Tour + NPS",
      steps: [
        { layout: "lightbox", content: "one" },
        { layout: "tooltip", content: "two", selector: "#save" },
        { layout: "poll", content: "", poll: { type: "nps", question: "How likely?", comment: true } },
      ],
    });
    const views: [string, string, number | null, "completed" | "dismissed", number][] = [
      ["v1", "acme", 10, "completed", 3000],
      ["v2", "acme", 3, "completed", 5000],
      ["v3", "beta", null, "dismissed", 1000],
      ["v1", "acme", 9, "completed", 4000], // v1 again: the latest answer counts
    ];
    for (const [i, [visitor, account, score, end, ms]] of views.entries()) {
      const view = `m${i}`;
      const evs: Record<string, unknown>[] = [
        { type: "shown", guide: g.id, step: 0, view },
        { type: "step_shown", guide: g.id, step: 0, view },
      ];
      if (score !== null) {
        evs.push({ type: "advanced", guide: g.id, step: 0, view }, { type: "step_shown", guide: g.id, step: 1, view }, { type: "step_shown", guide: g.id, step: 2, view });
        evs.push({ type: "poll_answered", guide: g.id, step: 2, view, score, comment: `c${i}` });
      }
      evs.push({ type: end, guide: g.id, step: score === null ? 0 : 2, view, durationMs: ms });
      expect((await event(visitor, account, evs)).status).toBe(200);
    }
    const m = await json<Record<string, unknown>>(await p.api(`/api/v1/guides/${g.id}/metrics?from=2025-04-01&to=2025-05-31`));
    expect(m).toMatchObject({
      views: 4,
      uniqueVisitors: 3,
      completed: 3,
      dismissed: 1,
      completionRate: 0.75,
      dismissalRate: 0.25,
      funnel: [
        { step: 0, views: 4, rate: 1 },
        { step: 1, views: 3, rate: 0.75 },
        { step: 2, views: 3, rate: 0.75 },
      ],
      timeOnGuideMs: { average: 3250, median: 3500 },
    });
    const outside = await json<{ views: number }>(await p.api(`/api/v1/guides/${g.id}/metrics?from=2025-05-02&to=2025-05-31`));
    expect(outside.views).toBe(0);

    const byAccount = await json<{ rows: { id: string; score: number; responses: number; latest: { score: number } }[] }>(await p.api("/api/v1/nps?kind=account&from=2025-05-01&to=2025-05-01"));
    expect(byAccount.rows).toEqual([{ id: "acme", score: 0, responses: 2, promoters: 1, passives: 0, detractors: 1, latest: expect.objectContaining({ score: 9, visitorId: "v1", comment: "c3" }) }]);
    const overall = await json<{ rows: { score: number; responses: number }[] }>(await p.api("/api/v1/nps?kind=app&from=2025-05-01&to=2025-05-01"));
    expect(overall.rows[0]).toMatchObject({ score: 0, responses: 2 });
    const visitors = await p.modules.guides.npsByVisitor(appId, T0 - DAY, T0 + DAY);
    expect(visitors.map((r) => [r.id, r.score])).toEqual([
      ["v1", 100],
      ["v2", -100],
    ]);
    const cats = await p.modules.guides.npsCategories(appId, "account", T0 - DAY, T0 + DAY);
    expect(cats.get("acme")).toBe("promoter");
    expect((await p.api("/api/v1/nps?from=2025-05-02&to=2025-05-01")).status).toBe(400);
  });
});
