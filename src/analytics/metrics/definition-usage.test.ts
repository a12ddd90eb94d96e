import { afterEach, beforeEach, expect, it } from "vitest";
import type { StoredEvent } from "../../store/event-store.js";
import { openDuckDbEventStore, type DuckDbEventStore } from "../../store/events-duckdb.js";
import { applyFeatureRule, applyPageRule } from "../tagging/index.js";
import { definitionUsage } from "./definition-usage.js";
import { updateRollups } from "./rollups.js";

const DAY = 86_400_000;
const NOW = Date.UTC(2024, 4, 20, 12);
let store: DuckDbEventStore;
let nextId = 1;
const ev = (type: StoredEvent["type"], ts: number, visitorId: string, accountId: string, over: Partial<StoredEvent> = {}): StoredEvent => ({
  id: nextId++,
  appId: "app1",
  type,
  ts,
  visitorId,
  accountId,
  urlId: 1,
  elementId: null,
  name: null,
  props: null,
  tabId: "t",
  title: null,
  receivedAt: ts,
  ...over,
});

beforeEach(async () => {
  store = await openDuckDbEventStore();
  nextId = 1;
  await store.append(
    [
      ev("load", NOW - DAY, "ann", "acme"),
      ev("load", NOW - DAY + 60_000, "ann", "acme"),
      ev("load", NOW - 2 * DAY, "bob", "globex", { urlId: 2 }),
      ev("load", NOW - 3 * DAY, "cy", ""), // no account: a visitor, not an account
      ev("load", NOW - 40 * DAY, "dee", "initech"), // outside a 30-day window
      ev("click", NOW - DAY, "ann", "acme", { elementId: 1 }),
      ev("click", NOW - DAY, "bob", "globex", { elementId: 1 }),
      ev("load", NOW - DAY, "eve", "other-app", { appId: "app2" }), // another app
    ],
    {
      urls: [
        { id: 1, value: "https://app.example.com/reports/1" },
        { id: 2, value: "https://app.example.com/reports/2" },
      ],
      elements: [{ id: 1, value: JSON.stringify([{ tag: "button", id: "export" }]) }],
    },
  );
  await updateRollups(store.connection, { fromId: 0, toId: await store.maxEventId() });
  await applyPageRule(store.connection, "reports", ["/reports/*"]);
  await applyPageRule(store.connection, "idle", ["/nowhere"]);
  await applyFeatureRule(store.connection, "export", "button#export");
});
afterEach(async () => {
  await store.close();
});

it("counts each page's views and each feature's clicks since a time, with their visitors and accounts, for one app", async () => {
  const pages = await definitionUsage(store.reader, "app1", "pages", NOW - 30 * DAY);
  expect(Object.fromEntries(pages)).toEqual({ reports: { events: 4, visitors: 3, accounts: 2 } }); // dee is too old; "idle" has no use
  const features = await definitionUsage(store.reader, "app1", "features", NOW - 30 * DAY);
  expect(Object.fromEntries(features)).toEqual({ export: { events: 2, visitors: 2, accounts: 2 } });
  // A shorter window, and a longer one that reaches dee.
  expect(Object.fromEntries(await definitionUsage(store.reader, "app1", "pages", NOW - 1.5 * DAY))).toEqual({ reports: { events: 2, visitors: 1, accounts: 1 } });
  expect((await definitionUsage(store.reader, "app1", "pages", NOW - 60 * DAY)).get("reports")).toEqual({ events: 5, visitors: 4, accounts: 3 });
  expect((await definitionUsage(store.reader, "app2", "pages", NOW - 30 * DAY)).get("reports")).toEqual({ events: 1, visitors: 1, accounts: 1 });
});
