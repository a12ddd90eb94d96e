import { ApiError } from "../server/errors.js";
import type { AcceptedBatch } from "./accepted.js";
import type { App } from "./apps.js";
import type { EventNameBudget } from "./event-name-budget.js";
import { acceptAgentBatch, acceptTrackEvents, type IngestContext, type IngestMode } from "./ingest.js";
import { IngestLogUnavailableError, type IngestLog } from "./ingest-log.js";
import type { AgentBatch, AgentEvent, ImportEvent, TrackEvent } from "./ingest-schema.js";

const RECENT_BATCH_IDS = 200_000;
/** Seconds a refused sender is asked to wait: about one flush interval. */
const RETRY_AFTER_SECONDS = 1;

export type IngestServiceDeps = {
  log: () => IngestLog<AcceptedBatch>;
  now: () => number;
  maxAgeDays: number;
  eventNames: Map<string, Set<string>>;
  /** Bytes logged but not yet in the event store (the flusher's backlog). */
  backlogBytes: () => number;
  /** Above this backlog, live batches are refused with 503 before they reach the log. */
  maxBacklogBytes: number;
  /** How fast live senders may add new event names (absent: only the app's total budget applies). */
  nameBudget?: EventNameBudget;
};

/** Accepts validated batches into the durable log; remembers recent agent batch ids to drop retries. */
export function createIngestService(deps: IngestServiceDeps) {
  const recent = new Map<string, true>();

  /**
   * Backpressure: refuses a live batch while the event store lags the log by more than the bound,
   * so the backlog held in memory stays bounded. Nothing was logged, so nothing was acknowledged.
   */
  const admit = (): void => {
    if (deps.backlogBytes() <= deps.maxBacklogBytes) return;
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

  const write = async (batches: AcceptedBatch[], newNames: Set<string>, appId: string): Promise<number> => {
    const names = namesOf(appId);
    for (const n of newNames) names.add(n);
    try {
      let last = 0;
      // Appends are issued together so they share one group commit.
      const records = await Promise.all(batches.map((b) => deps.log().append(b.events.length, b)));
      for (const r of records) last = Math.max(last, r.firstId + r.count - 1);
      return last;
    } catch (e) {
      if (e instanceof IngestLogUnavailableError) throw new ApiError(503, "INGEST_UNAVAILABLE", e.message);
      throw e;
    }
  };

  const context = (app: App): IngestContext => ({ appId: app.id, now: deps.now(), maxAgeDays: deps.maxAgeDays, knownEventNames: namesOf(app.id), ...(deps.nameBudget ? { nameBudget: deps.nameBudget } : {}) });

  /** Validates historical events as `import` does, without writing them (the bulk loader writes them itself). */
  const acceptImport = (app: App, events: readonly ImportEvent[]): { batches: AcceptedBatch[]; newNames: Set<string> } => {
    const groups: AgentBatch[] = [];
    events.forEach((e, i) => {
      if (e.type !== "track" && e.url === undefined) throw new ApiError(400, "URL_REQUIRED", "Page loads, clicks and focus events need a url", `events[${i}].url`);
      const agentEvent: AgentEvent = { type: e.type, ts: e.timestamp, url: e.url ?? "" };
      if (e.title !== undefined) agentEvent.title = e.title;
      if (e.tab !== undefined) agentEvent.tab = e.tab;
      if (e.element !== undefined) agentEvent.element = e.element;
      if (e.event !== undefined) agentEvent.name = e.event;
      if (e.properties !== undefined) agentEvent.props = e.properties;
      const last = groups.at(-1);
      const accountId = e.accountId ?? "";
      if (last && last.visitor.id === e.visitorId && (last.account?.id ?? "") === accountId) last.events.push(agentEvent);
      else groups.push({ visitor: { id: e.visitorId }, ...(accountId ? { account: { id: accountId } } : {}), events: [agentEvent] });
    });
    const batches: AcceptedBatch[] = [];
    const allNames = new Set<string>();
    let offset = 0;
    for (const g of groups) {
      try {
        const { batch, newNames } = acceptAgentBatch(g, context(app), { live: false });
        for (const ev of batch.events) if (ev.url === "") ev.url = null;
        batches.push(batch);
        for (const n of newNames) allNames.add(n);
      } catch (e) {
        // Point at the import line, not the position inside the group.
        if (e instanceof ApiError && e.field) {
          const m = /^events\[(\d+)\](.*)$/.exec(e.field);
          if (m) throw new ApiError(e.status, e.code, e.message, `events[${offset + Number(m[1])}]${m[2] ?? ""}`);
        }
        throw e;
      }
      offset += g.events.length;
    }
    return { batches, newNames: allNames };
  };

  return {
    /** A browser agent batch. Returns the events accepted and the last event id (0 for a repeat). */
    async agentBatch(app: App, body: AgentBatch, mode: IngestMode = { live: true }): Promise<{ accepted: number; lastId: number; duplicate: boolean; folded: number }> {
      const key = body.batchId ? `${app.id}\u0000${body.batchId}` : undefined;
      if (key && recent.has(key)) return { accepted: body.events.length, lastId: 0, duplicate: true, folded: 0 };
      // Before the batch id is remembered: a refused batch must be stored when it is sent again.
      admit();
      const { batch, newNames, folded } = acceptAgentBatch(body, context(app), mode);
      if (key) {
        recent.set(key, true);
        if (recent.size > RECENT_BATCH_IDS) recent.delete(recent.keys().next().value as string);
      }
      try {
        const lastId = await write([batch], newNames, app.id);
        return { accepted: batch.events.length, lastId, duplicate: false, folded };
      } catch (e) {
        if (key) recent.delete(key);
        throw e;
      }
    },
    /** Server-side track events (one call may carry many). */
    async track(app: App, events: TrackEvent[], mode: IngestMode = { live: true }): Promise<{ accepted: number; lastId: number; folded: number }> {
      admit();
      const { batches, newNames, folded } = acceptTrackEvents(events, context(app), mode);
      return { accepted: events.length, lastId: await write(batches, newNames, app.id), folded };
    },
    /** Historical events: the agent's validation without the age limit, grouped per visitor and account. */
    async import(app: App, events: ImportEvent[]): Promise<{ accepted: number; lastId: number }> {
      const { batches, newNames } = acceptImport(app, events);
      return { accepted: events.length, lastId: await write(batches, newNames, app.id) };
    },
    acceptImport,
    /** Throws the 503 INGEST_BUSY ApiError (with Retry-After) while the backlog is over its bound. */
    admit,
  };
}

export type IngestService = ReturnType<typeof createIngestService>;
