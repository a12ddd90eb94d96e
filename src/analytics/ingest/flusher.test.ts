import { afterEach, describe, expect, it } from "vitest";
import { migrateRecords, openDuckDbEventStore, openRecords, type DuckDbEventStore, type Records, type StoredEvent } from "../../store/index.js";
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

  it("flushes a backlog in bounded chunks, in id order, every event once, from frames and from parsed records alike", async () => {
    events = await openDuckDbEventStore({});
    records = await openRecords({ engine: "sqlite", memory: true });
    await migrateRecords(records, [metadataMigrations]);
    const appends: number[] = [];
    const flushed: { fromId: number; toId: number; events: readonly StoredEvent[] }[] = [];
    const f = createFlusher({
      events,
      metadata: createMetadataStore(records),
      urls: new Dictionary(await events.dictionary("urls")),
      elements: new Dictionary(await events.dictionary("elements")),
      intervalMs: 60_000,
      maxQueuedEvents: 1_000_000,
      chunkEvents: 250,
      afterFlush: async (x) => {
        appends.push(x.events.length);
        flushed.push(x);
      },
    });
    const now = Date.now();
    let next = 1;
    let frameBytes = 0;
    for (let v = 0; v < 12; v++) {
      const payload = batch(v, 100, now + v * 1000);
      const record = { firstId: next, count: 100, payload };
      next += 100;
      // Live records arrive as their log frame; replayed ones as parsed objects.
      const json = Buffer.from(JSON.stringify(record));
      const frame = Buffer.concat([Buffer.alloc(8), json]);
      if (v % 2 === 0) {
        f.enqueue(record, frame);
        frameBytes += frame.length;
      }
      else f.enqueue(record);
    }
    expect(f.queued()).toBe(1200);
    // The backlog the ingest bound reads: bytes of live frames (replayed records are not counted).
    expect(f.backlogBytes()).toBe(frameBytes);
    await f.flushNow();
    expect(f.queued()).toBe(0);
    expect(f.backlogBytes()).toBe(0);
    expect(f.flushedId()).toBe(1200);
    // Chunks of whole records: 3 batches (300 events) reach the 250-event bound each time.
    expect(appends).toEqual([300, 300, 300, 300]);
    expect(flushed.map((x) => [x.fromId, x.toId])).toEqual([
      [1, 300],
      [301, 600],
      [601, 900],
      [901, 1200],
    ]);
    expect(await events.count("app")).toBe(1200);
    const ids = flushed.flatMap((x) => x.events.map((e) => e.id));
    expect(ids).toEqual(Array.from({ length: 1200 }, (_, i) => i + 1));
  });
});
