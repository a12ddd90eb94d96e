import diagnostics from "node:diagnostics_channel";
import { ApiError } from "../../kernel/index.js";
import type { AcceptedBatch } from "./accepted.js";
import type { App } from "../apps.js";
import type { Claim, KeyStore } from "./key-store.js";
import { acceptAgentBatchSliced, acceptImportRun, acceptTrackRun, checkImportUrls, runsOf, type IngestContext, type IngestMode, type Run } from "./validate.js";
import { IngestLogUnavailableError, type IngestLog, type LogRecord } from "./log.js";
import { NEW_NAMES_PER_APP_MINUTE, NEW_NAMES_PER_VISITOR_MINUTE, OVERFLOW_EVENT_NAME, type EventNameBudget } from "./event-name-budget.js";
import { MAX_EVENT_NAMES_PER_APP, type AgentBatch, type ImportEvent, type TrackEvent } from "./schema.js";

/** Seconds a refused sender is asked to wait: about one flush interval. */
const RETRY_AFTER_SECONDS = 1;

export type IngestServiceDeps = {
  log: IngestLog<AcceptedBatch>;
  /** The idempotency keys stored within the window (agent batch ids, message ids, Idempotency-Keys). */
  keys: Pick<KeyStore, "claim">;
  now: () => number;
  maxAgeDays: number;
  eventNames: Map<string, Set<string>>;
  /** Bytes logged but not yet in the event store (the flusher's backlog). */
  backlogBytes: () => number;
  /** Above this backlog, live batches are refused with 503 before they reach the log. */
  maxBacklogBytes: number;
  /** How fast live senders may add new event names (absent: only the app's total budget applies). */
  nameBudget?: EventNameBudget;
  /**
   * Server mode: claims the keys of records just made durable in the table every process shares,
   * per record `false` when another process holds them (the record is then never stored here and
   * its events are answered as duplicates). Throws when the claim cannot be made.
   */
  claimShared?: (records: readonly LogRecord<AcceptedBatch>[]) => Promise<boolean[]>;
};

/**
 * What one write call did. `accepted` counts every event of the request; `duplicate` says none
 * was stored because all were stored before; `duplicates` counts the repeats of a partial one.
 */
export type IngestResult = { accepted: number; lastId: number; duplicate?: true; duplicates?: number; folded?: number };

/** The notice an answer carries when event names were folded (the events themselves were kept). */
export type FoldedNotice = { code: "EVENT_NAMES_FOLDED"; folded: number; message: string };

/** What an endpoint answers for a write: the counts, without the internal event id. */
export function answerOf(r: IngestResult): { accepted: number; duplicate?: true; duplicates?: number; notice?: FoldedNotice } {
  return { accepted: r.accepted, ...(r.duplicate ? { duplicate: true as const } : {}), ...(r.duplicates ? { duplicates: r.duplicates } : {}), ...(r.folded ? { notice: foldedNotice(r.folded) } : {}) };
}

function foldedNotice(folded: number): FoldedNotice {
  return {
    code: "EVENT_NAMES_FOLDED",
    folded,
    message: `${folded} event(s) had a name new to this app beyond its budget (${MAX_EVENT_NAMES_PER_APP} names, ${NEW_NAMES_PER_APP_MINUTE} new a minute, ${NEW_NAMES_PER_VISITOR_MINUTE} new per visitor a minute); they were stored under the name "${OVERFLOW_EVENT_NAME}". Reuse names and put variations in properties.`,
  };
}

/**
 * Published (with `{ appId, events }`) when an agent batch has been validated and serialised and
 * is about to be written to the log: the end of its CPU work. Observability, and the test that
 * `/health` answers while a large batch is validated (test/health-while-busy.test.ts).
 */
export const AGENT_BATCH_VALIDATED = diagnostics.channel("pendulum.ingest.agent-batch-validated");

/** A run of a request after its repeats are dropped, with the keys its record makes known. */
type KeptRun<E> = { run: Run<E>; keys: string[] };

/** Accepts validated batches into the durable log, once per idempotency key (ADR 0008). */
export function createIngestService(deps: IngestServiceDeps) {
  /**
   * Backpressure: refuses a live batch while the event store lags the log by more than the bound,
   * so the backlog held in memory stays bounded. Nothing was logged, so nothing was acknowledged.
   */
  // Bytes of the agent batches being validated now (their request bodies): counted with the
  // backlog, so many large batches validated at once cannot pile up in memory beyond the bound.
  let inFlightBytes = 0;
  const admit = (own = 0): void => {
    if (deps.backlogBytes() + inFlightBytes - own <= deps.maxBacklogBytes) return;
    throw new ApiError(
      503,
      "INGEST_BUSY",
      `Pendulum is storing a backlog of events and accepts new batches again shortly; nothing from this batch was kept, so send it again after ${RETRY_AFTER_SECONDS} s (Retry-After).`,
      undefined,
      undefined,
      { "retry-after": String(RETRY_AFTER_SECONDS) },
    );
  };

  const namesOf = (appId: string): Set<string> => {
    let s = deps.eventNames.get(appId);
    if (!s) deps.eventNames.set(appId, (s = new Set()));
    return s;
  };

  /** Writes records to the log; returns the last id and the events of records another process stores (duplicates). */
  const write = async (batches: AcceptedBatch[], newNames: Set<string>, appId: string, json?: string): Promise<{ lastId: number; elsewhere: number }> => {
    const names = namesOf(appId);
    for (const n of newNames) names.add(n);
    let records: LogRecord<AcceptedBatch>[];
    try {
      // Appends are issued together so they share one group commit.
      records = await Promise.all(batches.map((b) => deps.log.append(b.events.length, b, batches.length === 1 ? json : undefined)));
    } catch (e) {
      if (e instanceof IngestLogUnavailableError) throw new ApiError(503, "INGEST_UNAVAILABLE", e.message);
      throw e;
    }
    let last = 0;
    for (const r of records) last = Math.max(last, r.firstId + r.count - 1);
    if (!deps.claimShared) return { lastId: last, elsewhere: 0 };
    // Durable here first, then claimed: a claim always names events some log holds (ADR 0008).
    let mine: boolean[];
    try {
      mine = await deps.claimShared(records);
    } catch (e) {
      console.error("pendulum: claiming idempotency keys in PostgreSQL failed", e);
      // Logged, so kept: the pipeline claims it again until it can, and a retry here is a duplicate.
      throw new ApiError(
        503,
        "INGEST_UNAVAILABLE",
        `The batch was written to this process's log but its idempotency key could not be checked in PostgreSQL (${e instanceof Error ? e.message : String(e)}); send it again after ${RETRY_AFTER_SECONDS} s with the same key, and it is stored once.`,
        undefined,
        undefined,
        { "retry-after": String(RETRY_AFTER_SECONDS) },
      );
    }
    let elsewhere = 0;
    records.forEach((r, i) => {
      if (!mine[i]) elsewhere += r.count;
    });
    return { lastId: last, elsewhere };
  };

  const context = (app: App): IngestContext & { folded: { count: number } } => ({
    appId: app.id,
    now: deps.now(),
    maxAgeDays: deps.maxAgeDays,
    knownEventNames: namesOf(app.id),
    ...(deps.nameBudget ? { nameBudget: deps.nameBudget } : {}),
    folded: { count: 0 },
  });

  /**
   * Drops the repeats of a request cut into runs. With a request key, run `i` is known by
   * `<kind>:<key>#<i>` (a retry of the same request cuts the same runs), so a request whose
   * records were partly durable when the process died stores only the rest. Events with a
   * message id are known by `m:<id>` on their own. Runs left empty are dropped.
   */
  const claimRuns = async <E extends { messageId?: string | undefined }>(appId: string, runs: Run<E>[], kind: "t" | "i", requestKey: string | undefined): Promise<{ kept: KeptRun<E>[]; repeats: number; claim: Claim }> => {
    const keys: string[] = [];
    const runKey = runs.map((_, i) => (requestKey === undefined ? -1 : keys.push(`${kind}:${requestKey}#${i}`) - 1));
    const eventKey = runs.map((r) => r.events.map(({ event }) => (event.messageId === undefined ? -1 : keys.push(`m:${event.messageId}`) - 1)));
    const claim = await deps.keys.claim(appId, keys);
    const kept: KeptRun<E>[] = [];
    let repeats = 0;
    runs.forEach((run, i) => {
      const own = runKey[i] as number;
      if (own >= 0 && claim.repeat[own]) {
        repeats += run.events.length;
        return;
      }
      const events: Run<E>["events"] = [];
      const runKeys = own >= 0 ? [keys[own] as string] : [];
      run.events.forEach((e, j) => {
        const k = (eventKey[i] as number[])[j] as number;
        if (k >= 0 && claim.repeat[k]) repeats++;
        else {
          events.push(e);
          if (k >= 0) runKeys.push(keys[k] as string);
        }
      });
      if (events.length > 0) kept.push({ run: { ...run, events }, keys: runKeys });
    });
    return { kept, repeats, claim };
  };

  const result = (accepted: number, lastId: number, repeats: number): IngestResult => {
    if (repeats === 0) return { accepted, lastId };
    return repeats === accepted ? { accepted, lastId, duplicate: true } : { accepted, lastId, duplicates: repeats };
  };

  /** Validates historical events as `import` does, per run, each run's keys on its record. */
  const acceptImportRuns = (app: App, kept: KeptRun<ImportEvent>[]): { batches: AcceptedBatch[]; newNames: Set<string> } => {
    checkImportUrls(kept.flatMap((k) => k.run.events));
    const batches: AcceptedBatch[] = [];
    const newNames = new Set<string>();
    for (const { run, keys } of kept) {
      const accepted = acceptImportRun(run, context(app));
      if (keys.length > 0) accepted.batch.keys = keys;
      batches.push(accepted.batch);
      for (const n of accepted.newNames) newNames.add(n);
    }
    return { batches, newNames };
  };

  return {
    /** A browser agent batch. Returns the events accepted and the last event id (0 for a repeat). */
    /** `bodyBytes`: the request body's size, counted as in flight from admission until it is logged. */
    async agentBatch(app: App, body: AgentBatch, mode: IngestMode = { live: true }, bodyBytes = 0): Promise<{ accepted: number; lastId: number; duplicate: boolean; folded: number }> {
      // The repeat check comes first: a retry of a stored batch is a success even when its events
      // have grown too old for a live endpoint since, or while the backlog is over its bound.
      const claim = body.batchId === undefined ? undefined : await deps.keys.claim(app.id, [`b:${body.batchId}`]);
      let own = 0;
      try {
        if (claim?.repeat[0]) return { accepted: body.events.length, lastId: 0, duplicate: true, folded: 0 };
        admit();
        own = bodyBytes;
        inFlightBytes += own;
        const ctx = context(app);
        // Validated a slice at a time, yielding between slices: a large batch does not hold the
        // event loop (issue 15). The backlog is checked again after it (it may have grown meanwhile);
        // a batch is never refused for its own bytes, so one larger than the bound still goes in alone.
        const { batch, newNames, json } = await acceptAgentBatchSliced(body, ctx, mode);
        admit(own);
        if (AGENT_BATCH_VALIDATED.hasSubscribers) AGENT_BATCH_VALIDATED.publish({ appId: app.id, events: batch.events.length });
        const { lastId, elsewhere } = await write([batch], newNames, app.id, json);
        // Another process claimed this batch id first (a retry sent to two processes): it stores it.
        if (elsewhere > 0) return { accepted: body.events.length, lastId: 0, duplicate: true, folded: 0 };
        return { accepted: batch.events.length, lastId, duplicate: false, folded: ctx.folded.count };
      } finally {
        inFlightBytes -= own;
        claim?.end();
      }
    },
    /** Server-side track events (one call may carry many), once per message id and per Idempotency-Key. */
    async track(app: App, events: TrackEvent[], options: { mode?: IngestMode; requestKey?: string } = {}): Promise<IngestResult> {
      const { kept, repeats, claim } = await claimRuns(app.id, runsOf(events), "t", options.requestKey);
      try {
        if (kept.length === 0) return result(events.length, 0, repeats);
        admit();
        const ctx = context(app);
        const newNames = new Set<string>();
        const batches = kept.map(({ run, keys }) => {
          const batch = acceptTrackRun(run, ctx, options.mode ?? { live: true }, events.length === 1, newNames);
          if (keys.length > 0) batch.keys = keys;
          return batch;
        });
        const { lastId, elsewhere } = await write(batches, newNames, app.id);
        return { ...result(events.length, lastId, repeats + elsewhere), ...(ctx.folded.count > 0 ? { folded: ctx.folded.count } : {}) };
      } finally {
        claim.end();
      }
    },
    /** Historical events: the agent's validation without the age limit, once per message id and per Idempotency-Key. */
    async import(app: App, events: ImportEvent[], options: { requestKey?: string } = {}): Promise<IngestResult> {
      const { kept, repeats, claim } = await claimRuns(app.id, runsOf(events), "i", options.requestKey);
      try {
        if (kept.length === 0) return result(events.length, 0, repeats);
        const { batches, newNames } = acceptImportRuns(app, kept);
        const { lastId, elsewhere } = await write(batches, newNames, app.id);
        return result(events.length, lastId, repeats + elsewhere);
      } finally {
        claim.end();
      }
    },
    /** Validates historical events as `import` does, without writing them (the bulk loader writes them itself; keys are not kept there). */
    acceptImport(app: App, events: readonly ImportEvent[]): { batches: AcceptedBatch[]; newNames: Set<string> } {
      return acceptImportRuns(
        app,
        runsOf(events).map((run) => ({ run, keys: [] })),
      );
    },
    /** Throws the 503 INGEST_BUSY ApiError (with Retry-After) while the backlog and the batches in flight are over the bound. */
    admit: (): void => admit(),
    /** Bytes of the agent batches admitted and not yet logged (or refused). */
    inFlightBytes: () => inFlightBytes,
  };
}

export type IngestService = ReturnType<typeof createIngestService>;
