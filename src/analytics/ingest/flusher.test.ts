import { afterEach, describe, expect, it } from "vitest";
import { migrateRecords, openDuckDbEventStore, openRecords, type DuckDbEventStore, type Records } from "../../store/index.js";
import type { AcceptedBatch } from "./accepted.js";
import { Dictionary } from "./dictionary.js";
import { createFlusher } from "./flusher.js";
import { createMetadataStore, metadataMigrations } from "../metadata.js";

function batch(visitor: number, events: number, at: number): AcceptedBatch {
  return {
    appId: "app",
    visitorId: `v${visitor}`,
    accountId: `a${visitor % 3}`,
    receivedAt: at,
    events: Array.from({ length: events }, (_, i) => ({ type: "load" as const, ts: at + i, url: `https://app.example.com/p${i % 4}`, title: null, tab: null, element: null, name: null, props: null })),
  };
}

describe("flusher", () => {
  let events: DuckDbEventStore | undefined;
  let records: Records | undefined;
  afterEach(async () => {
    await events?.close();
    await records?.close();
  });

  it("flushes a backlog in bounded chunks, in id order, every event once, live and replayed records alike", async () => {
    events = await openDuckDbEventStore({});
    const store = events;
    // The real store; each append's size is noted on the way through.
    const appends: number[] = [];
    const counted: DuckDbEventStore = { ...store, append: (e, d) => (appends.push(e.length), store.append(e, d)) };
    records = await openRecords({ engine: "sqlite", memory: true });
    await migrateRecords(records, [metadataMigrations]);
    const flushed: { fromId: number; toId: number; urls: number }[] = [];
    const f = createFlusher({
      events: counted,
      metadata: createMetadataStore(records),
      urls: new Dictionary(await events.dictionary("urls")),
      elements: new Dictionary(await events.dictionary("elements")),
      intervalMs: 60_000,
      maxQueuedEvents: 1_000_000,
      chunkEvents: 250,
      // Parts of whole records: 200 events, then the chunk's last 100.
      partEvents: 150,
      // Every chunk's rollups at once, even while more is queued (the deferral is tested below).
      afterFlushEveryMs: 0,
      afterFlush: async (x) => {
        flushed.push({ fromId: x.fromId, toId: x.toId, urls: x.newUrls.length });
      },
    });
    const now = Date.now();
    let next = 1;
    let frameBytes = 0;
    for (let v = 0; v < 12; v++) {
      const payload = batch(v, 100, now + v * 1000);
      const record = { firstId: next, count: 100, payload };
      next += 100;
      // Live records come with their log frame's size; replayed ones with none.
      const bytes = 8 + Buffer.byteLength(JSON.stringify(record));
      if (v % 2 === 0) {
        f.enqueue(record, bytes);
        frameBytes += bytes;
      } else f.enqueue(record);
    }
    expect(f.queued()).toBe(1200);
    // The backlog the ingest bound reads: bytes of live frames (replayed records are not counted).
    expect(f.backlogBytes()).toBe(frameBytes);
    await f.flushNow();
    expect(f.queued()).toBe(0);
    expect(f.backlogBytes()).toBe(0);
    expect(f.flushedId()).toBe(1200);
    // Chunks of whole records: 3 batches (300 events) reach the 250-event bound each time; each
    // chunk is appended in parts of whole records (2 batches reach the 150-event bound), and
    // afterFlush hears of each chunk once, with the dictionary entries its parts stored.
    expect(appends).toEqual([200, 100, 200, 100, 200, 100, 200, 100]);
    expect(flushed).toEqual([
      { fromId: 1, toId: 300, urls: 4 },
      { fromId: 301, toId: 600, urls: 0 },
      { fromId: 601, toId: 900, urls: 0 },
      { fromId: 901, toId: 1200, urls: 0 },
    ]);
    expect(await events.count("app")).toBe(1200);
    const ids = (await events.events({ appId: "app", limit: 5000 })).map((e) => e.id);
    expect(ids).toEqual(Array.from({ length: 1200 }, (_, i) => i + 1));
  });

  it("while catching up, tells afterFlush of many chunks at once, but never releases a waiter before its ids are rolled up", async () => {
    events = await openDuckDbEventStore({});
    records = await openRecords({ engine: "sqlite", memory: true });
    await migrateRecords(records, [metadataMigrations]);
    const flushed: [number, number, number][] = [];
    const f = createFlusher({
      events,
      metadata: createMetadataStore(records),
      urls: new Dictionary(),
      elements: new Dictionary(),
      intervalMs: 60_000,
      maxQueuedEvents: 1_000_000,
      chunkEvents: 250,
      // Longer than the test: only catching up or a waiter makes afterFlush run.
      afterFlushEveryMs: 600_000,
      afterFlush: async (x) => {
        flushed.push([x.fromId, x.toId, x.newUrls.length]);
      },
    });
    const now = Date.now();
    for (let v = 0; v < 12; v++) f.enqueue({ firstId: 1 + v * 100, count: 100, payload: batch(v, 100, now + v * 1000) });
    // Someone waits for the first chunk's events (a bulk load, an import's answer): when they hear
    // of them, what derives from them must be there.
    let released: [number, number, number][] | undefined;
    const waiting = f.waitFor(250).then(() => {
      released = [...flushed];
    });
    await f.flushNow();
    await waiting;
    expect(released).toEqual([[1, 300, 4]]);
    // Chunks 2 and 3 were deferred while more was queued; the last one (caught up) covers them,
    // with nothing skipped and no dictionary entry lost.
    expect(flushed).toEqual([
      [1, 300, 4],
      [301, 1200, 0],
    ]);
    expect(await events.count("app")).toBe(1200);
  });

  it("after a part fails, keeps the parts stored, stores the rest once on the next flush, and rolls up every id", async () => {
    events = await openDuckDbEventStore({});
    records = await openRecords({ engine: "sqlite", memory: true });
    await migrateRecords(records, [metadataMigrations]);
    const store = events;
    let calls = 0;
    // The second append fails once, as a full disk would; the store itself is the real one.
    const failing: DuckDbEventStore = { ...store, append: (e, d) => (++calls === 2 ? Promise.reject(new Error("disk full")) : store.append(e, d)) };
    const flushed: [number, number, number][] = [];
    const f = createFlusher({
      events: failing,
      metadata: createMetadataStore(records),
      urls: new Dictionary(),
      elements: new Dictionary(),
      intervalMs: 60_000,
      maxQueuedEvents: 1_000_000,
      partEvents: 100,
      afterFlush: async (x) => {
        flushed.push([x.fromId, x.toId, x.newUrls.length]);
      },
    });
    const now = Date.now();
    for (let v = 0; v < 4; v++) f.enqueue({ firstId: 1 + v * 100, count: 100, payload: batch(v, 100, now + v * 1000) });
    await expect(f.flushNow()).rejects.toThrow("disk full");
    expect(f.flushedId()).toBe(100);
    expect(f.queued()).toBe(300);
    expect(flushed).toEqual([]);
    await f.flushNow();
    expect(f.flushedId()).toBe(400);
    expect(flushed).toEqual([[1, 400, 4]]);
    const ids = (await events.events({ appId: "app", limit: 5000 })).map((e) => e.id);
    expect(ids).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
  });
  it("lets the event loop turn between the parts of a flush (issue 15: /health while busy)", async () => {
    events = await openDuckDbEventStore({});
    records = await openRecords({ engine: "sqlite", memory: true });
    await migrateRecords(records, [metadataMigrations]);
    const store = events;
    // When a part's append is done, a callback is queued for the event loop's next turn; the
    // next part must not start before it runs.
    const order: string[] = [];
    const noting: DuckDbEventStore = {
      ...store,
      append: async (e, d) => {
        order.push(`append ${e.length}`);
        await store.append(e, d);
        setImmediate(() => order.push("turn"));
      },
    };
    const f = createFlusher({ events: noting, metadata: createMetadataStore(records), urls: new Dictionary(), elements: new Dictionary(), intervalMs: 60_000, maxQueuedEvents: 1_000_000, partEvents: 100 });
    const now = Date.now();
    for (let v = 0; v < 3; v++) f.enqueue({ firstId: 1 + v * 100, count: 100, payload: batch(v, 100, now + v * 1000) });
    await f.flushNow();
    expect(order.slice(0, 5)).toEqual(["append 100", "turn", "append 100", "turn", "append 100"]);
    expect(await events.count("app")).toBe(300);
  });
});
