import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPendulum, TEST_APP_KEY, type TestPendulum } from "../../test/harness.js";

type Day = { date: string; visitors: number; minutes: number; featureClicks: number; clicks: number; pageViews: number; events: number };
type Usage = { accountId: string; timeZone: string; from: string; to: string; days: Day[] };
type Sent = { visitor: string; account: string; type: "load" | "click" | "track"; ts: number; onFeature?: boolean };

const HOUR = 3_600_000;
const MINUTE = 60_000;
let p: TestPendulum;
const sent: Sent[] = [];

/** Local date of an instant in a zone, as the endpoint names days. */
const localDate = (ms: number, timeZone: string): string => new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(ms));

/** The series computed straight from what was sent: per local day, distinct visitors, distinct visitor-minutes of agent events, clicks on the feature, all clicks, loads, events. */
function expected(account: string, timeZone: string): Map<string, Omit<Day, "date">> {
  const out = new Map<string, { visitors: Set<string>; minutes: Set<string>; featureClicks: number; clicks: number; pageViews: number; events: number }>();
  for (const e of sent.filter((s) => s.account === account)) {
    const date = localDate(e.ts, timeZone);
    const d = out.get(date) ?? { visitors: new Set(), minutes: new Set(), featureClicks: 0, clicks: 0, pageViews: 0, events: 0 };
    d.visitors.add(e.visitor);
    if (e.type !== "track") d.minutes.add(`${e.visitor}:${Math.floor(e.ts / MINUTE)}`);
    if (e.type === "click") d.clicks++;
    if (e.type === "click" && e.onFeature) d.featureClicks++;
    if (e.type === "load") d.pageViews++;
    d.events++;
    out.set(date, d);
  }
  return new Map([...out].map(([date, d]) => [date, { visitors: d.visitors.size, minutes: d.minutes.size, featureClicks: d.featureClicks, clicks: d.clicks, pageViews: d.pageViews, events: d.events }]));
}

beforeAll(async () => {
  p = await startTestPendulum();
  const now = Date.now();
  // Two accounts, three visitors, activity on several of the last six days around midnight UTC
  // (so UTC and New York put some events on different dates), a track event that is not a minute.
  const plan: [string, string, number][] = [
    ["acme", "ada", 1],
    ["acme", "bob", 1],
    ["acme", "ada", 3],
    ["acme", "bob", 5],
    ["globex", "cyd", 2],
    ["globex", "ada", 2],
  ];
  for (const [account, visitor, daysAgo] of plan) {
    const base = Math.floor((now - daysAgo * 24 * HOUR) / HOUR) * HOUR + 7 * MINUTE;
    const all: Sent[] = [
      { visitor, account, type: "load", ts: base },
      // One click on the "Save" feature, one on an element no feature matches (issue 16, finding 3).
      { visitor, account, type: "click", ts: base + 20_000, onFeature: true },
      { visitor, account, type: "click", ts: base + 3 * MINUTE, onFeature: false },
      { visitor, account, type: "load", ts: base + 5 * HOUR },
      { visitor, account, type: "track", ts: base + 5 * HOUR + 9 * MINUTE },
    ];
    const events = all.filter((e) => e.ts < now);
    sent.push(...events);
    const res = await fetch(`${p.url}/data/ingest?key=${TEST_APP_KEY}`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({
        visitor: { id: visitor },
        account: { id: account },
        events: events.map((e) => ({ type: e.type, ts: e.ts, url: "https://app.example.com/home", ...(e.type === "click" ? { element: e.onFeature ? [{ tag: "button", id: "save" }] : [{ tag: "div", classes: ["card"] }] } : {}), ...(e.type === "track" ? { name: "Exported" } : {}) })),
      }),
    });
    expect(res.status).toBe(200);
  }
  await p.modules.analytics.settle();
  const feature = await p.api("/api/v1/features", { method: "POST", body: JSON.stringify({ name: "Save", selector: "button#save" }) });
  expect(feature.status).toBe(201);
});
afterAll(async () => {
  await p?.close();
});

describe("GET /api/v1/accounts/:id/usage", () => {
  it.each(["UTC", "America/New_York", "Asia/Kolkata"])("gives every day of the last 30 with the series computed from the ingested events (%s)", async (timeZone) => {
    for (const account of ["acme", "globex"]) {
      const res = await p.api(`/api/v1/accounts/${account}/usage?days=30&timeZone=${encodeURIComponent(timeZone)}`);
      expect(res.status).toBe(200);
      const usage = (await res.json()) as Usage;
      expect(usage.days).toHaveLength(30);
      expect(usage.to).toBe(localDate(Date.now(), timeZone));
      expect(usage.days[29]?.date).toBe(usage.to);
      expect(usage.days[0]?.date).toBe(usage.from);
      const want = expected(account, timeZone);
      const active = usage.days.filter((d) => d.events > 0);
      expect(Object.fromEntries(active.map(({ date, ...rest }) => [date, rest]))).toEqual(Object.fromEntries(want));
    }
  });

  it("defaults to 30 days in the app's time zone and accepts 90", async () => {
    const def = (await (await p.api("/api/v1/accounts/acme/usage")).json()) as Usage;
    expect(def.timeZone).toBe("UTC");
    expect(def.days).toHaveLength(30);
    const long = (await (await p.api("/api/v1/accounts/acme/usage?days=90")).json()) as Usage;
    expect(long.days).toHaveLength(90);
    expect(long.days.reduce((n, d) => n + d.events, 0)).toBe(sent.filter((s) => s.account === "acme").length);
  });

  it.each([
    ["an unknown account", "/api/v1/accounts/nobody/usage", 404, "NOT_FOUND", "id"],
    ["a bad time zone", "/api/v1/accounts/acme/usage?timeZone=Mars%2FOlympus", 400, "INVALID_TIME_ZONE", "timeZone"],
    ["too many days", "/api/v1/accounts/acme/usage?days=400", 400, "INVALID_INPUT", "days"],
  ])("refuses %s", async (_name, path, status, code, field) => {
    const res = await p.api(path);
    expect(res.status).toBe(status);
    const body = (await res.json()) as { code: string; field?: string };
    expect(body.code).toBe(code);
    expect(body.field).toBe(field);
  });
});
