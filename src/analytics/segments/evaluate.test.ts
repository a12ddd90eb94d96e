import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDuckDbEventStore, type DuckDbEventStore, type StoredEvent } from "../../store/index.js";
import { duckDbEventsEngine } from "../events-engine.js";
import type { Entity, Metadata } from "../metadata.js";
import { ensureRollupTables, updateRollups } from "../metrics/index.js";
import { applyFeatureRule, applyPageRule, ensureMappingTables } from "../tagging/index.js";
import type { MetadataRule, SegmentGroup } from "./definition.js";
import { evaluateSegment, metadataMatches, type SegmentData } from "./evaluate.js";

const NOW = Date.UTC(2026, 10, 28, 12);
const DAY = 86_400_000;
const rule = (operator: MetadataRule["operator"], value?: MetadataRule["value"], value2?: MetadataRule["value"]): MetadataRule => ({
  kind: "metadata",
  target: "account",
  group: "crm",
  key: "k",
  operator,
  ...(value !== undefined ? { value } : {}),
  ...(value2 !== undefined ? { value2 } : {}),
});
const m = (k: Metadata["k"] | undefined): Metadata => (k === undefined ? {} : { k });

describe("metadata operators", () => {
  it("read own keys only: a rule on an inherited name sees no value (issue 15, finding 13)", () => {
    for (const key of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
      expect(metadataMatches({ ...rule("exists"), key }, {}, NOW)).toBe(false);
      expect(metadataMatches({ ...rule("notExists"), key }, {}, NOW)).toBe(true);
      expect(metadataMatches({ ...rule("contains", "function"), key }, {}, NOW)).toBe(false);
    }
  });

  it.each([
    ["equals", rule("equals", "Red"), "red", true],
    ["equals (number as text)", rule("equals", 40), "40", true],
    ["equals, other value", rule("equals", "Red"), "Green", false],
    ["notEquals", rule("notEquals", "Red"), "Green", true],
    ["notEquals on a missing key", rule("notEquals", "Red"), undefined, true],
    ["contains", rule("contains", "onboard"), "Onboarding", true],
    ["notContains", rule("notContains", "onboard"), "Live", true],
    ["greater", rule("greater", 50), 70, true],
    ["greater, equal", rule("greater", 50), 50, false],
    ["less", rule("less", 50), 20, true],
    ["less on a missing key", rule("less", 50), undefined, false],
    ["between inclusive", rule("between", 10, 20), 20, true],
    ["between outside", rule("between", 10, 20), 21, false],
    ["between dates", rule("between", "2026-01-01", "2026-12-31"), "2026-06-30", true],
    ["exists", rule("exists"), "x", true],
    ["exists on empty text", rule("exists"), "", false],
    ["notExists", rule("notExists"), undefined, true],
    ["inLastDays", rule("inLastDays", 30), new Date(NOW - 10 * DAY).toISOString().slice(0, 10), true],
    ["inLastDays, too old", rule("inLastDays", 30), new Date(NOW - 40 * DAY).toISOString().slice(0, 10), false],
    ["withinNextDays (renewal in 59 days)", rule("withinNextDays", 60), new Date(NOW + 59 * DAY).toISOString().slice(0, 10), true],
    ["withinNextDays, 61 days out", rule("withinNextDays", 60), new Date(NOW + 61 * DAY).toISOString().slice(0, 10), false],
    ["withinNextDays on epoch ms", rule("withinNextDays", 60), NOW + 5 * DAY, true],
  ])("%s", (_name, r, value, expected) => {
    expect(metadataMatches(r, m(value as Metadata["k"] | undefined), NOW)).toBe(expected);
  });
});

/** A small seeded random generator, so the property test is repeatable. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe("behaviour rules agree with a brute-force scan of raw events", () => {
  let store: DuckDbEventStore;
  const events: StoredEvent[] = [];
  const urls = ["https://app.example.com/home", "https://app.example.com/reports/1", "https://app.example.com/reports/2?view=table", "https://app.example.com/settings"];
  const elements = ['[{"tag":"button","id":"export"}]', '[{"tag":"span"},{"tag":"button","id":"share","classes":["btn"]}]', '[{"tag":"a","attrs":{"href":"/help"}}]'];
  const accounts = Array.from({ length: 25 }, (_, i) => `acct-${i}`);
  const visitors = Array.from({ length: 60 }, (_, i) => `vis-${i}`);
  const links = new Map<string, string>();

  beforeAll(async () => {
    store = await openDuckDbEventStore();
    const rand = rng(42);
    visitors.forEach((v) => links.set(v, accounts[Math.floor(rand() * accounts.length)] as string));
    for (let id = 1; id <= 3000; id++) {
      const visitorId = visitors[Math.floor(rand() * visitors.length)] as string;
      const kind = rand();
      const type = kind < 0.45 ? "load" : kind < 0.8 ? "click" : "track";
      events.push({
        id,
        appId: "app",
        type,
        ts: NOW - Math.floor(rand() * 60 * DAY),
        visitorId,
        accountId: links.get(visitorId) as string,
        urlId: Math.floor(rand() * urls.length) + 1,
        elementId: type === "click" ? Math.floor(rand() * elements.length) + 1 : null,
        name: type === "track" ? (rand() < 0.5 ? "Report Exported" : "Invite Sent") : null,
        props: null,
        tabId: "t",
        title: null,
        receivedAt: NOW,
      });
    }
    await store.append(events, { urls: urls.map((value, i) => ({ id: i + 1, value })), elements: elements.map((value, i) => ({ id: i + 1, value })) });
    await ensureRollupTables(store.connection);
    await ensureMappingTables(store.connection);
    await updateRollups(store.connection, { fromId: 0, toId: 3000 });
    await applyPageRule(store.connection, "reports", ["/reports/*"]);
    await applyFeatureRule(store.connection, "export", "#export");
  });
  afterAll(async () => {
    await store.close();
  });

  const entity = (id: string): Entity => ({ id, firstSeen: 0, lastSeen: 0, metadata: { agent: {}, custom: {}, crm: {} } });
  const data = (): SegmentData => ({
    appId: "app",
    now: NOW,
    accounts: accounts.map(entity),
    visitors: visitors.map(entity),
    links: [...links].map(([visitorId, accountId]) => ({ visitorId, accountId })),
    events: duckDbEventsEngine(store),
  });
  const matchesPage = (e: StoredEvent) => e.type === "load" && /\/reports\/[^/?#]+(\?|$)/.test(urls[(e.urlId as number) - 1] as string);
  const matchesFeature = (e: StoredEvent) => e.type === "click" && (e.elementId === 1);
  const brute = (pred: (e: StoredEvent) => boolean, since: number | null, test: (n: number) => boolean): string[] =>
    accounts.filter((a) => test(events.filter((e) => e.accountId === a && (since === null || e.ts >= since) && pred(e)).length)).sort();

  const cases: [string, SegmentGroup["rules"][number], (e: StoredEvent) => boolean, number | null, (n: number) => boolean][] = [];
  const rand = rng(7);
  for (let i = 0; i < 30; i++) {
    const event = (["page", "feature", "track"] as const)[i % 3] as "page" | "feature" | "track";
    const conditions = ["ever", "withinLastDays", "atLeast", "atMost", "never", "since"] as const;
    const condition: (typeof conditions)[number] = conditions[Math.floor(rand() * conditions.length)] ?? "ever";
    const days = 1 + Math.floor(rand() * 50);
    const count = Math.floor(rand() * 6);
    const id = event === "page" ? "reports" : event === "feature" ? "export" : "Report Exported";
    const pred = event === "page" ? matchesPage : event === "feature" ? matchesFeature : (e: StoredEvent) => e.type === "track" && e.name === "Report Exported";
    // Windows start on a 15-minute rollup slot, so the brute force uses the same boundary.
    const slotStart = (t: number) => Math.floor(t / 900_000) * 900_000;
    const date = new Date(NOW - days * DAY).toISOString().slice(0, 10);
    const since = condition === "since" ? Date.parse(`${date}T00:00:00Z`) : condition === "ever" ? null : slotStart(NOW - days * DAY);
    const test = condition === "atLeast" ? (n: number) => n >= count : condition === "atMost" ? (n: number) => n <= count : condition === "never" ? (n: number) => n === 0 : (n: number) => n >= 1;
    cases.push([`${event} ${condition} days=${days} count=${count}`, { kind: "behavior", event, id, condition, days, count, date }, pred, since, test]);
  }

  it.each(cases)("%s", async (_name, r, pred, since, test) => {
    const got = await evaluateSegment({ op: "and", rules: [r] }, "account", data());
    expect([...got].sort()).toEqual(brute(pred, since, test));
  });

  it("nests AND and OR groups as boolean logic", async () => {
    const ever = (event: "page" | "feature", id: string) => ({ kind: "behavior" as const, event, id, condition: "ever" as const });
    const page = new Set(brute(matchesPage, null, (n) => n >= 1));
    const feature = new Set(brute(matchesFeature, null, (n) => n >= 1));
    const neverTrack = new Set(brute((e) => e.type === "track" && e.name === "Report Exported", null, (n) => n === 0));
    const got = await evaluateSegment({ op: "or", rules: [{ op: "and", rules: [ever("page", "reports"), ever("feature", "export")] }, { kind: "behavior", event: "track", id: "Report Exported", condition: "never" }] }, "account", data());
    const expected = accounts.filter((a) => (page.has(a) && feature.has(a)) || neverTrack.has(a)).sort();
    expect([...got].sort()).toEqual(expected);
  });
});
