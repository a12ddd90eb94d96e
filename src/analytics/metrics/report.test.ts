import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { PathElement, StoredEvent } from "../../store/event-store.js";
import type { DuckDbEventStore } from "../../store/events-duckdb.js";
import { testEngines } from "../../../test/engines.js";
import type { EventsEngine } from "../events-engine.js";
import { accountMetrics } from "./index.js";
import type { AccountMetricsRow, MetricsQuery, VisitorMetricsRow } from "./types.js";

const MIN = 60_000;
const T0 = Date.UTC(2024, 2, 5, 10, 0, 0); // 2024-03-05 10:00:00 UTC
const NEXT_DAY_9 = Date.UTC(2024, 2, 6, 9, 0, 0);

const saveButton: PathElement[] = [{ tag: "span", classes: ["icon"] }, { tag: "button", id: "save" }, { tag: "form" }, { tag: "body" }];
const helpLink: PathElement[] = [{ tag: "a", attrs: { href: "/help" } }, { tag: "nav" }, { tag: "body" }];
const URLS = [
  { id: 1, value: "https://app.example.com/home?x=1" },
  { id: 2, value: "https://app.example.com/app/42/settings?tab=billing" },
];
const ELEMENTS = [
  { id: 1, value: JSON.stringify(saveButton) },
  { id: 2, value: JSON.stringify(helpLink) },
];

let nextId = 1;
function ev(type: StoredEvent["type"], ts: number, visitorId: string, accountId: string, over: Partial<StoredEvent> = {}): StoredEvent {
  return {
    id: nextId++,
    appId: "app1",
    type,
    ts,
    visitorId,
    accountId,
    urlId: type === "track" ? null : 1,
    elementId: null,
    name: null,
    props: null,
    tabId: "t1",
    title: null,
    receivedAt: ts,
    ...over,
  };
}

/** The golden fixture; every expected number below is computed by hand from it. */
function fixture(): StoredEvent[] {
  nextId = 1;
  return [
    // v1 in A: SPEC's example (00:00:50, 00:01:30, 00:02:01 = 3 minutes), across two tabs.
    ev("load", T0 + 50_000, "v1", "A"),
    ev("click", T0 + 90_000, "v1", "A", { elementId: 1 }),
    ev("focus", T0 + 121_000, "v1", "A", { tabId: "t2" }),
    ev("focus", T0 + 125_000, "v1", "A"), // minute 2 again, other tab: no new minute
    ev("track", T0 + 10 * MIN, "v1", "A", { name: "signup" }), // minute 10: counts only with the setting
    ev("load", T0 + 60 * MIN, "v1", "A", { urlId: 2 }), // 58 minutes later: a second visit
    ev("click", NEXT_DAY_9, "v1", "A", { elementId: 2 }), // next day: third visit
    // v2 in A: one load.
    ev("load", T0 + 30_000, "v2", "A"),
    // v3 in A and in B during the same minute.
    ev("load", T0 + 5 * MIN, "v3", "A"),
    ev("click", T0 + 5 * MIN + 10_000, "v3", "B", { elementId: 1 }),
    ev("load", T0 + 20 * MIN, "v3", "B", { urlId: 2 }),
    ev("track", T0 + 21 * MIN, "v3", "B", { name: "export" }),
    ev("track", T0 + 22 * MIN, "v3", "B", { name: "export" }),
    // v4 with no account; a guide event is not an analytics event.
    ev("load", T0, "v4", ""),
    ev("guide", T0 + 3 * MIN, "v1", "A", { urlId: null, name: "guideShown" }),
  ];
}

let engine: EventsEngine & { close(): Promise<void> };
const base: MetricsQuery = { appId: "app1", from: "2024-03-05", to: "2024-03-06", timeZone: "UTC", trackEventsCountAsActivity: false };

async function load(events: StoredEvent[]): Promise<void> {
  await engine.store.append(events, { urls: URLS, elements: ELEMENTS });
  await engine.updateRollups({ fromId: 0, toId: await engine.store.maxEventId() });
}

async function accounts(q: Partial<MetricsQuery> = {}): Promise<AccountMetricsRow[]> {
  const query = { ...base, ...q };
  const r = await engine.accountMetrics(query);
  const raw = await engine.rawAccountMetrics(query);
  if (!r.ok || !raw.ok) throw new Error("report failed");
  expect(r.rows).toEqual(raw.rows); // every golden case is also a rollup-vs-raw cross-check
  // DuckDB runs account reports on several reader connections at once: the same rows as on one.
  if (engine.name === "duckdb") expect(await accountMetrics((engine.store as DuckDbEventStore).connection, query)).toEqual(r);
  return r.rows;
}

async function visitors(q: Partial<MetricsQuery> & { accountId?: string } = {}): Promise<VisitorMetricsRow[]> {
  const query = { ...base, ...q };
  const r = await engine.visitorMetrics(query);
  const raw = await engine.rawVisitorMetrics(query);
  if (!r.ok || !raw.ok) throw new Error("report failed");
  expect(r.rows).toEqual(raw.rows);
  return r.rows;
}

// Every golden case runs on each engine (ClickHouse when PENDULUM_TEST_CLICKHOUSE_URL is set): the same rows.
describe.each(testEngines)("on $name", ({ open }) => {
beforeEach(async () => {
  engine = await open();
});
afterEach(async () => {
  await engine.close();
});

describe("account metrics (golden)", () => {
  beforeEach(async () => {
    await load(fixture());
    await engine.applyPageRule("home", ["/home"]);
    await engine.applyPageRule("settings", ["/app/*/settings?tab=billing"]);
    await engine.applyFeatureRule("save", "button#save");
    await engine.applyFeatureRule("help", "nav a");
  });

  it("computes every column for two accounts", async () => {
    const rows = await accounts();
    expect(rows).toEqual([
      {
        accountId: "A",
        visitors: 3,
        visitorsEver: 3,
        visitorDays: 4, // v1 two days, v2 and v3 one each
        minutes: 7, // v1: 0,1,2,60 + next day; v2: 0; v3: 5
        daysActive: 2,
        averageDailyMinutes: 7 / 4,
        firstVisit: T0 + 30_000, // v2's load
        lastVisit: NEXT_DAY_9,
        visits: 5, // v1: 3, v2: 1, v3: 1
        pageViews: 4,
        pageViewsByPage: { home: 3, settings: 1 },
        clicks: 2,
        featureClicks: 2,
        featureClicksByFeature: { save: 1, help: 1 },
        featuresUsed: 2,
        events: 9,
        trackEvents: 1,
        trackEventsByName: { signup: 1 },
      },
      {
        accountId: "B",
        visitors: 1,
        visitorsEver: 1,
        visitorDays: 1,
        minutes: 2, // minutes 5 and 20; track minutes 21, 22 do not count
        daysActive: 1,
        averageDailyMinutes: 2,
        firstVisit: T0 + 5 * MIN + 10_000,
        lastVisit: T0 + 20 * MIN,
        visits: 1,
        pageViews: 1,
        pageViewsByPage: { settings: 1 },
        clicks: 1,
        featureClicks: 1,
        featureClicksByFeature: { save: 1 },
        featuresUsed: 1,
        events: 4,
        trackEvents: 2,
        trackEventsByName: { export: 2 },
      },
    ]);
  });

  it("counts track minutes when the app setting says so", async () => {
    const [a, b] = await accounts({ trackEventsCountAsActivity: true });
    expect(a?.minutes).toBe(8); // + v1's minute 10
    expect(a?.visits).toBe(5); // minute 10 is inside v1's first visit
    expect(b?.minutes).toBe(4); // + minutes 21 and 22
    expect(b?.averageDailyMinutes).toBe(4);
  });

  it("limits the range to local dates and keeps idle accounts with zeros", async () => {
    const rows = await accounts({ from: "2024-03-06", to: "2024-03-06" });
    expect(rows.map((r) => [r.accountId, r.visitors, r.minutes, r.visits, r.events, r.firstVisit])).toEqual([
      ["A", 1, 1, 1, 1, NEXT_DAY_9],
      ["B", 0, 0, 0, 0, null],
    ]);
    expect(rows[1]?.visitorsEver).toBe(1);
    expect(rows[1]?.averageDailyMinutes).toBe(0);
  });

  it("breaks down only the pages, features and track names asked for", async () => {
    const [a] = await accounts({ pageIds: ["settings", "nope"], featureIds: ["help"], trackNames: ["signup", "other"] });
    expect(a?.pageViewsByPage).toEqual({ settings: 1, nope: 0 });
    expect(a?.featureClicksByFeature).toEqual({ help: 1 });
    expect(a?.featuresUsed).toBe(1);
    expect(a?.trackEventsByName).toEqual({ signup: 1, other: 0 });
  });

  it("gives the same breakdowns one row per key (few items) and one row per key and item (many), repeats included", async () => {
    const many = Array.from({ length: 40 }, (_, i) => `unused-${i}`);
    for (const extra of [[], many]) {
      const [a, b] = await accounts({ pageIds: ["home", "settings", "home", ...extra], featureIds: [...extra, "save", "help"], trackNames: ["export", ...extra, "signup"] });
      expect(a?.pageViewsByPage).toMatchObject({ home: 3, settings: 1 });
      expect(a?.featureClicksByFeature).toMatchObject({ save: 1, help: 1 });
      expect(b?.featureClicksByFeature).toMatchObject({ save: 1, help: 0 });
      expect(b?.trackEventsByName).toMatchObject({ export: 2, signup: 0 });
      const [v3] = (await visitors({ pageIds: ["home", "settings", ...extra], trackNames: ["export", ...extra] })).filter((v) => v.visitorId === "v3");
      expect(v3?.pageViewsByPage).toMatchObject({ home: 1, settings: 1 });
      expect(v3?.trackEventsByName).toMatchObject({ export: 2 });
    }
  });

  it("keeps apps apart when the same accounts have events in two apps", async () => {
    const alone = await accounts({ pageIds: ["home", "settings"], featureIds: ["save", "help"], trackNames: ["signup", "export"] });
    // app2: account A (the same id) with another visitor, and an account only app2 has.
    await engine.store.append(
      [
        ev("load", T0 + 2 * MIN, "w1", "A", { appId: "app2", id: 1001 }),
        ev("click", T0 + 3 * MIN, "w1", "A", { appId: "app2", id: 1002, elementId: 1 }),
        ev("track", T0 + 4 * MIN, "w1", "A", { appId: "app2", id: 1003, name: "signup" }),
        ev("load", T0 + 5 * MIN, "w2", "Z", { appId: "app2", id: 1004, urlId: 2 }),
      ],
      {},
    );
    await engine.updateRollups({ fromId: 1000, toId: 1004 });
    // app1's report is what it was; app2's has its own two accounts (both checked against raw events).
    expect(await accounts({ pageIds: ["home", "settings"], featureIds: ["save", "help"], trackNames: ["signup", "export"] })).toEqual(alone);
    const other = await accounts({ appId: "app2", pageIds: ["home", "settings"], featureIds: ["save", "help"], trackNames: ["signup"] });
    expect(other.map((r) => [r.accountId, r.visitorsEver, r.pageViews, r.featureClicks, r.trackEvents])).toEqual([
      ["A", 1, 1, 1, 1],
      ["Z", 1, 1, 0, 0],
    ]);
    expect(other[0]?.featureClicksByFeature).toEqual({ save: 1, help: 0 });
  });

  it("merges a visitor's minutes across accounts in the visitor report", async () => {
    const rows = await visitors();
    const v3 = rows.find((r) => r.visitorId === "v3");
    expect(v3).toMatchObject({ minutes: 2, daysActive: 1, visits: 1, events: 5, pageViews: 2, featureClicks: 1 }); // A: 1 event, B: 4
    expect(rows.map((r) => r.visitorId)).toEqual(["v1", "v2", "v3", "v4"]);
    const inB = await visitors({ accountId: "B" });
    expect(inB.map((r) => [r.visitorId, r.minutes, r.events])).toEqual([["v3", 2, 4]]);
    const v1 = rows.find((r) => r.visitorId === "v1");
    expect(v1).toMatchObject({ minutes: 5, daysActive: 2, averageDailyMinutes: 2.5, visits: 3, lastVisit: NEXT_DAY_9 });
  });

  it("refuses unknown time zones and reversed ranges as values", async () => {
    const bad = await engine.accountMetrics({ ...base, timeZone: "Mars/Olympus" });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.code).toBe("INVALID_TIME_ZONE");
    const reversed = await engine.accountMetrics({ ...base, from: "2024-03-06", to: "2024-03-05" });
    expect(!reversed.ok && reversed.error.code).toBe("INVALID_DATE_RANGE");
  });
});

describe("feature clicks (golden)", () => {
  // Issue 16, finding 3: "Feature clicks" are clicks matching at least one feature; "Clicks" are all.
  const card: PathElement[] = [{ tag: "div", classes: ["card"] }, { tag: "main" }, { tag: "body" }];
  const elements = [...ELEMENTS, { id: 3, value: JSON.stringify(card) }];
  beforeEach(async () => {
    nextId = 1;
    await engine.store.append(
      [
        ev("click", T0 + 1 * MIN, "vf", "F", { elementId: 1 }), // button#save: matches "save" and "button"
        ev("click", T0 + 2 * MIN, "vf", "F", { elementId: 2 }), // nav a: matches "help"
        ev("click", T0 + 3 * MIN, "vf", "F", { elementId: 3 }), // div.card: no feature
        ev("click", T0 + 4 * MIN, "vf", "F", { elementId: 3 }), // again, no feature
        ev("click", T0 + 5 * MIN, "vg", "F", { elementId: 3 }), // another visitor, only off-feature clicks
        ev("load", T0 + 6 * MIN, "vg", "F"),
      ],
      { urls: URLS, elements },
    );
    await engine.updateRollups({ fromId: 0, toId: await engine.store.maxEventId() });
    await engine.applyFeatureRule("save", "button#save");
    await engine.applyFeatureRule("button", "button");
    await engine.applyFeatureRule("help", "nav a");
  });

  it("counts a click once however many features it matches, and no click that matches none", async () => {
    for (const featureIds of [undefined, ["save", "button", "help"], ["help"]]) {
      const [f] = await accounts(featureIds ? { featureIds } : {});
      expect(f).toMatchObject({ accountId: "F", clicks: 5, featureClicks: 2 });
    }
    const [f] = await accounts();
    // The per-feature breakdown: a click matching two features counts for each; their sum may exceed featureClicks, never the other way round.
    expect(f?.featureClicksByFeature).toEqual({ save: 1, button: 1, help: 1 });
  });

  it("gives a visitor with clicks on and off features the same split in the visitor report", async () => {
    const rows = await visitors();
    expect(rows.map((r) => [r.visitorId, r.clicks, r.featureClicks])).toEqual([
      ["vf", 4, 2],
      ["vg", 1, 0],
    ]);
    const inF = await visitors({ accountId: "F" });
    expect(inF.map((r) => [r.visitorId, r.clicks, r.featureClicks])).toEqual([
      ["vf", 4, 2],
      ["vg", 1, 0],
    ]);
  });

  it("follows feature rules retroactively: deleting the last matching feature leaves the clicks as Clicks only", async () => {
    await engine.removeFeature("help");
    expect((await accounts())[0]).toMatchObject({ clicks: 5, featureClicks: 1 });
    await engine.removeFeature("save");
    await engine.removeFeature("button");
    expect((await accounts())[0]).toMatchObject({ clicks: 5, featureClicks: 0 });
  });
});

describe("time zones", () => {
  it("splits days at local midnight in Asia/Kolkata (+05:30)", async () => {
    nextId = 1;
    await load([
      ev("load", Date.UTC(2024, 2, 5, 18, 20), "v1", "A"), // 23:50 IST on the 5th
      ev("load", Date.UTC(2024, 2, 5, 18, 40), "v1", "A"), // 00:10 IST on the 6th
    ]);
    const [utc] = await accounts({ from: "2024-03-05", to: "2024-03-05" });
    expect(utc?.daysActive).toBe(1);
    const [ist] = await accounts({ timeZone: "Asia/Kolkata", from: "2024-03-05", to: "2024-03-06" });
    expect(ist).toMatchObject({ daysActive: 2, visitorDays: 2, minutes: 2, visits: 1, averageDailyMinutes: 1 });
    const [sixth] = await accounts({ timeZone: "Asia/Kolkata", from: "2024-03-06", to: "2024-03-06" });
    expect(sixth).toMatchObject({ daysActive: 1, minutes: 1, events: 1, firstVisit: Date.UTC(2024, 2, 5, 18, 40) });
  });

  it("follows a DST change in America/New_York (a 23-hour day)", async () => {
    nextId = 1;
    await load([
      ev("load", Date.UTC(2024, 2, 10, 5, 30), "v1", "A"), // 00:30 EST, March 10
      ev("load", Date.UTC(2024, 2, 11, 3, 30), "v1", "A"), // 23:30 EDT, March 10
      ev("load", Date.UTC(2024, 2, 11, 4, 30), "v1", "A"), // 00:30 EDT, March 11
      ev("load", Date.UTC(2024, 2, 10, 4, 59), "v1", "A"), // 23:59 EST, March 9
    ]);
    const ny = { timeZone: "America/New_York" };
    expect((await accounts({ ...ny, from: "2024-03-10", to: "2024-03-10" }))[0]).toMatchObject({ events: 2, daysActive: 1, visits: 2 });
    expect((await accounts({ ...ny, from: "2024-03-09", to: "2024-03-11" }))[0]).toMatchObject({ events: 4, daysActive: 3, visits: 4 }); // 04:59 to 05:30 is 31 minutes: two visits
    expect((await accounts({ from: "2024-03-10", to: "2024-03-10" }))[0]).toMatchObject({ events: 2, daysActive: 1 }); // UTC: 04:59, 05:30
  });
});

describe("retroactive rules", () => {
  beforeEach(async () => {
    await load(fixture());
  });

  const featureClicks = async (): Promise<Record<string, number> | undefined> => (await accounts({ featureIds: ["f1"] }))[0]?.featureClicksByFeature;
  const pageViews = async (): Promise<Record<string, number> | undefined> => (await accounts({ pageIds: ["p1"] }))[0]?.pageViewsByPage;

  it("counts a feature defined after its clicks, recounts on edit, forgets on delete", async () => {
    expect(await featureClicks()).toEqual({ f1: 0 });
    expect(await engine.applyFeatureRule("f1", "form button")).toEqual({ ok: true, value: { scanned: 2, matched: 1 } });
    expect(await featureClicks()).toEqual({ f1: 1 });
    await engine.applyFeatureRule("f1", "body"); // both paths have a body ancestor
    expect(await featureClicks()).toEqual({ f1: 2 });
    await engine.applyFeatureRule("f1", "button#cancel");
    expect(await featureClicks()).toEqual({ f1: 0 });
    await engine.applyFeatureRule("f1", "a[href='/help']");
    expect(await featureClicks()).toEqual({ f1: 1 });
    await engine.removeFeature("f1");
    expect(await featureClicks()).toEqual({ f1: 0 });
  });

  it("counts a page defined after its loads, with wildcards, query parameters and several rules", async () => {
    await engine.applyPageRule("p1", ["/app/*/settings?tab=billing"]);
    expect(await pageViews()).toEqual({ p1: 1 });
    await engine.applyPageRule("p1", ["/app/*/settings?tab=profile"]);
    expect(await pageViews()).toEqual({ p1: 0 });
    await engine.applyPageRule("p1", ["/app/**", "//app.example.com/home?x"]);
    expect(await pageViews()).toEqual({ p1: 4 });
    await engine.removePage("p1");
    expect(await pageViews()).toEqual({ p1: 0 });
  });

  it("refuses a bad rule and keeps the previous mapping", async () => {
    await engine.applyPageRule("p1", ["/home"]);
    const r = await engine.applyPageRule("p1", ["/home", "/app/**/x"]);
    expect(r).toMatchObject({ ok: false, error: { code: "INVALID_RULE", ruleIndex: 1, position: 5 } });
    expect(await pageViews()).toEqual({ p1: 3 });
    const f = await engine.applyFeatureRule("f1", "button +");
    expect(f.ok).toBe(false);
  });
});
});
