import { describe, expect, it } from "vitest";
import type { AgentBatch } from "./schema.js";
import { ACCEPT_SLICE_UNITS, acceptAgentBatch, acceptAgentBatchSliced, type IngestContext } from "./validate.js";

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
  it("gives what acceptAgentBatch gives, and the batch's JSON, yielding between slices of work", async () => {
    // Units: a click here is 3 (the event and its 2-element path), a track or load 1.
    const unitsOf = (n: number): number => Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 3 : 1)).reduce((a, b) => a + b, 0);
    for (const [n, sliceUnits] of [[1, 10], [6, 10], [7, 10], [500, 50], [500, ACCEPT_SLICE_UNITS]] as const) {
      let turns = 0;
      const sliced = await acceptAgentBatchSliced(batch(n), ctx(), { live: true }, async () => {
        turns++;
      }, sliceUnits);
      const whole = acceptAgentBatch(batch(n), ctx(), { live: true });
      expect(sliced.batch).toEqual(whole.batch);
      expect(sliced.newNames).toEqual(whole.newNames);
      expect(JSON.parse(sliced.json)).toEqual(JSON.parse(JSON.stringify(whole.batch)));
      // A turn each time a slice's units are reached, none after the last event.
      expect(turns).toBe(Math.ceil(unitsOf(n) / sliceUnits) - 1);
    }
  });

  it("does an ordinary agent batch in one go and the heaviest in many slices", async () => {
    const turnsFor = async (b: AgentBatch): Promise<number> => {
      let turns = 0;
      await acceptAgentBatchSliced(b, ctx(), { live: true }, async () => {
        turns++;
      });
      return turns;
    };
    expect(await turnsFor(batch(100))).toBe(0);
    const element = Array.from({ length: 22 }, () => ({ tag: "div" }));
    const heavy: AgentBatch = { visitor: { id: "v" }, events: Array.from({ length: 500 }, (_, i) => ({ type: "click" as const, ts: NOW - 1000 + i, url: "https://x.test/", element })) };
    expect(await turnsFor(heavy)).toBe(11); // 11,500 units
  });

  it("refuses a bad event in a later slice with the same error and field", async () => {
    const b = batch(200);
    (b.events[170] as { ts: number }).ts = NOW + 3 * 86_400_000;
    await expect(acceptAgentBatchSliced(b, ctx(), { live: true })).rejects.toMatchObject({ status: 400, code: "EVENT_IN_FUTURE", field: "events[170].ts" });
    expect(() => acceptAgentBatch(b, ctx(), { live: true })).toThrow(expect.objectContaining({ code: "EVENT_IN_FUTURE", field: "events[170].ts" }));
  });
});
