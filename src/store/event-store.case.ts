import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { EventStore, StoredEvent } from "./event-store.js";

/** The contract every EventStore engine passes (run from each engine's test file). */
export function eventStoreContract(name: string, open: () => Promise<EventStore>): void {
  describe(`EventStore contract: ${name}`, () => {
    let store: EventStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    const event = (id: number, over: Partial<StoredEvent> = {}): StoredEvent => ({
      id,
      appId: "app1",
      type: "click",
      ts: 1_700_000_000_000 + id,
      visitorId: "v1",
      accountId: "a1",
      urlId: 1,
      elementId: 1,
      name: null,
      props: null,
      tabId: "t1",
      title: "Home",
      receivedAt: 1_700_000_000_500,
      ...over,
    });

    it("starts empty with checkpoint 0", async () => {
      expect(await store.maxEventId()).toBe(0);
      expect(await store.count()).toBe(0);
    });

    it("appends events with their dictionary entries and reads them back in order", async () => {
      await store.append([event(1), event(2, { type: "track", name: "signup", props: '{"plan":"pro"}', elementId: null })], {
        urls: [{ id: 1, value: "https://app.example.com/home" }],
        elements: [{ id: 1, value: '[{"tag":"button"}]' }],
      });
      expect(await store.maxEventId()).toBe(2);
      const got = await store.events({ appId: "app1" });
      expect(got).toEqual([event(1), event(2, { type: "track", name: "signup", props: '{"plan":"pro"}', elementId: null })]);
      expect(await store.dictionary("urls")).toEqual([{ id: 1, value: "https://app.example.com/home" }]);
      expect(await store.dictionary("elements")).toEqual([{ id: 1, value: '[{"tag":"button"}]' }]);
    });

    it("filters by app, visitor and position", async () => {
      await store.append([event(1), event(2, { appId: "app2" }), event(3, { visitorId: "v2" }), event(4)], {});
      expect((await store.events({ appId: "app1", afterId: 1 })).map((e) => e.id)).toEqual([3, 4]);
      expect((await store.events({ appId: "app1", visitorId: "v2" })).map((e) => e.id)).toEqual([3]);
      expect(await store.count("app2")).toBe(1);
    });

    it("keeps large ids and timestamps exact", async () => {
      const big = event(9_007_199_254_740, { ts: 4_102_444_800_000 });
      await store.append([big], {});
      expect(await store.events({ appId: "app1" })).toEqual([big]);
    });
  });
}
