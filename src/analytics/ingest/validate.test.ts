import { describe, expect, it } from "vitest";
import type { AgentBatch } from "./schema.js";
import { ACCEPT_SLICE_EVENTS, acceptAgentBatch, acceptAgentBatchSliced, type IngestContext } from "./validate.js";

const NOW = Date.UTC(2026, 0, 10);
const ctx = (): IngestContext => ({ appId: "app", now: NOW, maxAgeDays: 30, knownEventNames: new Set(["Known"]) });

function batch(n: number): AgentBatch {
  // Metadata beside the id, as the schema's additionalProperties allow (its static type does not say so).
  return {
    batchId: "b-1",
    visitor: { id: "v1", plan: "pro" } as AgentBatch["visitor"],
    account: { id: "a1", tier: 2 } as AgentBatch["visitor"],
    events: Array.from({ length: n }, (_, i) =>
      i % 3 === 0
        ? { type: "click" as const, ts: NOW - 1000 + i, url: `https://x.test/${i}`, element: [{ tag: "BUTTON", id: `b${i}`, attrs: { z: "1", a: "2" } }, { tag: "div" }] }
        : i % 3 === 1
          ? { type: "track" as const, ts: NOW - 1000 + i, url: "https://x.test/", name: i % 2 ? "Known" : `New ${i % 5}`, props: { n: i, events: [] } }
          : { type: "load" as const, ts: NOW - 1000 + i, url: 'https://x.test/"events":[]', title: "T" },
    ),
  };
}

describe("acceptAgentBatchSliced", () => {
  it("gives what acceptAgentBatch gives, and the batch's JSON, yielding between slices of events", async () => {
    for (const n of [1, ACCEPT_SLICE_EVENTS, ACCEPT_SLICE_EVENTS + 1, 500]) {
      let turns = 0;
      const sliced = await acceptAgentBatchSliced(batch(n), ctx(), { live: true }, async () => {
        turns++;
      });
      const whole = acceptAgentBatch(batch(n), ctx(), { live: true });
      expect(sliced.batch).toEqual(whole.batch);
      expect(sliced.newNames).toEqual(whole.newNames);
      expect(JSON.parse(sliced.json)).toEqual(JSON.parse(JSON.stringify(whole.batch)));
      // One turn of the event loop between consecutive slices: 500 events, 9 turns.
      expect(turns).toBe(Math.ceil(n / ACCEPT_SLICE_EVENTS) - 1);
    }
  });

  it("refuses a bad event in a later slice with the same error and field", async () => {
    const b = batch(200);
    (b.events[170] as { ts: number }).ts = NOW + 3 * 86_400_000;
    await expect(acceptAgentBatchSliced(b, ctx(), { live: true })).rejects.toMatchObject({ status: 400, code: "EVENT_IN_FUTURE", field: "events[170].ts" });
    expect(() => acceptAgentBatch(b, ctx(), { live: true })).toThrow(expect.objectContaining({ code: "EVENT_IN_FUTURE", field: "events[170].ts" }));
  });
});
