import { BATCH_EVENTS, FLUSH_MS, MAX_BODY_BYTES, OFFLINE_MAX_EVENTS } from "./limits.js";
import { adopt, bound, save, withoutStale, type KeyValueStore } from "./offline.js";
import { utf8Bytes, type Warn } from "./sanitize.js";
import { beacon, post, retryDelay, type BeaconLike, type FetchLike } from "./transport.js";
import type { AgentBatch, AgentEvent, Identity } from "./types.js";

/** Starts a timer and returns its cancel function. */
export type Timer = (fn: () => void, ms: number) => () => void;

/** What the queue needs from the page; injected so unit tests run it without a browser. */
export type QueueDeps = {
  fetch: FetchLike;
  beacon?: BeaconLike;
  store?: KeyValueStore;
  timer: Timer;
  now: () => number;
  random: () => number;
  newId: () => string;
  online: () => boolean;
  warn: Warn;
};

/** Where and as whom to send; undefined until `initialize`. */
export type Destination = { endpoint: string; storePrefix: string; storeKey: string; visitor: Identity; account?: Identity };

type Pending = { batch: AgentBatch; attempts: number };

/** Buffers events, cuts them into batches and delivers them with retry, beacon and an offline copy. */
export function createQueue(deps: QueueDeps) {
  let buffer: AgentEvent[] = [];
  let outbox: Pending[] = [];
  let dest: Destination | undefined;
  let sending: Promise<void> | undefined;
  let cancelFlush: (() => void) | undefined;
  let cancelRetry: (() => void) | undefined;
  // True from a failed attempt until the next success, including while a retry is in flight.
  let failing = false;
  let dropWarned = false;

  const persist = (): void => {
    if (dest) save(deps.store, dest.storeKey, outbox.map((p) => p.batch));
  };

  const split = (events: AgentEvent[], d: Destination): AgentBatch[] => {
    const batch: AgentBatch = { batchId: deps.newId(), visitor: d.visitor, events };
    if (d.account) batch.account = d.account;
    if (utf8Bytes(JSON.stringify(batch)) <= MAX_BODY_BYTES) return [batch];
    if (events.length === 1) {
      deps.warn("an event larger than 60 KB was dropped");
      return [];
    }
    const mid = events.length >> 1;
    return [...split(events.slice(0, mid), d), ...split(events.slice(mid), d)];
  };

  /** Moves buffered events into batches under the current identity. */
  const cut = (): void => {
    cancelFlush?.();
    cancelFlush = undefined;
    if (!dest || !buffer.length) return;
    for (const batch of split(buffer, dest)) outbox.push({ batch, attempts: 0 });
    buffer = [];
    const kept = new Set(bound(outbox.map((p) => p.batch), deps.now()));
    outbox = outbox.filter((p) => kept.has(p.batch));
  };

  const loop = async (): Promise<void> => {
    for (let item = outbox[0]; item && dest; item = outbox[0]) {
      item.batch = withoutStale(item.batch, deps.now());
      const { outcome, waitMs } = item.batch.events.length ? await post(deps.fetch, dest.endpoint, JSON.stringify(item.batch)) : { outcome: "sent", waitMs: 0 };
      if (outcome === "retry") {
        failing = true;
        item.attempts++;
        persist(); // we may be offline: keep a copy that survives a reload
        cancelRetry?.();
        cancelRetry = deps.timer(() => {
          cancelRetry = undefined;
          void drain();
        }, retryDelay(item.attempts, deps.random, waitMs));
        return;
      }
      outbox = outbox.filter((p) => p !== item);
      failing = false;
      if (outcome === "drop" && !dropWarned) {
        dropWarned = true;
        deps.warn("the server refused a batch (4xx); it was dropped. Check the apiKey and host.");
      }
      persist();
    }
  };

  const drain = (): Promise<void> => {
    sending ??= loop().finally(() => {
      sending = undefined;
    });
    return sending;
  };

  /** Cuts and sends now; `force` also cuts a pending backoff short (explicit flush, back online). */
  const flush = (force: boolean): Promise<void> => {
    cut();
    if (cancelRetry) {
      if (!force) {
        persist();
        return Promise.resolve();
      }
      cancelRetry();
      cancelRetry = undefined;
    }
    return drain();
  };

  return {
    /** Sets where and as whom later batches go; the caller cuts first when the identity changes. */
    setDestination(d: Destination): void {
      const first = !dest;
      dest = d;
      if (first) {
        outbox.unshift(...adopt(deps.store, d.storePrefix).map((batch) => ({ batch, attempts: 0 })));
        if (outbox.length) void drain();
      }
    },
    /** Adds one event; full buffers go out at once, others within FLUSH_MS. */
    add(event: AgentEvent): void {
      buffer.push(event);
      if (buffer.length > OFFLINE_MAX_EVENTS) buffer.shift(); // before initialize nothing drains
      if (dest && buffer.length >= BATCH_EVENTS) void flush(false);
      else
        cancelFlush ??= deps.timer(() => {
          cancelFlush = undefined;
          void flush(false);
        }, FLUSH_MS);
    },
    cut,
    flush,
    /** The page may be going away: hand batches to sendBeacon, keep the rest in storage. */
    unload(): void {
      cut();
      // While sends fail we are probably offline, and a lost beacon is a lost batch: keep them stored.
      if (dest && !failing && deps.online()) {
        const url = dest.endpoint;
        outbox = outbox.filter((p) => !beacon(deps.beacon, url, JSON.stringify(p.batch)));
      }
      persist();
    },
    /** Batches not yet acknowledged (tests and diagnostics). */
    pending(): AgentBatch[] {
      return outbox.map((p) => p.batch);
    },
  };
}

export type Queue = ReturnType<typeof createQueue>;
