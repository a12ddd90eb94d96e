import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testEngines } from "../../../test/engines.js";
import type { StoredEvent } from "../../store/event-store.js";
import { openDuckDbEventStore, type DuckDbEventStore } from "../../store/events-duckdb.js";
import { applyFeatureRule, applyPageRule } from "../tagging/index.js";
import { buildKeyed } from "./keyed-report.js";
import { accountMetrics, rawAccountMetrics } from "./report.js";
import { updateRollups } from "./rollups.js";
import { localRange } from "./time-zone.js";
import type { MetricsQuery } from "./types.js";

const T0 = Date.UTC(2024, 2, 5, 10);
const MIN = 60_000;
let store: DuckDbEventStore;

/** Random-ish but fixed traffic: 12 accounts (ids sorting differently from their arrival), 3 pages, 2 features, 2 names. */
function traffic(): StoredEvent[] {
  const out: StoredEvent[] = [];
  let id = 1;
  for (let i = 0; i < 600; i++) {
    const account = i % 13 === 0 ? "" : `acct-${(i * 7) % 12}`;
    const type = (["load", "click", "focus", "track"] as const)[(i * 5) % 4] as StoredEvent["type"];
    out.push({
      id: id++,
      appId: "app1",
      type,
      ts: T0 + ((i * 37) % 2000) * MIN,
      visitorId: `v${(i * 11) % 30}`,
      accountId: account,
      urlId: type === "track" ? null : 1 + (i % 3),
      elementId: type === "click" ? 1 + (i % 2) : null,
      name: type === "track" ? `event_${i % 2}` : null,
      props: null,
      tabId: "t",
      title: null,
      receivedAt: T0,
    });
  }
  return out;
}

beforeEach(async () => {
  store = await openDuckDbEventStore();
  await store.append(traffic(), {
    urls: [1, 2, 3].map((n) => ({ id: n, value: `https://app.example.com/p${n}/view` })),
    elements: [1, 2].map((n) => ({ id: n, value: JSON.stringify([{ tag: "button", id: `b${n}` }]) })),
  });
  await updateRollups(store.connection, { fromId: 0, toId: await store.maxEventId() });
  for (const n of [1, 2, 3]) await applyPageRule(store.connection, `page-${n}`, [`/p${n}/*`]);
  for (const n of [1, 2]) await applyFeatureRule(store.connection, `feature-${n}`, `button#b${n}`);
});
afterEach(async () => {
  await store.close();
});

const query: MetricsQuery = { appId: "app1", from: "2024-03-05", to: "2024-03-06", timeZone: "Europe/Berlin", trackEventsCountAsActivity: false };

it("builds account rows by integer keys that equal the report over raw events, asked items in asked order", async () => {
  const range = localRange(query.timeZone, query.from, query.to);
  if (!range.ok) throw new Error("range");
  const q = { ...query, pageIds: ["page-3", "nope", "page-1", "page-3"], featureIds: ["feature-2"], trackNames: ["event_1", "never"] };
  const built = await buildKeyed(store.readers, { level: "account", range: range.value, track: false, keyed: true }, q);
  const raw = await rawAccountMetrics(store.connection, q);
  if (!raw.ok) throw new Error("raw");
  expect(built.map((b) => b.key)).toEqual(raw.rows.map((r) => r.accountId)); // every account, sorted by id
  expect(built.map((b) => b.key)).toHaveLength(12);
  built.forEach((b, i) => {
    const { accountId: _id, visitors, visitorsEver, visitorDays, ...fields } = raw.rows[i] ?? raw.rows[0]!;
    expect({ visitors: b.core.visitors, visitorsEver: b.visitorsEver, visitorDays: b.core.visitorDays, fields: b.fields }).toEqual({ visitors, visitorsEver, visitorDays, fields });
    // Asked items come in the asked order, repeats once, unknown ones as 0.
    expect(Object.keys(b.fields.pageViewsByPage)).toEqual(["page-3", "nope", "page-1"]);
    expect(b.fields.pageViewsByPage.nope).toBe(0);
    expect(Object.keys(b.fields.trackEventsByName)).toEqual(["event_1", "never"]);
  });
});

it("gives the same rows on one connection, on three, and to reports running at once on the same three", async () => {
  const one = await accountMetrics(store.connection, query);
  expect(one.ok && one.rows.length).toBe(12);
  expect(await accountMetrics(store.readers, query)).toEqual(one);
  const together = await Promise.all([query, query, { ...query, pageIds: ["page-1"] }, query].map((q) => accountMetrics(store.readers, q)));
  expect(together[0]).toEqual(one);
  expect(together[1]).toEqual(one);
  expect(together[3]).toEqual(one);
  expect(together[2]).toEqual(await rawAccountMetrics(store.connection, { ...query, pageIds: ["page-1"] }));
});

// The same traffic on every other engine (ClickHouse under npm run test:server-mode): the account
// rows equal DuckDB's keyed report row for row, and its own report over raw events.
describe.each(testEngines.filter((e) => e.name !== "duckdb"))("on $name", ({ open }) => {
  it("gives the rows of DuckDB's keyed report, alone and with reports running at once", async () => {
    const engine = await open();
    try {
      await engine.store.append(traffic(), {
        urls: [1, 2, 3].map((n) => ({ id: n, value: `https://app.example.com/p${n}/view` })),
        elements: [1, 2].map((n) => ({ id: n, value: JSON.stringify([{ tag: "button", id: `b${n}` }]) })),
      });
      await engine.updateRollups({ fromId: 0, toId: await engine.store.maxEventId() });
      for (const n of [1, 2, 3]) await engine.applyPageRule(`page-${n}`, [`/p${n}/*`]);
      for (const n of [1, 2]) await engine.applyFeatureRule(`feature-${n}`, `button#b${n}`);
      const asked = { ...query, pageIds: ["page-3", "nope", "page-1", "page-3"], featureIds: ["feature-2"], trackNames: ["event_1", "never"] };
      for (const q of [query, asked, { ...query, timeZone: "Asia/Kolkata", trackEventsCountAsActivity: true }]) {
        const duck = await accountMetrics(store.readers, q);
        expect(duck.ok && duck.rows.length).toBe(12);
        expect(await engine.accountMetrics(q)).toEqual(duck);
        expect(await engine.rawAccountMetrics(q)).toEqual(duck);
      }
      const together = await Promise.all([query, asked, query].map((q) => engine.accountMetrics(q)));
      expect(together[0]).toEqual(together[2]);
      expect(together[1]).toEqual(await accountMetrics(store.readers, asked));
    } finally {
      await engine.close();
    }
  });
});
