import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { StoredEvent } from "../../store/event-store.js";
import { openDuckDbEventStore, type DuckDbEventStore } from "../../store/events-duckdb.js";
import { applyFeatureRule, applyPageRule } from "../rules/index.js";
import { accountMetrics, rawAccountMetrics, rawVisitorMetrics, updateRollups, visitorMetrics } from "./index.js";
import type { MetricsQuery } from "./types.js";

/** mulberry32: a tiny seeded generator, so a failing case can be replayed by its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY = 86_400_000;
const START = Date.UTC(2024, 2, 8); // spans New York's DST change on March 10
const TYPES: StoredEvent["type"][] = ["load", "click", "focus", "focus", "track", "guide"];
const URLS = ["https://a.test/home", "https://a.test/app/1/settings?tab=billing", "https://b.test/app/2/settings", "https://a.test/reports/q1?mobile"].map(
  (value, i) => ({ id: i + 1, value }),
);
const ELEMENTS = [
  [{ tag: "button", id: "save" }, { tag: "form" }],
  [{ tag: "span" }, { tag: "a", classes: ["nav"] }, { tag: "nav" }],
  [{ tag: "div", classes: ["card"] }],
].map((p, i) => ({ id: i + 1, value: JSON.stringify(p) }));

function randomEvents(seed: number, count: number): StoredEvent[] {
  const r = rng(seed);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const events: StoredEvent[] = [];
  // Visitors mostly act in bursts (sessions), sometimes after long gaps, sometimes in two accounts.
  let ts = START;
  for (let id = 1; id <= count; id++) {
    ts += r() < 0.1 ? Math.floor(r() * DAY * 0.6) : Math.floor(r() * 5 * 60_000);
    const type = pick(TYPES);
    const visitor = `v${Math.floor(r() * 12)}`;
    events.push({
      id,
      appId: r() < 0.95 ? "app1" : "app2",
      type,
      ts: r() < 0.03 ? ts - Math.floor(r() * DAY) : ts, // a few late (out-of-order) events
      visitorId: visitor,
      accountId: pick(["acme", "acme", "globex", "", `solo-${visitor}`]),
      urlId: type === "track" ? null : pick(URLS).id,
      elementId: type === "click" ? pick(ELEMENTS).id : null,
      name: type === "track" ? pick(["signup", "export"]) : null,
      props: null,
      tabId: pick(["t1", "t2"]),
      title: null,
      receivedAt: ts,
    });
  }
  return events;
}

let store: DuckDbEventStore;
beforeEach(async () => {
  store = await openDuckDbEventStore();
});
afterEach(async () => {
  await store.close();
});

describe("rollups agree with raw events", () => {
  it.each([1, 2, 3])("seed %i, appended and rolled up in uneven chunks", async (seed) => {
    const events = randomEvents(seed, 1500);
    const r = rng(seed * 7);
    let at = 0;
    let first = true;
    while (at < events.length) {
      const size = 1 + Math.floor(r() * 300);
      const chunk = events.slice(at, at + size);
      await store.append(chunk, first ? { urls: URLS, elements: ELEMENTS } : {});
      first = false;
      const range = { fromId: at, toId: at + chunk.length };
      await updateRollups(store.connection, range);
      if (r() < 0.3) await updateRollups(store.connection, range); // replay: must change nothing
      at += chunk.length;
    }
    await applyPageRule(store.connection, "settings", ["/app/*/settings"]);
    await applyPageRule(store.connection, "billing", ["//a.test/app/*/settings?tab=billing", "/reports/**"]);
    await applyFeatureRule(store.connection, "save", "form > button#save");
    await applyFeatureRule(store.connection, "nav", "nav a.nav");

    for (const timeZone of ["UTC", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Lord_Howe"]) {
      for (const trackEventsCountAsActivity of [false, true]) {
        const q: MetricsQuery = { appId: "app1", from: "2024-03-08", to: "2024-03-20", timeZone, trackEventsCountAsActivity };
        const fromRollups = await accountMetrics(store.connection, q);
        const fromRaw = await rawAccountMetrics(store.connection, q);
        expect(fromRollups.ok && fromRollups.rows.length).toBeGreaterThan(2);
        expect(fromRollups).toEqual(fromRaw);
        const narrow = { ...q, from: "2024-03-10", to: "2024-03-11", accountId: "acme", pageIds: ["billing"] };
        expect(await visitorMetrics(store.connection, narrow)).toEqual(await rawVisitorMetrics(store.connection, narrow));
      }
    }
    const all = await visitorMetrics(store.connection, { appId: "app1", from: "2024-03-01", to: "2024-04-30", timeZone: "Europe/Berlin", trackEventsCountAsActivity: false });
    expect(all).toEqual(await rawVisitorMetrics(store.connection, { appId: "app1", from: "2024-03-01", to: "2024-04-30", timeZone: "Europe/Berlin", trackEventsCountAsActivity: false }));
  });

  it("recomputes an old slot when a late event lands in it", async () => {
    const t = Date.UTC(2024, 2, 8, 12, 0);
    const base = { appId: "app1", visitorId: "v", accountId: "a", urlId: null, elementId: null, name: null, props: null, tabId: null, title: null };
    await store.append([{ ...base, id: 1, type: "load", ts: t, receivedAt: t }], {});
    await updateRollups(store.connection, { fromId: 0, toId: 1 });
    await store.append([{ ...base, id: 2, type: "click", ts: t + 61_000, receivedAt: t + DAY }], {});
    await updateRollups(store.connection, { fromId: 1, toId: 2 });
    await updateRollups(store.connection, { fromId: 0, toId: 2 });
    const q: MetricsQuery = { appId: "app1", from: "2024-03-08", to: "2024-03-08", timeZone: "UTC", trackEventsCountAsActivity: false };
    const res = await accountMetrics(store.connection, q);
    expect(res.ok && res.rows.map((r) => [r.minutes, r.events, r.visits])).toEqual([[2, 2, 1]]);
    const count = await store.connection.runAndReadAll("SELECT count(*)::INTEGER FROM rollup_activity");
    expect(count.getRowsJS()[0]?.[0]).toBe(1);
  });
});
