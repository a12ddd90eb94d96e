import { describe, expect, it } from "vitest";
import { clickHouseTestUrl, openTestClickHouseStore } from "../../test/clickhouse.js";
import { eventStoreContract } from "./event-store.case.js";

// The ClickHouse engine runs when a server is named (npm run test:server-mode sets it).
describe.runIf(clickHouseTestUrl !== "")("ClickHouse event store", () => {
  eventStoreContract("clickhouse", openTestClickHouseStore);

  it("stores a replayed append once (a flush repeated after a crash)", async () => {
    const store = await openTestClickHouseStore();
    try {
      const e = { id: 7, appId: "x", type: "load" as const, ts: 1_700_000_000_000, visitorId: "v", accountId: "a", urlId: 1, elementId: null, name: null, props: null, tabId: null, title: null, receivedAt: 2 };
      await store.append([e], { urls: [{ id: 1, value: "https://x/" }] });
      await store.append([e], { urls: [{ id: 1, value: "https://x/" }] });
      expect(await store.count()).toBe(1);
      expect(await store.events({ appId: "x" })).toEqual([e]);
      expect(await store.dictionary("urls")).toEqual([{ id: 1, value: "https://x/" }]);
    } finally {
      await store.close();
    }
  });
});
