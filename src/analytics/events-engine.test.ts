import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { engineTraffic, MINUTE, testEngines, TRAFFIC_ELEMENTS, TRAFFIC_T0, TRAFFIC_URLS } from "../../test/engines.js";
import type { StoredEvent } from "../store/index.js";
import type { EventsEngine } from "./events-engine.js";
import type { MetricsQuery } from "./metrics/index.js";

const T0 = TRAFFIC_T0;
const MIN = MINUTE;
const traffic = (n: number): StoredEvent[] => engineTraffic(n, { visitors: 9, accounts: 5 });
const URLS = TRAFFIC_URLS;
const ELEMENTS = TRAFFIC_ELEMENTS;
const query: MetricsQuery = { appId: "app1", from: "2024-03-05", to: "2024-03-06", timeZone: "Europe/Berlin", trackEventsCountAsActivity: false };

describe.each(testEngines)("events engine on $name", ({ open }) => {
  let engine: EventsEngine & { close(): Promise<void> };
  beforeEach(async () => {
    engine = await open();
  });
  afterEach(async () => {
    await engine.close();
  });

  it("gives the same rollups flushed in chunks with late events, and replayed, as the raw events say", async () => {
    const events = traffic(400);
    // Dictionary entries arrive with the first flush; pages and features exist before any event.
    await engine.applyPageRule("p1", ["/p1/*"]);
    await engine.applyFeatureRule("f2", "button#b2");
    let done = 0;
    for (const size of [1, 50, 99, 150, 100]) {
      const chunk = events.slice(done, done + size);
      await engine.store.append(chunk, done === 0 ? { urls: URLS, elements: ELEMENTS } : {});
      // ClickHouse: a flush repeated after a crash stores its events twice until a merge; reports count them once.
      if (engine.name === "clickhouse" && size === 99) await engine.store.append(chunk, {});
      await engine.mapNewDictionaryEntries(done === 0 ? URLS : [], done === 0 ? ELEMENTS : [], { pages: [{ pageId: "p1", rules: ["/p1/*"] }], features: [{ featureId: "f2", selector: "button#b2" }] });
      await engine.updateRollups({ fromId: done, toId: done + size });
      done += size;
    }
    // A replayed flush (the process died before its checkpoint) changes nothing.
    await engine.updateRollups({ fromId: 149, toId: 300 });
    await engine.mapNewDictionaryEntries(URLS, ELEMENTS, { pages: [{ pageId: "p1", rules: ["/p1/*"] }], features: [{ featureId: "f2", selector: "button#b2" }] });
    for (const q of [query, { ...query, trackEventsCountAsActivity: true, timeZone: "America/New_York" }, { ...query, pageIds: ["p1"], featureIds: ["f2"], trackNames: ["t1"] }]) {
      const rolled = await engine.accountMetrics(q);
      expect(rolled.ok && rolled.rows.length).toBe(5);
      expect(rolled).toEqual(await engine.rawAccountMetrics(q));
      expect(await engine.visitorMetrics(q)).toEqual(await engine.rawVisitorMetrics(q));
      expect(await engine.visitorMetrics({ ...q, accountId: "acct-2" })).toEqual(await engine.rawVisitorMetrics({ ...q, accountId: "acct-2" }));
    }
    const r = await engine.accountMetrics({ ...query, pageIds: ["p1"], featureIds: ["f2"] });
    if (!r.ok) throw new Error("report");
    expect(r.rows.reduce((n, row) => n + (row.pageViewsByPage.p1 ?? 0), 0)).toBeGreaterThan(0);
    expect(r.rows.reduce((n, row) => n + (row.featureClicksByFeature.f2 ?? 0), 0)).toBeGreaterThan(0);
  });

  it("recovers at start-up what a crash between a flush and its derived update left undone, then follows flushes", async () => {
    const rules = { pages: [{ pageId: "p3", rules: ["/p3/*"] }], features: [{ featureId: "f1", selector: "button#b1" }] };
    await engine.recoverDerived(() => rules); // a new, empty store: creates the tables
    const events = traffic(300);
    // Flushed, then the process died before rollups and mappings were updated.
    await engine.store.append(events.slice(0, 200), { urls: URLS, elements: ELEMENTS });
    await engine.recoverDerived(() => rules);
    await engine.recoverDerived(() => rules); // nothing left to do: the same rows
    await engine.store.append(events.slice(200), {});
    await engine.afterFlush({ fromId: 201, toId: 300, newUrls: [], newElements: [] }, rules);
    const q = { ...query, pageIds: ["p3"], featureIds: ["f1"] };
    const rolled = await engine.accountMetrics(q);
    if (!rolled.ok) throw new Error("report");
    expect(rolled).toEqual(await engine.rawAccountMetrics(q));
    expect(rolled.rows.reduce((n, r) => n + (r.pageViewsByPage.p3 ?? 0), 0)).toBeGreaterThan(0);
    expect(rolled.rows.reduce((n, r) => n + r.events, 0)).toBe(events.filter((e) => e.appId === "app1" && e.accountId !== "" && e.ts < Date.UTC(2024, 2, 6, 23)).length);
  });

  it("counts behaviours for segments from the rollups, per account and per visitor", async () => {
    const events = traffic(300);
    await engine.store.append(events, { urls: URLS, elements: ELEMENTS });
    await engine.updateRollups({ fromId: 0, toId: 300 });
    await engine.applyPageRule("p2", ["/p2/*"]);
    await engine.applyFeatureRule("f1", "button#b1");
    const inApp = events.filter((e) => e.appId === "app1");
    const expected = (kind: "account" | "visitor", keep: (e: StoredEvent) => boolean): Map<string, number> => {
      const out = new Map<string, number>();
      for (const e of inApp) {
        const id = kind === "account" ? e.accountId : e.visitorId;
        if (keep(e) && !(kind === "account" && id === "")) out.set(id, (out.get(id) ?? 0) + 1);
      }
      return out;
    };
    const sorted = (m: Map<string, number>): [string, number][] => [...m].sort(([a], [b]) => (a < b ? -1 : 1));
    for (const kind of ["account", "visitor"] as const) {
      const page = await engine.behaviorCounts({ appId: "app1", kind, event: "page", id: "p2", fromSlot: null });
      expect(sorted(page)).toEqual(sorted(expected(kind, (e) => e.type === "load" && e.urlId === 2)));
      const feature = await engine.behaviorCounts({ appId: "app1", kind, event: "feature", id: "f1", fromSlot: null });
      expect(sorted(feature)).toEqual(sorted(expected(kind, (e) => e.type === "click" && e.elementId === 1)));
      const fromSlot = Math.floor((T0 + 600 * MIN) / 900_000);
      const track = await engine.behaviorCounts({ appId: "app1", kind, event: "track", id: "t1", fromSlot });
      expect(sorted(track)).toEqual(sorted(expected(kind, (e) => e.type === "track" && e.name === "t1" && Math.floor(e.ts / 900_000) >= fromSlot)));
    }
  });
});

// Every other engine answers what DuckDB answers over the same events: usage series, rule usage, dictionary scans.
describe.each(testEngines.filter((e) => e.name !== "duckdb"))("$name answers as DuckDB", ({ open }) => {
  it("gives the same account usage, definition usage and dictionary values", async () => {
    const duck = await testEngines[0]!.open();
    const other = await open();
    try {
      const events = traffic(500);
      for (const engine of [duck, other]) {
        await engine.store.append(events, { urls: URLS, elements: ELEMENTS });
        await engine.updateRollups({ fromId: 0, toId: 500 });
        await engine.applyPageRule("p1", ["/p1/*"]);
        await engine.applyPageRule("all", ["/**"]);
        await engine.applyFeatureRule("f2", "button#b2");
      }
      for (const q of [
        { appId: "app1", accountId: "acct-1", from: "2024-03-04", to: "2024-03-07", timeZone: "Europe/Berlin", trackEventsCountAsActivity: false },
        { appId: "app1", accountId: "acct-3", from: "2024-03-05", to: "2024-03-06", timeZone: "America/New_York", trackEventsCountAsActivity: true },
      ]) {
        const usage = await duck.accountUsage(q);
        expect(usage.days.some((d) => d.minutes > 0)).toBe(true);
        expect(await other.accountUsage(q)).toEqual(usage);
      }
      for (const kind of ["pages", "features"] as const) {
        const used = await duck.definitionUsage("app1", kind, T0 + 300 * MIN);
        expect(used.size).toBeGreaterThan(0);
        expect(await other.definitionUsage("app1", kind, T0 + 300 * MIN)).toEqual(used);
      }
      for (const name of ["urls", "elements"] as const) {
        const values = async (engine: EventsEngine): Promise<string[]> => {
          const out: string[] = [];
          await engine.scanDictionary(name, (v) => out.push(v));
          return out.sort();
        };
        expect(await values(other)).toEqual(await values(duck));
      }
    } finally {
      await duck.close();
      await other.close();
    }
  });
});
