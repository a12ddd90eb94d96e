import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { StoredEvent } from "../../store/event-store.js";
import { openDuckDbEventStore, type DuckDbEventStore } from "../../store/events-duckdb.js";
import { recomputeRollups } from "./rollups.js";
import { updateRollups } from "./index.js";

/**
 * updateRollups merges deltas and remembers the ids it merged. Whatever the call pattern (uneven
 * chunks, repeated and overlapping ranges, a range called before its events exist and again after
 * they are inserted, late events), every rollup table must end up equal, column for column, to the
 * first design's recomputation over all events on a fresh store.
 */

const SLOT = 900_000;
const MIN = 60_000;
const T0 = Date.UTC(2024, 2, 8, 12, 0);
const URLS = ["https://a.test/home", "https://a.test/app/1/settings", "https://b.test/x", "https://a.test/r?q"].map((value, i) => ({ id: i + 1, value }));
const ELEMENTS = [[{ tag: "button" }], [{ tag: "a" }, { tag: "nav" }], [{ tag: "div" }]].map((p, i) => ({ id: i + 1, value: JSON.stringify(p) }));

type Draft = { app: number; account: number; visitor: number; type: StoredEvent["type"]; at: number; item: number };

const draftArb: fc.Arbitrary<Draft> = fc.record({
  app: fc.integer({ min: 0, max: 1 }),
  account: fc.integer({ min: 0, max: 2 }),
  visitor: fc.integer({ min: 0, max: 3 }),
  type: fc.constantFrom<StoredEvent["type"]>("load", "load", "click", "click", "focus", "track", "guide"),
  // Six slots and, now and then, an hour or a day later: visits that start, end and join up.
  at: fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: 0, max: 6 * SLOT - 1 }) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 30 * MIN }).map((m) => 2 * 60 * MIN + m) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 30 * MIN }).map((m) => 24 * 60 * MIN + m) },
  ),
  item: fc.integer({ min: 0, max: 3 }),
});

function toEvent(d: Draft, id: number): StoredEvent {
  const ts = T0 + d.at;
  return {
    id,
    appId: ["a1", "a2"][d.app] as string,
    type: d.type,
    ts,
    visitorId: `v${d.visitor}`,
    accountId: ["", "acme", "globex"][d.account] as string,
    // Some loads without a url and clicks without an element, to check NULL items are left out.
    urlId: d.type === "load" && d.item < 3 ? (URLS[d.item]?.id ?? null) : d.type === "click" ? 1 : null,
    elementId: d.type === "click" && d.item < 3 ? (ELEMENTS[d.item]?.id ?? null) : null,
    name: d.type === "track" ? (["signup", "export", "share", "signup"][d.item] ?? null) : null,
    props: null,
    tabId: null,
    title: null,
    receivedAt: ts,
  };
}

/** A call pattern: chunk sizes, one held-back id block, extra calls over random ranges. */
const planArb = fc.record({
  chunks: fc.array(fc.integer({ min: 1, max: 25 }), { minLength: 1, maxLength: 12 }),
  // The held-back block (bulk style): [start, start + length) as fractions of the events.
  hold: fc.option(fc.record({ start: fc.double({ min: 0, max: 0.9, noNaN: true }), length: fc.integer({ min: 1, max: 20 }) }), { nil: undefined }),
  // After each chunk: how far back its call reaches (0: exactly its ids), and extra calls.
  back: fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 12, maxLength: 12 }),
  extra: fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })), { maxLength: 12 }),
});

const COLUMNS = {
  rollup_activity:
    "app_id, account_id, visitor_id, slot, events, loads, clicks, tracks, agent_mask, track_mask, first_visit, last_visit, prev_slot, agent_prev_min, any_prev_min, agent_start, any_start",
  rollup_urls: "app_id, account_id, visitor_id, slot, url_id, loads",
  rollup_elements: "app_id, account_id, visitor_id, slot, element_id, clicks",
  rollup_tracks: "app_id, account_id, visitor_id, slot, name, events",
  rollup_account_visitors: "app_id, account_id, visitor_id, last_slot, last_agent_min, last_any_min",
} as const;

/** Every row of every rollup table (account keys apart: they follow arrival order), sorted. */
async function tables(s: DuckDbEventStore): Promise<Record<string, unknown[][]>> {
  const out: Record<string, unknown[][]> = {};
  for (const [t, cols] of Object.entries(COLUMNS)) {
    out[t] = (await s.connection.runAndReadAll(`SELECT ${cols} FROM ${t} ORDER BY ALL`)).getRowsJS();
  }
  // Keys: each row's key is its account's (0 for ''), and a row per key-slot(-item).
  for (const t of ["rollup_activity", "rollup_urls", "rollup_elements", "rollup_tracks"]) {
    const bad = await s.connection.runAndReadAll(
      `SELECT count(*)::INTEGER FROM ${t} r LEFT JOIN rollup_account_keys k ON k.account_id = r.account_id
       WHERE r.account_key IS DISTINCT FROM (CASE WHEN r.account_id = '' THEN 0 ELSE k.account_key END)`,
    );
    out[`${t} bad keys`] = bad.getRowsJS();
  }
  return out;
}

async function withStore<T>(body: (s: DuckDbEventStore) => Promise<T>): Promise<T> {
  const s = await openDuckDbEventStore();
  try {
    return await body(s);
  } finally {
    await s.close();
  }
}

const merged = async (s: DuckDbEventStore): Promise<unknown[][]> =>
  (await s.connection.runAndReadAll("SELECT from_id, to_id FROM rollup_merged ORDER BY from_id")).getRowsJS().map((r) => r.map(Number));

describe("incremental rollups", () => {
  it("equal the recomputation over all events, whatever the chunks, repeats, overlaps and held-back blocks", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(draftArb, { minLength: 5, maxLength: 150 }), planArb, async (drafts, plan) => {
        const events = drafts.map((d, i) => toEvent(d, i + 1));
        const n = events.length;
        const expected = await withStore(async (s) => {
          await s.append(events, { urls: URLS, elements: ELEMENTS });
          await recomputeRollups(s.connection, { fromId: 0, toId: n });
          return tables(s);
        });
        // One incremental call on a fresh store (no merged runs) is the recomputation too.
        const once = await withStore(async (s) => {
          await s.append(events, { urls: URLS, elements: ELEMENTS });
          await updateRollups(s.connection, { fromId: 0, toId: n });
          return { tables: await tables(s), merged: await merged(s) };
        });
        expect(once.tables).toEqual(expected);
        expect(once.merged).toEqual([[0, n]]);

        const got = await withStore(async (s) => {
          const holdFrom = plan.hold ? Math.floor(plan.hold.start * n) + 1 : 0;
          const holdTo = plan.hold ? Math.min(n, holdFrom + plan.hold.length - 1) : -1;
          const held = (e: StoredEvent): boolean => e.id >= holdFrom && e.id <= holdTo;
          let at = 0;
          let first = true;
          let step = 0;
          const pending = [...plan.chunks];
          while (at < n) {
            const size = pending.shift() ?? 25;
            const chunk = events.slice(at, at + size);
            const toInsert = chunk.filter((e) => !held(e));
            if (toInsert.length > 0 || first) await s.append(toInsert, first ? { urls: URLS, elements: ELEMENTS } : {});
            first = false;
            const toId = at + chunk.length;
            // The flusher's call for the chunk (held-back ids included: they are passed empty).
            await updateRollups(s.connection, { fromId: Math.max(0, at - (plan.back[step % plan.back.length] ?? 0)), toId });
            at = toId;
            const call = plan.extra[step];
            if (call) {
              const [a, b] = [Math.floor(call[0] * at), Math.floor(call[1] * at)].sort((x, y) => x - y) as [number, number];
              await updateRollups(s.connection, { fromId: a, toId: b });
            }
            step++;
          }
          if (holdTo >= holdFrom) {
            // The bulk loader's block: its events arrive after the flusher passed their ids.
            await s.append(
              events.filter((e) => held(e)),
              {},
            );
            await updateRollups(s.connection, { fromId: holdFrom - 1, toId: holdTo });
          }
          // Replays of everything (recover-style) and of one id change nothing.
          await updateRollups(s.connection, { fromId: 0, toId: n });
          await updateRollups(s.connection, { fromId: n - 1, toId: n });
          return { tables: await tables(s), merged: await merged(s) };
        });
        expect(got.tables).toEqual(expected);
        expect(got.merged).toEqual([[0, n]]);
      }),
      { numRuns: 30, seed: 1707 },
    );
  }, 600_000);

  it("merges a block passed before its events exist only once they are there, and never twice", async () => {
    await withStore(async (s) => {
      const d: Omit<Draft, "at"> = { app: 0, account: 1, visitor: 0, type: "load", item: 0 };
      const events = [0, 1, 2, 3, 4, 5].map((k) => toEvent({ ...d, at: k * MIN }, k + 1));
      await s.append([...events.slice(0, 2), ...events.slice(4)], { urls: URLS, elements: ELEMENTS });
      await updateRollups(s.connection, { fromId: 0, toId: 6 });
      expect(await merged(s)).toEqual([
        [0, 2],
        [4, 6],
      ]);
      const count = async (): Promise<unknown> => (await s.connection.runAndReadAll("SELECT sum(events)::INTEGER FROM rollup_activity")).getRowsJS()[0]?.[0];
      expect(await count()).toBe(4);
      await s.append(events.slice(2, 4), {});
      await updateRollups(s.connection, { fromId: 0, toId: 6 });
      expect(await merged(s)).toEqual([[0, 6]]);
      expect(await count()).toBe(6);
      await updateRollups(s.connection, { fromId: 2, toId: 4 });
      expect(await count()).toBe(6);
    });
  });

  it("upgrades rollups that predate the merged runs: ids above the checkpoint recomputed once, then merged exactly once", async () => {
    const events = fc.sample(draftArb, { numRuns: 400, seed: 42 }).map((d, i) => toEvent(d, i + 1));
    const expected = await withStore(async (s) => {
      await s.append(events, { urls: URLS, elements: ELEMENTS });
      await recomputeRollups(s.connection, { fromId: 0, toId: 400 });
      return tables(s);
    });
    await withStore(async (s) => {
      // An older database: rolled up to id 300 by recomputation, but the crash came before the
      // checkpoint (still 200) was written; ids 301..400 are stored and not rolled up at all.
      await s.append(events, { urls: URLS, elements: ELEMENTS });
      await recomputeRollups(s.connection, { fromId: 0, toId: 300 });
      await s.connection.run("DROP TABLE rollup_merged");
      await s.connection.run("CREATE TABLE analytics_checkpoints (name VARCHAR NOT NULL, id BIGINT NOT NULL)");
      await s.connection.run("INSERT INTO analytics_checkpoints VALUES ('rollups', 200)");
      // The reader has never checked the schema (the check is cached per connection).
      await updateRollups(s.reader, { fromId: 0, toId: 400 });
      expect(await merged(s)).toEqual([[0, 400]]);
      expect(await tables(s)).toEqual(expected);
    });
  });
});
