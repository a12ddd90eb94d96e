import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { clickHouseTestUrl } from "../../../test/clickhouse.js";
import { openRuledClickHouseEngine } from "../../../test/engines.js";
import type { ClickHouseEventStore, StoredEvent } from "../../store/index.js";
import { clickHouseEventsEngine, type EventsEngine } from "../events-engine.js";
import { localRange, type MetricsQuery } from "../metrics/index.js";
import { splitRange } from "./days.js";

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 2, 9, 20); // three days around the US switch to summer time (2024-03-10)
const URLS = [1, 2, 3].map((id) => ({ id, value: `https://app.example.com/p${id}/view` }));
const ELEMENTS = [1, 2, 3].map((id) => ({ id, value: JSON.stringify([{ tag: "button", id: `b${id}` }, { tag: "body" }]) }));
const RULES = { pages: [{ pageId: "p1", rules: ["/p1/*"] }, { pageId: "p23", rules: ["/p2/*", "/p3/*"] }], features: [{ featureId: "f1", selector: "button#b1" }, { featureId: "f12", selector: "button#b1, button#b2" }] };

/** Events every 7 minutes or so for three days, in bursts, over four visitors in two accounts (one visitor in both). */
function traffic(): StoredEvent[] {
  const out: StoredEvent[] = [];
  for (let id = 1; id <= 700; id++) {
    const type = (["load", "click", "focus", "track", "click"] as const)[id % 5] ?? "load";
    // Bursts: minutes inside a burst are close, bursts an hour or more apart, so visits and day edges both matter.
    const minute = Math.floor(id / 10) * 61 + (id % 10) * 3;
    out.push({
      id,
      appId: "app1",
      type,
      ts: T0 + minute * 60_000,
      visitorId: `v${id % 4}`,
      accountId: id % 4 === 3 ? (id % 8 === 3 ? "acct-a" : "acct-b") : `acct-${id % 2 === 0 ? "a" : "b"}`,
      urlId: type === "track" ? null : 1 + (id % 3),
      elementId: type === "click" ? 1 + (id % 3) : null,
      name: type === "track" ? `t${id % 2}` : null,
      props: null,
      tabId: "t",
      title: null,
      receivedAt: T0,
    });
  }
  return out;
}

const base: MetricsQuery = { appId: "app1", from: "2024-03-10", to: "2024-03-11", timeZone: "UTC", trackEventsCountAsActivity: false, pageIds: ["p1", "p23"], featureIds: ["f1", "f12"], trackNames: ["t1"] };
// UTC (whole days only), a zone with DST inside the range, half- and quarter-hour offsets (edges that cut hours), one day, and every item.
const queries: MetricsQuery[] = [
  base,
  { ...base, timeZone: "America/New_York", trackEventsCountAsActivity: true },
  { ...base, timeZone: "Asia/Kolkata" },
  { ...base, timeZone: "Pacific/Chatham", from: "2024-03-09" },
  { ...base, timeZone: "Asia/Kathmandu", from: "2024-03-11", to: "2024-03-11" },
  { appId: "app1", from: "2024-03-09", to: "2024-03-12", timeZone: "Europe/Berlin", trackEventsCountAsActivity: false },
];

async function expectDaysMatchRaw(engine: EventsEngine): Promise<void> {
  for (const q of queries) {
    const rolled = await engine.accountMetrics(q);
    if (!rolled.ok) throw new Error(rolled.error.message);
    expect(rolled.rows.some((r) => r.visitors > 0)).toBe(true);
    expect(rolled, `${q.timeZone} ${q.from}..${q.to}`).toEqual(await engine.rawAccountMetrics(q));
  }
}

describe("splitRange", () => {
  const split = (timeZone: string, from: string, to: string): ReturnType<typeof splitRange> => {
    const r = localRange(timeZone, from, to);
    if (!r.ok) throw new Error(r.error.message);
    return splitRange(r.value);
  };
  it("keeps whole UTC days and leaves the partial days at the edges to the slots", () => {
    const day = Date.UTC(2024, 2, 10) / DAY;
    expect(split("UTC", "2024-03-10", "2024-03-11")).toMatchObject({ fromDay: day, toDay: day + 2 });
    // New York: 05:00 UTC on the 10th to 04:00 UTC on the 12th (summer time began on the 10th).
    expect(split("America/New_York", "2024-03-10", "2024-03-11")).toMatchObject({ fromDay: day + 1, toDay: day + 2 });
    expect(split("America/New_York", "2024-03-10", "2024-03-11")?.edges).toContain(`slot >= ${(day * DAY + 5 * 3_600_000) / 900_000} AND`);
    // One local day that is not a UTC day holds no whole UTC day: slots only.
    expect(split("Asia/Kolkata", "2024-03-10", "2024-03-10")).toBeNull();
  });
});

describe.skipIf(clickHouseTestUrl === "")("ClickHouse day rollups", () => {
  let store: ClickHouseEventStore;
  let engine: EventsEngine;
  beforeEach(async () => {
    ({ store, engine } = await openRuledClickHouseEngine(RULES));
  });
  afterEach(async () => {
    await store.close();
  });

  it("give the raw events' account report in every time zone, through flushes, rule edits and removals", async () => {
    const events = traffic();
    await store.append(events, { urls: URLS, elements: ELEMENTS });
    // Rolled up before the entries are mapped (a crash between the two steps, or a caller that maps later).
    for (let from = 0; from < 700; from += 175) await engine.updateRollups({ fromId: from, toId: from + 175 });
    await engine.mapNewDictionaryEntries(URLS, ELEMENTS, RULES);
    await expectDaysMatchRaw(engine);
    const [row] = await store.rows<{ n: unknown }>("SELECT count() AS n FROM rollup_visitor_days FINAL");
    expect(Number(row?.n)).toBeGreaterThan(4);
    // A replayed flush and a second update of the same ids change nothing, and write no mapped day row again.
    const stored = async (): Promise<number> => Number((await store.rows<{ n: unknown }>("SELECT (SELECT count() FROM rollup_page_days) + (SELECT count() FROM rollup_feature_days) AS n"))[0]?.n);
    const rowsAfterFlushes = await stored();
    await store.append(events.slice(300, 400), {});
    await engine.updateRollups({ fromId: 300, toId: 400 });
    await expectDaysMatchRaw(engine);
    expect(await stored()).toBe(rowsAfterFlushes);
    // A rule saved again unchanged rewrites no day row.
    const rowsBefore = await stored();
    await engine.applyPageRule("p1", ["/p1/*"]);
    expect(await stored()).toBe(rowsBefore);
    // Rule edits apply retroactively; a removed page or feature keeps no count.
    await engine.applyPageRule("p1", ["/p1/*", "/p2/*"]);
    await engine.applyFeatureRule("f12", "button#b3");
    await expectDaysMatchRaw(engine);
    await engine.removeFeature("f1");
    await engine.removePage("p23");
    await expectDaysMatchRaw(engine);
    const q = { ...base, timeZone: "America/New_York" };
    const after = await engine.accountMetrics(q);
    if (!after.ok) throw new Error(after.error.message);
    expect(after.rows.every((r) => (r.featureClicksByFeature["f1"] ?? 0) === 0 && (r.pageViewsByPage["p23"] ?? 0) === 0)).toBe(true);
    expect(after.rows.some((r) => (r.pageViewsByPage["p1"] ?? 0) > 0 && (r.featureClicksByFeature["f12"] ?? 0) > 0)).toBe(true);
  });

  it("are filled from the slot rollups when a store's rollups predate them", async () => {
    await store.append(traffic(), { urls: URLS, elements: ELEMENTS });
    await engine.mapNewDictionaryEntries(URLS, ELEMENTS, RULES);
    await engine.updateRollups({ fromId: 0, toId: 700 });
    const before = await engine.accountMetrics(queries[1] as MetricsQuery);
    for (const t of ["rollup_visitor_days", "rollup_page_days", "rollup_feature_days", "rollup_track_days"]) await store.command(`DROP TABLE ${t}`);
    const reopened = clickHouseEventsEngine(store);
    await reopened.ensureDerived();
    expect(await reopened.accountMetrics(queries[1] as MetricsQuery)).toEqual(before);
    await expectDaysMatchRaw(reopened);
  });
});
