import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, it } from "vitest";
import { eventStoreContract } from "./event-store.case.js";
import { openDuckDbEventStore } from "./events-duckdb.js";
import type { StoredEvent } from "./event-store.js";

eventStoreContract("duckdb (memory)", () => openDuckDbEventStore());

it("keeps events and dictionaries across a reopen of the file", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-duck-"));
  const file = path.join(dir, "events.duckdb");
  const a = await openDuckDbEventStore({ file });
  await a.append(
    [{ id: 1, appId: "x", type: "load", ts: 1, visitorId: "v", accountId: "a", urlId: 1, elementId: null, name: null, props: null, tabId: null, title: null, receivedAt: 2 }],
    { urls: [{ id: 1, value: "https://x/" }] },
  );
  await a.close();
  const b = await openDuckDbEventStore({ file });
  expect(await b.maxEventId()).toBe(1);
  expect(await b.dictionary("urls")).toHaveLength(1);
  await b.close();
});

// Events are appended a data chunk (2,048 rows) at a time: more than two chunks, nulls in
// every nullable column, and each value read back where it was written.
it("stores an append spanning several data chunks value for value", async () => {
  const store = await openDuckDbEventStore();
  const events: StoredEvent[] = Array.from({ length: 5000 }, (_, i) => ({
    id: i + 1,
    appId: i % 2 === 0 ? "app-a" : "app-b",
    type: (["load", "click", "focus", "track"] as const)[i % 4] as StoredEvent["type"],
    ts: 1_700_000_000_000 + i,
    visitorId: `v${i % 97}`,
    accountId: i % 5 === 0 ? "" : `a${i % 13}`,
    urlId: i % 7 === 0 ? null : i % 11,
    elementId: i % 4 === 1 ? i % 19 : null,
    name: i % 4 === 3 ? `Event ${i % 3}` : null,
    props: i % 8 === 3 ? JSON.stringify({ n: i, s: "é" }) : null,
    tabId: i % 3 === 0 ? null : `t${i % 2}`,
    title: i % 6 === 0 ? null : `Page ${i}`,
    receivedAt: 1_700_000_100_000 + (i >> 4),
  }));
  await store.append(events, { urls: [{ id: 1, value: "https://x/" }] });
  expect(await store.count()).toBe(5000);
  const back = [...(await store.events({ appId: "app-a", limit: 5000 })), ...(await store.events({ appId: "app-b", limit: 5000 }))].sort((x, y) => x.id - y.id);
  expect(back).toEqual(events);
  await store.close();
});

it("stores nothing of an append that fails part-way, and the next append stands alone", async () => {
  const store = await openDuckDbEventStore();
  const event = (id: number): StoredEvent => ({ id, appId: "x", type: "load", ts: id, visitorId: "v", accountId: "", urlId: null, elementId: null, name: null, props: null, tabId: null, title: null, receivedAt: 0 });
  // An id that is not an integer cannot become a BIGINT: the third chunk throws.
  const bad = [...Array.from({ length: 4500 }, (_, i) => event(i + 1)), { ...event(4501), id: 0.5 }];
  await expect(store.append(bad, { urls: [{ id: 1, value: "https://x/" }] })).rejects.toThrow();
  expect(await store.count()).toBe(0);
  expect(await store.dictionary("urls")).toEqual([]);
  await store.append([event(1), event(2)], {});
  expect((await store.events({ appId: "x" })).map((e) => e.id)).toEqual([1, 2]);
  await store.close();
});
