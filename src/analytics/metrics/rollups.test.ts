import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { StoredEvent } from "../../store/event-store.js";
import { openDuckDbEventStore, type DuckDbEventStore } from "../../store/events-duckdb.js";
import { applyFeatureRule, applyPageRule } from "../tagging/index.js";
import { accountMetrics, ensureRollupTables, rawAccountMetrics, rawVisitorMetrics, updateRollups, visitorMetrics } from "./index.js";
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

/**
 * Every rollup row with its links, in a stable order: what incremental updates must reproduce.
 * Account keys depend on the order accounts arrived in, so they are left out here and checked by
 * `keysConsistent`; columns are named so a column added by an upgrade compares equal.
 */
async function snapshot(s: DuckDbEventStore): Promise<unknown[][]> {
  await keysConsistent(s);
  const activity = await s.connection.runAndReadAll(
    `SELECT app_id, account_id, visitor_id, slot, events, loads, clicks, tracks, agent_mask, track_mask, first_visit, last_visit,
            prev_slot, agent_prev_min, any_prev_min, agent_start, any_start
     FROM rollup_activity ORDER BY app_id, account_id, visitor_id, slot`,
  );
  const tails = await s.connection.runAndReadAll(
    "SELECT app_id, account_id, visitor_id, last_slot, last_agent_min, last_any_min FROM rollup_account_visitors ORDER BY app_id, account_id, visitor_id",
  );
  return [...activity.getRowsJS(), ["--"], ...tails.getRowsJS()];
}

/** Each rollup row's account_key is its account's key (0 for ''), and keys are one-to-one. */
async function keysConsistent(s: DuckDbEventStore): Promise<void> {
  for (const t of ["rollup_activity", "rollup_urls", "rollup_elements", "rollup_tracks"]) {
    const bad = await s.connection.runAndReadAll(
      `SELECT count(*)::INTEGER FROM ${t} r LEFT JOIN rollup_account_keys k ON k.account_id = r.account_id
       WHERE r.account_key IS DISTINCT FROM (CASE WHEN r.account_id = '' THEN 0 ELSE k.account_key END)`,
    );
    expect([t, bad.getRowsJS()[0]?.[0]]).toEqual([t, 0]);
  }
  const dict = await s.connection.runAndReadAll(
    "SELECT count(*)::INTEGER, count(DISTINCT account_id)::INTEGER, count(DISTINCT account_key)::INTEGER, count(*) FILTER (WHERE account_key <= 0 OR account_id = '')::INTEGER FROM rollup_account_keys",
  );
  const [n, ids, keys, reserved] = dict.getRowsJS()[0] ?? [];
  expect([ids, keys, reserved]).toEqual([n, n, 0]);
}

/** The same events rolled up in one call on a fresh store: links computed from scratch. */
async function fromScratch(events: StoredEvent[]): Promise<unknown[][]> {
  const other = await openDuckDbEventStore();
  try {
    await other.append(events, {});
    await updateRollups(other.connection, { fromId: 0, toId: await other.maxEventId() });
    return await snapshot(other);
  } finally {
    await other.close();
  }
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
    // Links kept up chunk by chunk (late events included) equal links computed in one pass.
    expect(await snapshot(store)).toEqual(await fromScratch(events));
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

describe("visit and day links", () => {
  const base = { appId: "app1", visitorId: "v", accountId: "a", urlId: null, elementId: null, name: null, props: null, tabId: null, title: null };
  const t0 = Date.UTC(2024, 2, 8, 12, 0);
  const MIN = 60_000;
  let nextId = 1;
  const add = async (type: StoredEvent["type"], ts: number, over: Partial<StoredEvent> = {}): Promise<void> => {
    const id = nextId++;
    await store.append([{ ...base, id, type, ts, receivedAt: t0 + DAY, ...over }], {});
    await updateRollups(store.connection, { fromId: id - 1, toId: id });
  };
  const day: MetricsQuery = { appId: "app1", from: "2024-03-08", to: "2024-03-08", timeZone: "UTC", trackEventsCountAsActivity: false };
  const report = async (q: MetricsQuery = day): Promise<number[][]> => {
    const r = await accountMetrics(store.connection, q);
    const raw = await rawAccountMetrics(store.connection, q);
    expect(r).toEqual(raw);
    return r.ok ? r.rows.map((x) => [x.visitors, x.visits, x.visitorDays, x.daysActive, x.minutes]) : [];
  };
  beforeEach(() => {
    nextId = 1;
  });

  it("a late event in an earlier slot joins two visits and fixes the later slot's flag", async () => {
    await add("load", t0);
    await add("click", t0 + 45 * MIN); // 45 minutes later, two slots on: a second visit
    expect(await report()).toEqual([[1, 2, 1, 1, 2]]);
    await add("focus", t0 + 20 * MIN); // late: now no gap exceeds 30 minutes
    expect(await report()).toEqual([[1, 1, 1, 1, 3]]);
    const flags = await store.connection.runAndReadAll("SELECT slot, prev_slot, agent_start FROM rollup_activity ORDER BY slot");
    const s0 = t0 / 900_000;
    expect(flags.getRowsJS()).toEqual([
      [s0, null, true],
      [s0 + 1, s0, false],
      [s0 + 3, s0 + 1, false],
    ]);
    expect(await snapshot(store)).toEqual(await fromScratch(await allEvents()));
  });

  it("a late event before a visitor's first row moves links, days and tails", async () => {
    await add("load", t0);
    await add("track", t0 + 2 * MIN, { name: "export" });
    await add("load", t0 - DAY + 10 * MIN); // the day before, arriving last
    expect(await report({ ...day, from: "2024-03-07", to: "2024-03-08" })).toEqual([[1, 2, 2, 2, 2]]);
    expect(await report()).toEqual([[1, 1, 1, 1, 1]]); // the earlier row is outside this range
    await add("focus", t0 + 16 * MIN); // the next slot, after the track-only minute: same visit
    expect(await report({ ...day, trackEventsCountAsActivity: true })).toEqual([[1, 1, 1, 1, 3]]);
    expect(await snapshot(store)).toEqual(await fromScratch(await allEvents()));
  });

  it("a visit that began before the range counts once, at its first minute in the range", async () => {
    await add("load", t0 - 12 * 60 * MIN - 10 * MIN); // 23:50 the day before
    await add("focus", t0 - 12 * 60 * MIN + 10 * MIN); // 00:10: same visit, next day
    const [row] = await report({ ...day, from: "2024-03-08", to: "2024-03-08" });
    expect(row).toEqual([1, 1, 1, 1, 1]);
  });

  it("replaying any range changes nothing", async () => {
    const events = randomEvents(11, 400);
    await store.append(events, { urls: URLS, elements: ELEMENTS });
    await updateRollups(store.connection, { fromId: 0, toId: 200 });
    await updateRollups(store.connection, { fromId: 200, toId: 400 });
    const before = await snapshot(store);
    await updateRollups(store.connection, { fromId: 150, toId: 250 });
    await updateRollups(store.connection, { fromId: 0, toId: 400 });
    await updateRollups(store.connection, { fromId: 399, toId: 400 });
    expect(await snapshot(store)).toEqual(before);
    expect(before).toEqual(await fromScratch(events));
  });

  it("adds and backfills the link columns on rollups written before they existed", async () => {
    const events = randomEvents(12, 300);
    await store.append(events, { urls: URLS, elements: ELEMENTS });
    await updateRollups(store.connection, { fromId: 0, toId: 300 });
    const expected = await snapshot(store);
    for (const [t, c] of [
      ["rollup_activity", "prev_slot"],
      ["rollup_activity", "agent_prev_min"],
      ["rollup_activity", "any_prev_min"],
      ["rollup_activity", "agent_start"],
      ["rollup_activity", "any_start"],
      ["rollup_account_visitors", "last_slot"],
      ["rollup_account_visitors", "last_agent_min"],
      ["rollup_account_visitors", "last_any_min"],
      ["rollup_activity", "account_key"],
      ["rollup_urls", "account_key"],
      ["rollup_elements", "account_key"],
      ["rollup_tracks", "account_key"],
    ]) {
      await store.connection.run(`ALTER TABLE ${t} DROP COLUMN ${c}`);
    }
    await store.connection.run("DROP TABLE rollup_account_keys");
    // The reader has never checked the schema (the check is cached per connection).
    await ensureRollupTables(store.reader);
    expect(await snapshot(store)).toEqual(expected);
    // Reports over the upgraded rollups (integer account keys) still equal the raw ones.
    const q: MetricsQuery = { appId: "app1", from: "2024-03-08", to: "2024-03-20", timeZone: "Asia/Kolkata", trackEventsCountAsActivity: false, pageIds: ["p"], featureIds: ["f"] };
    await applyPageRule(store.connection, "p", ["/app/*/settings"]);
    await applyFeatureRule(store.connection, "f", "form > button#save");
    const upgraded = await accountMetrics(store.reader, q);
    expect(upgraded.ok && upgraded.rows.length).toBeGreaterThan(2);
    expect(upgraded).toEqual(await rawAccountMetrics(store.reader, q));
    // Later updates keep assigning keys after the backfilled ones.
    const more = randomEvents(13, 200).map((e, i) => ({ ...e, id: 301 + i, accountId: e.accountId === "" ? "" : `${e.accountId}-new` }));
    await store.append(more, {});
    await updateRollups(store.connection, { fromId: 300, toId: 500 });
    await keysConsistent(store);
    expect(await accountMetrics(store.connection, q)).toEqual(await rawAccountMetrics(store.connection, q));
  });

  const allEvents = async (): Promise<StoredEvent[]> => {
    const r = await store.connection.runAndReadAll("SELECT id, type, ts, name FROM events ORDER BY id");
    return r.getRowsJS().map(([id, type, ts, name]) => ({
      ...base,
      id: Number(id),
      type: String(type) as StoredEvent["type"],
      ts: Number(ts),
      name: name === null ? null : String(name),
      receivedAt: Number(ts),
    }));
  };
});
