import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { clickHouseTestUrl } from "../../../test/clickhouse.js";
import { openRuledClickHouseEngine } from "../../../test/engines.js";
import type { ClickHouseEventStore, StoredEvent } from "../../store/index.js";
import type { EventsEngine } from "../events-engine.js";
import type { MetricsQuery } from "../metrics/index.js";
import { rebuildClickHouseRollups } from "./rollups.js";

const T0 = Date.UTC(2024, 2, 5, 8);
const MIN = 60_000;
const URLS = [1, 2, 3].map((id) => ({ id, value: `https://app.example.com/p${id}/view` }));
const ELEMENTS = [1, 2, 3].map((id) => ({ id, value: JSON.stringify([{ tag: "button", id: `b${id}` }, { tag: "body" }]) }));
const RULES = { pages: [{ pageId: "p1", rules: ["/p1/*"] }], features: [{ featureId: "f1", selector: "button#b1" }, { featureId: "f12", selector: "button#b1, button#b2" }] };

function event(id: number, minute: number, over: Partial<StoredEvent> = {}): StoredEvent {
  const type = over.type ?? (["load", "click", "focus", "track", "click"] as const)[id % 5] ?? "load";
  return {
    id,
    appId: "app1",
    type,
    ts: T0 + minute * MIN + (id % 50) * 1000,
    visitorId: `v${id % 7}`,
    accountId: `acct-${id % 3}`,
    urlId: type === "track" ? null : 1 + (id % 3),
    elementId: type === "click" ? 1 + (id % 3) : null,
    name: type === "track" ? `t${id % 2}` : null,
    props: null,
    tabId: "t",
    title: null,
    receivedAt: T0,
    ...over,
  };
}

/** Traffic over two days whose ids jump back and forth in time, a visitor in two accounts, and an event without account. */
function traffic(n: number): StoredEvent[] {
  const out: StoredEvent[] = [];
  for (let i = 1; i <= n; i++) out.push(event(i, (i * 37) % 2600, i % 13 === 0 ? { accountId: "" } : {}));
  return out;
}

const query: MetricsQuery = { appId: "app1", from: "2024-03-05", to: "2024-03-06", timeZone: "Asia/Kolkata", trackEventsCountAsActivity: false };
const queries: MetricsQuery[] = [
  query,
  { ...query, timeZone: "America/New_York", trackEventsCountAsActivity: true },
  { ...query, pageIds: ["p1"], featureIds: ["f1", "f12"], trackNames: ["t1"] },
  { ...query, featureIds: ["f12"] },
  { ...query, featureIds: [] },
];

async function expectRollupsMatchRaw(engine: EventsEngine): Promise<void> {
  for (const q of queries) {
    const rolled = await engine.accountMetrics(q);
    expect(rolled.ok && rolled.rows.length).toBe(3);
    expect(rolled).toEqual(await engine.rawAccountMetrics(q));
    expect(await engine.visitorMetrics(q)).toEqual(await engine.rawVisitorMetrics(q));
    expect(await engine.visitorMetrics({ ...q, accountId: "acct-1" })).toEqual(await engine.rawVisitorMetrics({ ...q, accountId: "acct-1" }));
  }
}

describe.skipIf(clickHouseTestUrl === "")("ClickHouse rollups", () => {
  let store: ClickHouseEventStore;
  let engine: EventsEngine;
  beforeEach(async () => {
    ({ store, engine } = await openRuledClickHouseEngine(RULES));
  });
  afterEach(async () => {
    await store.close();
  });

  it("rebuilt in one set-based pass give the rows the raw events give, and the rows the flush-by-flush path gives", async () => {
    const events = traffic(600);
    await store.append(events, { urls: URLS, elements: ELEMENTS });
    await store.append(events.slice(100, 200), {}); // a replayed flush: stored twice until a merge
    await engine.mapNewDictionaryEntries(URLS, ELEMENTS, RULES);
    expect((await rebuildClickHouseRollups(store)).slots).toBeGreaterThan(100);
    await expectRollupsMatchRaw(engine);
    const rebuilt = await engine.accountMetrics(queries[2] as MetricsQuery);
    // The flusher's path over the same events on top (versions above the rebuild's) changes nothing.
    for (let from = 0; from < 600; from += 150) await engine.updateRollups({ fromId: from, toId: from + 150 });
    expect(await engine.accountMetrics(queries[2] as MetricsQuery)).toEqual(rebuilt);
    // A rule edited afterwards applies retroactively to the rebuilt rows.
    await engine.applyFeatureRule("f12", "button#b2, button#b3");
    await expectRollupsMatchRaw(engine);
    // Rebuilding again (rows at the same version) changes nothing either.
    await rebuildClickHouseRollups(store);
    await expectRollupsMatchRaw(engine);
  });

  it("counts visits from each active slot's first and last minute: a gap of 30 minutes stays in the visit, 31 starts another", async () => {
    // One visitor: minutes 0 and 14 (one slot), 44 (30 after 14, two slots on: the same visit), 75
    // (three slots on), 200 and 231 (31 after 200, two slots on: a new visit); a track at 140 is
    // activity only when track events count as activity.
    const minutes = [0, 14, 44, 75, 200, 231];
    const events = minutes.map((m, i) => event(i + 1, m, { type: "load", visitorId: "v", accountId: "a", ts: T0 + m * MIN }));
    events.push(event(9, 140, { type: "track", visitorId: "v", accountId: "a", ts: T0 + 140 * MIN }));
    await store.append(events, { urls: URLS, elements: ELEMENTS });
    await engine.updateRollups({ fromId: 0, toId: 9 });
    for (const [track, visits, active] of [[false, 4, 6], [true, 5, 7]] as const) {
      const q = { ...query, timeZone: "UTC", trackEventsCountAsActivity: track };
      const rolled = await engine.accountMetrics(q);
      if (!rolled.ok) throw new Error(rolled.error.message);
      expect(rolled.rows.map((r) => [r.accountId, r.visits, r.minutes])).toEqual([["a", visits, active]]);
      expect(rolled).toEqual(await engine.rawAccountMetrics(q));
      expect(await engine.visitorMetrics(q)).toEqual(await engine.rawVisitorMetrics(q));
    }
  });
});
