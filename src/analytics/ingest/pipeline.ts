import { idRangeOf, type ClickHouseEventStore, type DuckDbEventStore, type IdRange } from "../../store/index.js";
import type { MetadataStore } from "../metadata.js";
import type { AcceptedBatch } from "./accepted.js";
import { createBulkLoader, sweepBulkStaging, type BulkLoader } from "./bulk.js";
import { Dictionary } from "./dictionary.js";
import { createFlusher, type AfterFlush, type Flusher } from "./flusher.js";
import { openIngestLog, type LogRecord } from "./log.js";
import { createEventNameBudget } from "./event-name-budget.js";
import { createIngestService, type IngestService } from "./service.js";
import { keysOf, openKeyStore, type KeyStore } from "./key-store.js";
import type { SharedKeys } from "./shared-keys.js";

export type IngestPipelineDeps = {
  /** The folder of the durable log (`<data>/ingest-log`). */
  logDir: string;
  /** The folder of the stored idempotency keys (`<data>/ingest-keys`). */
  keysDir: string;
  /** Size at which a log segment is closed (64 MiB by default). */
  segmentBytes?: number;
  /** The data folder's DuckDB, or ClickHouse in server mode (the flusher only appends, so every `EventStore` will do). */
  events: DuckDbEventStore | ClickHouseEventStore;
  /** This process's block of event and dictionary ids (ADR 0019): instance 0 when absent (embedded). */
  ids?: IdRange;
  metadata: MetadataStore;
  now: () => number;
  flushIntervalMs: number;
  /** Live endpoints refuse older events; the dedupe window is this plus the day of clock skew allowed ahead. */
  maxEventAgeDays: number;
  /** Above this many bytes logged but not stored, live batches are refused (503 INGEST_BUSY). */
  maxBacklogBytes: number;
  /** What derives from stored events (rollups, mappings): after each flush and each bulk load. */
  afterFlush: AfterFlush;
  /**
   * Server mode: the idempotency keys every process shares (PostgreSQL). A record with keys is
   * claimed there once durable and stored only when this log holds its keys; at start-up the
   * replay claims first and skips what another process claimed meanwhile. Absent: this
   * process's key files decide alone (embedded mode).
   */
  sharedKeys?: SharedKeys;
  /** How often records whose claim failed (PostgreSQL unreachable) are claimed again (1 s by default). */
  reclaimIntervalMs?: number;
  /** Where start-up notes and flush failures go (stderr by default). */
  report?: (message: string, error?: unknown) => void;
};

/** The running ingest path: accept → durable log → flusher → event store, and the bulk path beside it. */
export type IngestPipeline = {
  service: IngestService;
  flusher: Flusher;
  bulk: BulkLoader;
  /** The idempotency keys remembered (diagnostics, benchmark). */
  keys: Pick<KeyStore, "stats">;
  /** Resolves when every event acknowledged so far is in the event store. */
  settle(): Promise<void>;
  /** Stores what is queued and closes the log. */
  stop(): Promise<void>;
};

const toStderr = (message: string, error?: unknown): void => {
  if (error === undefined) console.error(message);
  else console.error(message, error);
};

/**
 * Opens the ingest path on a data folder: drops what an interrupted bulk load left, loads the
 * dictionaries and event names, opens the log, replays what was acknowledged but not yet stored
 * when the last process stopped, and starts the flusher. Everything it returns is ready to use.
 */
export async function openIngestPipeline(deps: IngestPipelineDeps): Promise<IngestPipeline> {
  const report = deps.report ?? toStderr;
  const shared = deps.sharedKeys;
  const ids = deps.ids ?? idRangeOf(0);
  // Bulk staging tables exist only in the folder's DuckDB (ClickHouse loads stage in memory).
  if (deps.events.engine === "duckdb") {
    const swept = await sweepBulkStaging(deps.events);
    if (swept.length > 0) report(`pendulum: dropped ${swept.length} staging table(s) an interrupted bulk load left behind`);
  }

  // Distinct track event names per app: the per-app name budget is checked against them.
  const eventNames = new Map<string, Set<string>>();
  const namesOf = (appId: string): Set<string> => {
    let s = eventNames.get(appId);
    if (!s) eventNames.set(appId, (s = new Set()));
    return s;
  };
  for (const { appId, name } of await deps.metadata.allEventNames()) namesOf(appId).add(name);

  const dictionaries = { urls: new Dictionary(await deps.events.dictionary("urls"), ids), elements: new Dictionary(await deps.events.dictionary("elements"), ids) };
  // The highest id of this process's own block: other processes' events are theirs to flush.
  const flushedId = await deps.events.maxEventId(ids);
  // A retry can still be stored while one of its events passes the live age check: up to
  // maxEventAgeDays after it was first received, plus the day a visitor's clock may run ahead.
  const keys = await openKeyStore({ dir: deps.keysDir, windowDays: deps.maxEventAgeDays + 1, now: deps.now });
  // The log and the flusher feed each other: the log hands each durable record to the flusher,
  // and the flusher lets the log drop segments it has stored. The log calls back only for appends,
  // and nothing appends before this function returns, so the flusher exists by then.
  const { log, unflushed } = await openIngestLog<AcceptedBatch>(
    deps.logDir,
    flushedId,
    (r, frame) => {
      // Durable now, before the append resolves: a repeat arriving from here on is caught.
      keys.durable(r.payload, r.firstId + r.count - 1);
      // Server mode: held until its claim says whether this process stores it.
      flusher.enqueue(r, frame.length, shared !== undefined && keysOf(r.payload).length > 0);
    },
    { ...(deps.segmentBytes ? { segmentBytes: deps.segmentBytes } : {}), onStored: (r) => keys.recovered(r.payload, r.firstId + r.count - 1) },
  );
  const flusher = createFlusher({
    events: deps.events,
    metadata: deps.metadata,
    urls: dictionaries.urls,
    elements: dictionaries.elements,
    intervalMs: deps.flushIntervalMs,
    afterFlush: deps.afterFlush,
    onFlushed: async (id) => {
      // Keys of stored records go to the key files before the log may delete their segment.
      await keys.persistThrough(id);
      await log.truncateThrough(id);
    },
    onError: (e) => report("pendulum: flushing events failed; will retry", e),
  });
  flusher.setFlushedId(flushedId);
  // Replay what was acknowledged but not yet in the event store when the last process stopped.
  // Server mode: claim first. A record this log claimed before it died is still its own; one
  // whose keys another process claimed meanwhile (a retry answered there) is skipped.
  const replayMine = shared ? await claimInParts(shared, unflushed) : undefined;
  let skipped = 0;
  unflushed.forEach((r, i) => {
    for (const e of r.payload.events) if (e.type === "track" && e.name) namesOf(r.payload.appId).add(e.name);
    keys.recovered(r.payload, r.firstId + r.count - 1);
    const mine = replayMine?.[i] ?? true;
    flusher.enqueue(r, 0, !mine);
    if (!mine) {
      flusher.release(r.firstId, false);
      skipped++;
    }
  });
  if (skipped > 0) report(`pendulum: ${skipped} logged batch(es) were not replayed: another process stored them (same idempotency key)`);
  keys.seal();
  if (unflushed.length > 0) await flusher.flushNow();
  // Keys of records stored before a crash that had not reached a key file yet.
  await keys.persistThrough(flushedId);
  flusher.start();

  // Records whose claim failed (PostgreSQL unreachable): held, and claimed again until it answers.
  let unclaimed: LogRecord<AcceptedBatch>[] = [];
  const claimShared = async (records: readonly LogRecord<AcceptedBatch>[]): Promise<boolean[]> => {
    const s = shared as SharedKeys;
    const withKeys = records.filter((r) => keysOf(r.payload).length > 0);
    let mine: boolean[];
    try {
      mine = await s.claim(withKeys.map((r) => ({ appId: r.payload.appId, keys: keysOf(r.payload), firstId: r.firstId })));
    } catch (e) {
      unclaimed.push(...withKeys);
      throw e;
    }
    const byId = new Map<number, boolean>();
    withKeys.forEach((r, i) => {
      byId.set(r.firstId, mine[i] as boolean);
      flusher.release(r.firstId, mine[i] as boolean);
    });
    return records.map((r) => byId.get(r.firstId) ?? true);
  };
  let reclaiming = false;
  const reclaim = async (): Promise<void> => {
    if (reclaiming || unclaimed.length === 0) return;
    reclaiming = true;
    const batch = unclaimed;
    unclaimed = [];
    try {
      await claimShared(batch);
    } catch (e) {
      // claimShared put them back.
      report("pendulum: claiming idempotency keys in PostgreSQL failed; will retry", e);
    } finally {
      reclaiming = false;
    }
  };
  const reclaimTimer = shared ? setInterval(() => void reclaim(), deps.reclaimIntervalMs ?? 1000) : undefined;
  reclaimTimer?.unref();

  const service = createIngestService({
    ...(shared ? { claimShared } : {}),
    log,
    keys,
    now: deps.now,
    maxAgeDays: deps.maxEventAgeDays,
    eventNames,
    backlogBytes: () => flusher.backlogBytes(),
    maxBacklogBytes: deps.maxBacklogBytes,
    nameBudget: createEventNameBudget(deps.now),
  });
  const bulk = createBulkLoader({
    events: deps.events,
    ids,
    metadata: deps.metadata,
    ingest: service,
    log,
    flusher,
    dictionaries,
    afterFlush: deps.afterFlush,
    eventNames,
    now: deps.now,
  });

  return {
    service,
    flusher,
    bulk,
    keys,
    async settle() {
      const last = log.nextId() - 1;
      await flusher.flushNow();
      await flusher.waitFor(last);
    },
    async stop() {
      if (reclaimTimer) clearInterval(reclaimTimer);
      await flusher.stop();
      await log.close();
      await keys.close();
    },
  };
}

/** Claims the keys of replayed records a few thousand records at a time; per record, whether it is this log's. */
async function claimInParts(shared: SharedKeys, records: readonly LogRecord<AcceptedBatch>[]): Promise<boolean[]> {
  const mine: boolean[] = [];
  for (let at = 0; at < records.length; at += 1000) {
    const part = records.slice(at, at + 1000);
    mine.push(...(await shared.claim(part.map((r) => ({ appId: r.payload.appId, keys: keysOf(r.payload), firstId: r.firstId })))));
  }
  return mine;
}
