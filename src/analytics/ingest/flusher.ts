import type { EventStore, StoredEvent } from "../../store/index.js";
import type { AcceptedBatch } from "./accepted.js";
import { Dictionary } from "./dictionary.js";
import { createFrameArena, type HeldFrame } from "./frame-arena.js";
import { parseFrame, type LogRecord } from "./log.js";
import { emptySeenBatch, type MetadataStore, type SeenBatch } from "../metadata.js";

/**
 * Called after each flush with the id range stored since the last call that succeeded (rollups,
 * rule mapping) and the dictionary entries stored in it. The events themselves are not passed:
 * holding a whole chunk's events through the rollups was most of the flusher's memory.
 */
export type AfterFlush = (flushed: { fromId: number; toId: number; newUrls: readonly { id: number; value: string }[]; newElements: readonly { id: number; value: string }[] }) => Promise<void>;

export type FlusherOptions = {
  events: EventStore;
  metadata: MetadataStore;
  urls: Dictionary;
  elements: Dictionary;
  intervalMs: number;
  /** Flush early once this many events wait. */
  maxQueuedEvents?: number;
  /** Largest number of events one flush takes from the queue (rollups and `afterFlush` run once per flush). */
  chunkEvents?: number;
  /**
   * A flush's records are parsed and appended this many events at a time (each part its own
   * append, in id order), so only one part's parsed objects are alive at once.
   */
  partEvents?: number;
  afterFlush?: AfterFlush;
  /**
   * While the flusher is behind (records still queued after a chunk), `afterFlush` is called at
   * most this often, for every chunk stored since; once it has caught up, or when a waiter is
   * about to be told its events are stored, it is called at once (5 s by default; 0: after every
   * chunk). Its cost hardly grows with the range (about a second per call at load, measured in
   * issue 16), so calling it per 100,000-event chunk halved what the flusher could store.
   */
  afterFlushEveryMs?: number;
  onFlushed?: (toId: number) => Promise<void>;
  onError?: (e: unknown) => void;
};

/**
 * A queued record: either parsed (replayed at start-up) or kept as its log frame. Frames are a
 * few times smaller than the parsed objects, which bounds memory while DuckDB catches up with a
 * burst; they are parsed only when flushed, and held in reused slabs (see frame-arena.ts).
 */
type Queued = {
  firstId: number;
  count: number;
  record?: LogRecord<AcceptedBatch>;
  frame?: HeldFrame;
  /**
   * Server mode: the record's keys are being claimed in the shared table (shared-keys.ts). A
   * flush stops before it, so nothing after it is stored out of order, until `release` says
   * whether to store it (`skip` when another process holds its keys).
   */
  held?: boolean;
  skip?: boolean;
};

/** The flusher's synchronous stretches end after about this long, so other requests get a turn (issue 15). */
const SLICE_MS = 10;
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const payloadOf = (q: Queued): AcceptedBatch => (q.record ?? parseFrame<AcceptedBatch>((q.frame as HeldFrame).bytes)).payload;

/** Moves durably logged batches into the event store in large chunks, about once per interval. */
export function createFlusher(options: FlusherOptions) {
  let queue: Queued[] = [];
  let queuedEvents = 0;
  // Bytes of the log frames not yet stored, the chunk being flushed included (replayed records,
  // held parsed, count 0: they are flushed before the server listens).
  let backlogBytes = 0;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let flushedId = 0;
  // Every id at or below this is stored or skipped (a record another process stores): what waiters wait for.
  let settledId = 0;
  const maxQueued = options.maxQueuedEvents ?? 200_000;
  const chunkEvents = options.chunkEvents ?? 100_000;
  const partEvents = options.partEvents ?? 10_000;
  const afterFlushEveryMs = options.afterFlushEveryMs ?? 5_000;
  // When `afterFlush` last ran (or the flusher was made): a catch-up defers it until this is old enough.
  let afterFlushAt = performance.now();
  // What `afterFlush` has not yet been told of: the ids after `rolledId`, and the dictionary
  // entries stored since (kept across a failed call, so no range or entry is skipped).
  let rolledId = 0;
  let unmappedUrls: { id: number; value: string }[] = [];
  let unmappedElements: { id: number; value: string }[] = [];
  const waiters: { id: number; resolve(): void }[] = [];
  const bytesOf = (q: Queued): number => q.frame?.bytes.length ?? 0;
  const arena = createFrameArena();

  /**
   * The part's events as stored and what they tell about visitors and accounts. Between records
   * it lets the event loop turn once it has run SLICE_MS, so a part of large batches does not
   * hold other requests (issue 15).
   */
  const toStored = async (records: Queued[]): Promise<{ events: StoredEvent[]; seen: SeenBatch[] }> => {
    const events: StoredEvent[] = [];
    const seenByApp = new Map<string, SeenBatch>();
    let sliceStarted = performance.now();
    for (const r of records) {
      if (performance.now() - sliceStarted > SLICE_MS) {
        await nextTurn();
        sliceStarted = performance.now();
      }
      const b = payloadOf(r);
      let seen = seenByApp.get(b.appId);
      if (!seen) seenByApp.set(b.appId, (seen = emptySeenBatch(b.appId)));
      let first = Infinity;
      let last = -Infinity;
      b.events.forEach((e, i) => {
        const id = r.firstId + i;
        if (id <= flushedId) return;
        if (e.ts < first) first = e.ts;
        if (e.ts > last) last = e.ts;
        if (e.type === "track" && e.name !== null && !seen.eventNames.has(e.name)) seen.eventNames.set(e.name, e.ts);
        events.push({
          id,
          appId: b.appId,
          type: e.type,
          ts: e.ts,
          visitorId: b.visitorId,
          accountId: b.accountId,
          urlId: e.url === null ? null : options.urls.idOf(e.url),
          elementId: e.element === null ? null : options.elements.idOf(e.element),
          name: e.name,
          props: e.props,
          tabId: e.tab,
          title: e.title,
          receivedAt: b.receivedAt,
        });
      });
      if (first === Infinity) continue;
      const mark = (map: Map<string, { first: number; last: number; agent?: Record<string, string | number | boolean | null> }>, id: string, agent: AcceptedBatch["visitorMeta"]): void => {
        const s = map.get(id);
        if (!s) map.set(id, agent ? { first, last, agent } : { first, last });
        else {
          s.first = Math.min(s.first, first);
          s.last = Math.max(s.last, last);
          if (agent) s.agent = { ...s.agent, ...agent };
        }
      };
      mark(seen.visitors, b.visitorId, b.visitorMeta);
      if (b.accountId !== "") {
        mark(seen.accounts, b.accountId, b.accountMeta);
        const key = `${b.visitorId}\u0000${b.accountId}`;
        const l = seen.links.get(key);
        if (!l) seen.links.set(key, { visitorId: b.visitorId, accountId: b.accountId, first, last });
        else {
          l.first = Math.min(l.first, first);
          l.last = Math.max(l.last, last);
        }
      }
    }
    return { events, seen: [...seenByApp.values()] };
  };

  /** Flushes the queue in chunks of about `chunkEvents`, so a backlog never becomes one huge append. */
  const flushAll = async (): Promise<void> => {
    while (queue.length > 0 && !(queue[0] as Queued).held) await flushOnce();
  };

  /**
   * Stores records in id order, a part of about `partEvents` events at a time: each part's
   * metadata, then its events and new dictionary entries in one append. Every id at or below the
   * store's largest is stored, so a crash between parts replays only the parts not yet stored
   * (the start-up replay skips ids at or below it). A failed part puts it and the rest back.
   */
  const storeParts = async (records: Queued[]): Promise<void> => {
    let done = 0;
    try {
      while (done < records.length) {
        let end = done;
        let n = 0;
        let bytes = 0;
        while (end < records.length && (end === done || n < partEvents)) {
          const q = records[end++] as Queued;
          n += q.count;
          bytes += bytesOf(q);
        }
        const part = records.slice(done, end);
        if (done > 0) await nextTurn();
        const { events, seen } = await toStored(part);
        const newUrls = options.urls.takePending();
        const newElements = options.elements.takePending();
        try {
          // Metadata first: its upserts are idempotent, so a crash before the append replays cleanly.
          await options.metadata.recordSeen(seen);
          await options.events.append(events, { urls: newUrls, elements: newElements });
        } catch (e) {
          options.urls.restore(newUrls);
          options.elements.restore(newElements);
          throw e;
        }
        for (const u of newUrls) unmappedUrls.push(u);
        for (const el of newElements) unmappedElements.push(el);
        backlogBytes -= bytes;
        // Stored: the frames' bytes are not read again, so their slabs can be written over.
        for (const r of part) if (r.frame) arena.release(r.frame);
        const last = part.at(-1) as Queued;
        flushedId = Math.max(flushedId, last.firstId + last.count - 1);
        done = end;
      }
    } catch (e) {
      queue = [...records.slice(done), ...queue];
      queuedEvents = queue.reduce((sum, r) => sum + r.count, 0);
      throw e;
    }
  };

  const flushOnce = async (): Promise<void> => {
    if (queue.length === 0 || (queue[0] as Queued).held) return;
    let take = 0;
    let taken = 0;
    // Up to the first record still being claimed: stores stay in id order.
    while (take < queue.length && !(queue[take] as Queued).held && (take === 0 || taken < chunkEvents)) taken += (queue[take++] as Queued).count;
    const records = queue.slice(0, take);
    queue = queue.slice(take);
    queuedEvents -= taken;
    const keep: Queued[] = [];
    for (const r of records) {
      if (!r.skip) keep.push(r);
      else {
        // Another process holds this record's keys and stores its events: never stored here.
        backlogBytes -= bytesOf(r);
        if (r.frame) arena.release(r.frame);
      }
    }
    await storeParts(keep);
    const lastTaken = records.at(-1) as Queued;
    settledId = Math.max(settledId, flushedId, lastTaken.firstId + lastTaken.count - 1);
    // Deferred only while more is queued behind this chunk and no waiter is about to be released:
    // whoever hears that events are stored may read what derives from them.
    const caughtUp = queue.length === 0 || (queue[0] as Queued).held === true;
    const due = caughtUp || performance.now() - afterFlushAt >= afterFlushEveryMs || waiters.some((w) => w.id <= settledId);
    if (options.afterFlush && flushedId > rolledId && due) {
      const newUrls = unmappedUrls;
      const newElements = unmappedElements;
      await options.afterFlush({ fromId: rolledId + 1, toId: flushedId, newUrls, newElements });
      unmappedUrls = unmappedUrls.slice(newUrls.length);
      unmappedElements = unmappedElements.slice(newElements.length);
      afterFlushAt = performance.now();
    }
    if (!options.afterFlush || due) rolledId = flushedId;
    if (options.onFlushed) await options.onFlushed(flushedId);
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i] as { id: number; resolve(): void };
      if (w.id <= settledId) {
        waiters.splice(i, 1);
        w.resolve();
      }
    }
  };

  const flush = (): Promise<void> => {
    running ??= flushAll().finally(() => {
      running = undefined;
    });
    return running;
  };

  const tick = (): void => {
    flush().catch((e: unknown) => options.onError?.(e));
  };

  return {
    /** Sets the id already in the store (the checkpoint) before any record is queued. */
    setFlushedId(id: number): void {
      flushedId = id;
      rolledId = id;
      settledId = id;
    },
    /**
     * Queues a durable record (with its log frame when live); called by the log in id order.
     * `held`: not to be stored before `release` decides (its keys are being claimed).
     */
    enqueue(record: LogRecord<AcceptedBatch>, frame?: Buffer, held = false): void {
      const q: Queued = frame ? { firstId: record.firstId, count: record.count, frame: arena.hold(frame) } : { firstId: record.firstId, count: record.count, record };
      if (held) q.held = true;
      queue.push(q);
      queuedEvents += record.count;
      if (frame) backlogBytes += frame.length;
      if (queuedEvents >= maxQueued && !running) tick();
    },
    /** Decides a held record: stored in its turn (`store`), or skipped because another process stores it. */
    release(firstId: number, store: boolean): void {
      // From the end: a record being claimed was appended a moment ago.
      let q: Queued | undefined;
      for (let i = queue.length - 1; i >= 0 && !q; i--) if ((queue[i] as Queued).firstId === firstId) q = queue[i];
      if (!q?.held) return;
      q.held = false;
      if (!store) q.skip = true;
      // Someone waits for it (settle, a test): do not leave them until the next interval.
      if (waiters.length > 0 && queue[0] === q && !running) tick();
    },
    start(): void {
      timer = setInterval(tick, options.intervalMs);
      timer.unref();
    },
    /** Flushes everything queued now (waits for a flush in progress first). */
    async flushNow(): Promise<void> {
      if (running) await running.catch(() => undefined);
      await flush();
    },
    /** Resolves once every event up to `id` is in the store. */
    waitFor(id: number): Promise<void> {
      if (id <= settledId) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ id, resolve }));
    },
    flushedId: () => flushedId,
    /** Events logged and queued, not yet taken by a flush. */
    queued: () => queuedEvents,
    /** Bytes of the log frames not yet in the store, a flush in progress included (ingest refuses above a bound). */
    backlogBytes: () => backlogBytes,
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      if (running) await running.catch(() => undefined);
      await flush();
    },
  };
}

export type Flusher = ReturnType<typeof createFlusher>;
