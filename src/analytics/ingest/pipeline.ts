import { idRangeOf, type ClickHouseEventStore, type DuckDbEventStore, type IdRange } from "../../store/index.js";
import type { MetadataStore } from "../metadata.js";
import type { AcceptedBatch } from "./accepted.js";
import { createBulkLoader, sweepBulkStaging, type BulkLoader } from "./bulk.js";
import { Dictionary } from "./dictionary.js";
import { createFlusher, type AfterFlush, type Flusher } from "./flusher.js";
import { openIngestLog } from "./log.js";
import { createEventNameBudget } from "./event-name-budget.js";
import { createIngestService, type IngestService } from "./service.js";
import { openKeyStore, type KeyStore } from "./key-store.js";

export type IngestPipelineDeps = {
  /** The folder of the durable log (`<data>/ingest-log`). */
  logDir: string;
  /** The folder of the stored idempotency keys (`<data>/ingest-keys`). */
  keysDir: string;
  /** Size at which a log segment is closed (64 MiB by default). */
  segmentBytes?: number;
  /** The data folder's DuckDB, or ClickHouse in server mode (the flusher only appends: any `EventStore`). */
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
      flusher.enqueue(r, frame);
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
  for (const r of unflushed) {
    for (const e of r.payload.events) if (e.type === "track" && e.name) namesOf(r.payload.appId).add(e.name);
    keys.recovered(r.payload, r.firstId + r.count - 1);
    flusher.enqueue(r);
  }
  keys.seal();
  if (unflushed.length > 0) await flusher.flushNow();
  // Keys of records stored before a crash that had not reached a key file yet.
  await keys.persistThrough(flushedId);
  flusher.start();

  const service = createIngestService({
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
      await flusher.stop();
      await log.close();
      await keys.close();
    },
  };
}
