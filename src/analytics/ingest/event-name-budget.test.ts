import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPendulum, TEST_APP_KEY, TEST_TRACK_SECRET, type TestPendulum } from "../../../test/harness.js";
import { createEventNameBudget, NEW_NAMES_PER_APP_MINUTE, NEW_NAMES_PER_VISITOR_MINUTE, OVERFLOW_EVENT_NAME } from "./event-name-budget.js";
import { MAX_EVENT_NAMES_PER_APP } from "./schema.js";

// Issue 15, finding 5: with the public app key anyone could spend an app's distinct event names,
// after which every batch carrying a new name was refused whole (page loads included).

describe("new event names per minute", () => {
  it("admits a visitor's first names, then folds, and starts again the next minute", () => {
    let now = 0;
    const budget = createEventNameBudget(() => now);
    const admitted = Array.from({ length: NEW_NAMES_PER_VISITOR_MINUTE + 5 }, () => budget.admit("app", "v1")).filter(Boolean).length;
    expect(admitted).toBe(NEW_NAMES_PER_VISITOR_MINUTE);
    expect(budget.admit("app", "v2")).toBe(true);
    now += 60_000;
    expect(budget.admit("app", "v1")).toBe(true);
  });
  it("holds an app to its own rate whatever the number of visitors", () => {
    const budget = createEventNameBudget(() => 0);
    const admitted = Array.from({ length: NEW_NAMES_PER_APP_MINUTE * 2 }, (_, i) => budget.admit("app", `v${i}`)).filter(Boolean).length;
    expect(admitted).toBe(NEW_NAMES_PER_APP_MINUTE);
    expect(budget.admit("other-app", "v0")).toBe(true);
  });
});

describe("live batches over the name budget", () => {
  let p: TestPendulum;
  let appId: string;
  beforeAll(async () => {
    p = await startTestPendulum();
    appId = p.modules.analytics.apps.list()[0]?.id as string;
  });
  afterAll(async () => {
    await p?.close();
  });
  const ingest = (visitor: string, names: string[]) =>
    fetch(`${p.url}/data/ingest?key=${TEST_APP_KEY}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ visitor: { id: visitor }, events: [{ type: "load", ts: Date.now() - 1000, url: "https://app.example.com/" }, ...names.map((name) => ({ type: "track", ts: Date.now() - 500, url: "https://app.example.com/", name }))] }),
    });

  it("keeps a flood of new names from one visitor to the per-visitor rate, and stores every event", async () => {
    const names = Array.from({ length: 50 }, (_, i) => `flood ${i}`);
    const res = await ingest("v-flood", names);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: 51, notice: { code: "EVENT_NAMES_FOLDED", folded: 50 - NEW_NAMES_PER_VISITOR_MINUTE } });
    await p.modules.analytics.settle();
    const stored = await p.events.events({ appId, visitorId: "v-flood" });
    expect(stored).toHaveLength(51);
    expect(stored.filter((e) => e.name === OVERFLOW_EVENT_NAME)).toHaveLength(50 - NEW_NAMES_PER_VISITOR_MINUTE);
  });

  it("never refuses a batch because the app's names are spent: page loads and known names go on", async () => {
    const base = Date.now() - 30 * 86_400_000;
    // The app has the flooding visitor's admitted names already; the import spends the rest.
    const events = Array.from({ length: MAX_EVENT_NAMES_PER_APP - NEW_NAMES_PER_VISITOR_MINUTE }, (_, i) => ({ type: "track", timestamp: base + i, visitorId: "v-import", event: `spent ${i}` }));
    const imported = await p.api("/api/v1/import", { method: "POST", body: JSON.stringify({ events }) });
    expect(imported.status).toBe(200);
    const res = await ingest("v-after", ["spent 1", "brand new name"]);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: 3, notice: { folded: 1 } });
    const tracked = await fetch(`${p.url}/data/track`, { method: "POST", headers: { "content-type": "application/json", "x-pendulum-track-secret": TEST_TRACK_SECRET }, body: JSON.stringify({ type: "track", event: "another new one", visitorId: "srv", timestamp: Date.now() }) });
    expect(tracked.status).toBe(200);
    expect(await tracked.json()).toMatchObject({ accepted: 1, notice: { folded: 1 } });
    await p.modules.analytics.settle();
    expect((await p.events.events({ appId, visitorId: "v-after" })).map((e) => e.name)).toEqual([null, "spent 1", OVERFLOW_EVENT_NAME]);
  });
});
