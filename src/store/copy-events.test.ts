import { describe, expect, it } from "vitest";
import { clickHouseTestUrl, openTestClickHouseStore } from "../../test/clickhouse.js";
import { clickHouseEventCounts, clickHouseTablesWithRows, copyEvents, duckDbEventCounts } from "./copy-events.js";
import type { StoredEvent } from "./event-store.js";
import { openDuckDbEventStore } from "./events-duckdb.js";

const T0 = 1_700_000_000_000;

/** 53 events over two apps, with every nullable column both set and null, and text that needs escaping. */
function sampleEvents(): StoredEvent[] {
  return Array.from({ length: 53 }, (_, i) => ({
    id: i + 1,
    appId: i % 3 === 0 ? "app-b" : "app-a",
    type: i % 4 === 0 ? "click" : i % 4 === 1 ? "track" : "load",
    ts: T0 + i * 61_000,
    visitorId: `v${i % 7}`,
    accountId: i % 5 === 0 ? "" : `acct-${i % 4}`,
    urlId: i % 4 === 2 ? (i % 3) + 1 : null,
    elementId: i % 4 === 0 ? 1 : null,
    name: i % 4 === 1 ? `it's "${i}"\n` : null,
    props: i % 4 === 1 ? JSON.stringify({ n: i, s: "a\\b" }) : null,
    tabId: i % 2 === 0 ? `tab${i}` : null,
    title: i % 6 === 0 ? "Title ü" : null,
    receivedAt: T0 + i * 61_000 + 5,
  }));
}

describe.runIf(clickHouseTestUrl !== "")("copyEvents: DuckDB → ClickHouse", () => {
  it("copies every event and dictionary entry with its id, in batches, and the target then lists its tables as holding rows", async () => {
    const from = await openDuckDbEventStore();
    const to = await openTestClickHouseStore();
    try {
      const events = sampleEvents();
      const urls = [1, 2, 3].map((id) => ({ id, value: `https://x.test/p/${id}?q='${id}'` }));
      const elements = [{ id: 1, value: JSON.stringify([{ tag: "button", text: "Go" }]) }];
      await from.append(events.slice(0, 20), { urls, elements });
      await from.append(events.slice(20), {});
      expect(await clickHouseTablesWithRows(to)).toEqual([]);

      const progress: string[] = [];
      const copied = await copyEvents(from, to, { batchRows: 10, onRows: (table, n) => progress.push(`${table}:${n}`) });

      expect(copied).toEqual({ urls: 3, elements: 1, events: 53 });
      expect(progress).toEqual(["urls:3", "elements:1", "events:10", "events:20", "events:30", "events:40", "events:50", "events:53"]);
      expect(await clickHouseEventCounts(to)).toEqual(await duckDbEventCounts(from));
      for (const appId of ["app-a", "app-b"]) expect(await to.events({ appId })).toEqual(await from.events({ appId }));
      expect(await to.dictionary("urls")).toEqual(urls);
      expect(await to.dictionary("elements")).toEqual(elements);
      expect(await clickHouseTablesWithRows(to)).toEqual(["elements", "events", "urls"]);
    } finally {
      await to.close();
      await from.close();
    }
  });

  it("refuses a batch size that is not a whole number of at least 1", async () => {
    const from = await openDuckDbEventStore();
    const to = await openTestClickHouseStore();
    try {
      await expect(copyEvents(from, to, { batchRows: 0 })).rejects.toThrow(/batchRows must be a whole number/);
    } finally {
      await to.close();
      await from.close();
    }
  });
});
