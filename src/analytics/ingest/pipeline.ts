import type { DuckDbEventStore } from "../../store/index.js";
import type { MetadataStore } from "../metadata.js";
import type { AcceptedBatch } from "./accepted.js";
import { createBulkLoader, sweepBulkStaging, type BulkLoader } from "./bulk.js";
import { Dictionary } from "./dictionary.js";
import { createFlusher, type AfterFlush, type Flusher } from "./flusher.js";
import { openIngestLog } from "./log.js";
import { createIngestService, type IngestService } from "./service.js";

export type IngestPipelineDeps = {
  /** The folder of the durable log (`<data>/ingest-log`). */
  logDir: string;
  events: DuckDbEventStore;
  metadata: MetadataStore;
  now: () => number;
  flushIntervalMs: number;
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
  const swept = await sweepBulkStaging(deps.events);
  if (swept.length > 0) report(`pendulum: dropped ${swept.length} staging table(s) an interrupted bulk load left behind`);

  // Distinct track event names per app: the per-app name budget is checked against them.
  const eventNames = new Map<string, Set<string>>();
  const namesOf = (appId: string): Set<string> => {
    let s = eventNames.get(appId);
    if (!s) eventNames.set(appId, (s = new Set()));
    return s;
  };
  for (const { appId, name } of await deps.metadata.allEventNames()) namesOf(appId).add(name);

  const dictionaries = { urls: new Dictionary(await deps.events.dictionary("urls")), elements: new Dictionary(await deps.events.dictionary("elements")) };
  const flushedId = await deps.events.maxEventId();
  // The log and the flusher feed each other: the log hands each durable record to the flusher,
  // and the flusher lets the log drop segments it has stored. The log calls back only for appends,
  // and nothing appends before this function returns, so the flusher exists by then.
  const { log, unflushed } = await openIngestLog<AcceptedBatch>(deps.logDir, flushedId, (r, frame) => flusher.enqueue(r, frame));
  const flusher = createFlusher({
    events: deps.events,
    metadata: deps.metadata,
    urls: dictionaries.urls,
    elements: dictionaries.elements,
    intervalMs: deps.flushIntervalMs,
    afterFlush: deps.afterFlush,
    onFlushed: (id) => log.truncateThrough(id),
    onError: (e) => report("pendulum: flushing events failed; will retry", e),
  });
  flusher.setFlushedId(flushedId);
  // Replay what was acknowledged but not yet in the event store when the last process stopped.
  for (const r of unflushed) {
    for (const e of r.payload.events) if (e.type === "track" && e.name) namesOf(r.payload.appId).add(e.name);
    flusher.enqueue(r);
  }
  if (unflushed.length > 0) await flusher.flushNow();
  flusher.start();

  const service = createIngestService({
    log,
    now: deps.now,
    maxAgeDays: deps.maxEventAgeDays,
    eventNames,
    backlogBytes: () => flusher.backlogBytes(),
    maxBacklogBytes: deps.maxBacklogBytes,
  });
  const bulk = createBulkLoader({
    events: deps.events,
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
    async settle() {
      const last = log.nextId() - 1;
      await flusher.flushNow();
      await flusher.waitFor(last);
    },
    async stop() {
      await flusher.stop();
      await log.close();
    },
  };
}
