import { describe, expect, it } from "vitest";
import type { AgentBatch } from "./schema.js";
import type { PathElement } from "../../store/index.js";
import { ACCEPT_SLICE_UNITS, acceptAgentBatch, acceptAgentBatchSliced, canonicalPath, type IngestContext } from "./validate.js";

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

describe("canonicalPath", () => {
  // The form stored before it was written out piece by piece: dictionary values must not change,
  // or a path already stored would get a second id.
  const reference = (path: readonly PathElement[]): string =>
    JSON.stringify(
      path.map((e) => {
        const out: PathElement = { tag: e.tag.toLowerCase() };
        if (e.id) out.id = e.id;
        if (e.classes && e.classes.length > 0) out.classes = [...e.classes];
        if (e.attrs && Object.keys(e.attrs).length > 0) out.attrs = Object.fromEntries(Object.entries(e.attrs).sort(([a], [b]) => a.localeCompare(b)));
        if (e.text) out.text = e.text;
        return out;
      }),
    );

  it("gives exactly the text of the canonical elements passed to JSON.stringify", () => {
    const paths: PathElement[][] = [
      [],
      [{ tag: "SPAN", text: "Save" }, { tag: "button", id: "b1", classes: ["btn", "primary"] }, { tag: "div", classes: [] }],
      [{ tag: "a", id: "", text: "", attrs: {} }],
      [{ tag: "input", attrs: { type: "text", "data-x": 'q"uote\\', "2": "n", "10": "m", b: "é\u2028" } }],
      [{ tag: "Div", id: "x\ny", classes: ["a\"b", "ü"], attrs: { z: "1", a: "2" }, text: "tab\there 🙂" }],
    ];
    for (const p of paths) expect(canonicalPath(p)).toBe(reference(p));
    // Random shapes over the same fields.
    let seed = 7;
    const rnd = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
    const word = (): string => ["", "x", "Save", "b-1", "\"", "10", "ä", "a b"][rnd(8)] as string;
    for (let k = 0; k < 300; k++) {
      const path = Array.from({ length: rnd(5) }, (): PathElement => {
        const e: PathElement = { tag: ["DIV", "span", "Button", "svg"][rnd(4)] as string };
        if (rnd(2)) e.id = word();
        if (rnd(2)) e.classes = Array.from({ length: rnd(3) }, word);
        if (rnd(3) === 0) e.attrs = Object.fromEntries(Array.from({ length: rnd(3) }, () => [word() || "k", word()]));
        if (rnd(2)) e.text = word();
        return e;
      });
      expect(canonicalPath(path)).toBe(reference(path));
    }
  });
});
