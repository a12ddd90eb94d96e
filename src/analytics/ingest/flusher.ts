import type { EventStore, EventType, StoredEvent } from "../../store/index.js";
import type { AcceptedBatch } from "./accepted.js";
import { Dictionary } from "./dictionary.js";
import type { LogRecord } from "./log.js";
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
 * A record's events in columns, made when it is queued: dictionary ids instead of URL and path
 * text, the per-record fields once. It is what the flusher stores, so nothing is parsed a second
 * time (the log frame is the durable copy, read again only on replay), and it lives in plain
 * arrays on V8's heap rather than in one external buffer per record (issue 16, build 8).
 */
type Columns = {
  appId: string;
  visitorId: string;
  accountId: string;
  visitorMeta?: AcceptedBatch["visitorMeta"];
  accountMeta?: AcceptedBatch["accountMeta"];
  receivedAt: number;
  /** Per event: its type (as an index into TYPES), time, dictionary ids (-1: none) and the fields that are mostly null. */
  types: number[];
  ts: number[];
  urlIds: number[];
  elementIds: number[];
  names: (string | null)[];
  props: (string | null)[];
  tabs: (string | null)[];
  titles: (string | null)[];
};

const TYPES: readonly EventType[] = ["load", "click", "focus", "track", "guide"];
const TYPE_INDEX = new Map<string, number>(TYPES.map((t, i) => [t, i]));

/**
 * A queued record: its columns, or (while its keys are being claimed in server mode) the parsed
 * record, turned into columns once it is released to be stored: a skipped record never adds
 * dictionary entries.
 */
type Queued = {
  firstId: number;
  count: number;
  columns?: Columns;
  record?: LogRecord<AcceptedBatch>;
  /** Bytes of its log frame (0 for a replayed record): what the backlog bound counts. */
  bytes: number;
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

  /** A record's columns; its URLs and element paths get their dictionary ids here (new ones are stored with the next part). */
  const columnsOf = (b: AcceptedBatch): Columns => {
    const n = b.events.length;
    const c: Columns = { appId: b.appId, visitorId: b.visitorId, accountId: b.accountId, receivedAt: b.receivedAt, types: new Array<number>(n), ts: new Array<number>(n), urlIds: new Array<number>(n), elementIds: new Array<number>(n), names: new Array<string | null>(n), props: new Array<string | null>(n), tabs: new Array<string | null>(n), titles: new Array<string | null>(n) };
    if (b.visitorMeta) c.visitorMeta = b.visitorMeta;
    if (b.accountMeta) c.accountMeta = b.accountMeta;
    for (let i = 0; i < n; i++) {
      const e = b.events[i] as AcceptedBatch["events"][number];
      c.types[i] = TYPE_INDEX.get(e.type) ?? 0;
      c.ts[i] = e.ts;
      c.urlIds[i] = e.url === null ? -1 : options.urls.idOf(e.url);
      c.elementIds[i] = e.element === null ? -1 : options.elements.idOf(e.element);
      c.names[i] = e.name;
      c.props[i] = e.props;
      c.tabs[i] = e.tab;
      c.titles[i] = e.title;
    }
    return c;
  };

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
      const b = r.columns;
      // Only a skipped record has none, and skipped records never reach a part.
      if (!b) continue;
      let seen = seenByApp.get(b.appId);
      if (!seen) seenByApp.set(b.appId, (seen = emptySeenBatch(b.appId)));
      let first = Infinity;
      let last = -Infinity;
      for (let i = 0; i < b.ts.length; i++) {
        const id = r.firstId + i;
        if (id <= flushedId) continue;
        const ts = b.ts[i] as number;
        const type = TYPES[b.types[i] as number] as EventType;
        const name = b.names[i] as string | null;
        const urlId = b.urlIds[i] as number;
        const elementId = b.elementIds[i] as number;
        if (ts < first) first = ts;
        if (ts > last) last = ts;
        if (type === "track" && name !== null && !seen.eventNames.has(name)) seen.eventNames.set(name, ts);
        events.push({
          id,
          appId: b.appId,
          type,
          ts,
          visitorId: b.visitorId,
          accountId: b.accountId,
          urlId: urlId < 0 ? null : urlId,
          elementId: elementId < 0 ? null : elementId,
          name,
          props: b.props[i] as string | null,
          tabId: b.tabs[i] as string | null,
          title: b.titles[i] as string | null,
          receivedAt: b.receivedAt,
        });
      }
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
          bytes += q.bytes;
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
        backlogBytes -= r.bytes;
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
     * Queues a durable record; called by the log in id order. `frameBytes`: its log frame's size
     * when live (what the backlog bound counts), 0 when replayed. `held`: not to be stored before
     * `release` decides (its keys are being claimed).
     */
    enqueue(record: LogRecord<AcceptedBatch>, frameBytes = 0, held = false): void {
      const q: Queued = held ? { firstId: record.firstId, count: record.count, record, bytes: frameBytes, held } : { firstId: record.firstId, count: record.count, columns: columnsOf(record.payload), bytes: frameBytes };
      queue.push(q);
      queuedEvents += record.count;
      backlogBytes += frameBytes;
      if (queuedEvents >= maxQueued && !running) tick();
    },
    /** Decides a held record: stored in its turn (`store`), or skipped because another process stores it. */
    release(firstId: number, store: boolean): void {
      // From the end: a record being claimed was appended a moment ago.
      let q: Queued | undefined;
      for (let i = queue.length - 1; i >= 0 && !q; i--) if ((queue[i] as Queued).firstId === firstId) q = queue[i];
      if (!q?.held) return;
      q.held = false;
      if (store && q.record) q.columns = columnsOf(q.record.payload);
      else if (!store) q.skip = true;
      delete q.record;
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
