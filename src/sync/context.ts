import type { ObjectInfo, SalesforceClient } from "../salesforce/index.js";
import type { RecordError, RunCounts } from "./store.js";

/** Per-record errors kept on a run; beyond this the counts still tell the whole story. */
export const MAX_RECORD_ERRORS = 1_000;

/** What one run's steps share. */
export type RunContext = {
  runId: string;
  client: SalesforceClient;
  counts: RunCounts;
  errors: RecordError[];
  signal: AbortSignal;
  describe(object: string): Promise<ObjectInfo>;
  /** Orphans already listed in this run (object:record id): a pull and two pushes name each once. */
  orphansSeen: Set<string>;
};

/** Builds the context; describe is asked once per object per run. */
export function createRunContext(runId: string, client: SalesforceClient, counts: RunCounts, errors: RecordError[], signal: AbortSignal): RunContext {
  const described = new Map<string, Promise<ObjectInfo>>();
  return {
    runId,
    client,
    counts,
    errors,
    signal,
    orphansSeen: new Set(),
    describe(object) {
      let d = described.get(object);
      if (!d) described.set(object, (d = client.describe(object)));
      return d;
    },
  };
}

/** Adds per-record errors up to the cap. */
export function addErrors(ctx: RunContext, errors: RecordError[]): void {
  for (const e of errors) {
    if (ctx.errors.length >= MAX_RECORD_ERRORS) return;
    ctx.errors.push(e);
  }
}

/** Thrown between steps when the process is shutting down: the run stays `running` and resumes on the next start. */
export class RunInterrupted extends Error {
  constructor() {
    super("The sync run was interrupted by a shutdown; it resumes on the next start");
    this.name = "RunInterrupted";
  }
}

/** Stops a run at a safe point when the process is shutting down. */
export function checkpoint(ctx: RunContext): void {
  if (ctx.signal.aborted) throw new RunInterrupted();
}

/** Lists orphans not yet listed in this run and counts them. */
export function addOrphans(ctx: RunContext, orphans: RecordError[]): void {
  const fresh = orphans.filter((o) => !ctx.orphansSeen.has(`${o.object}:${o.recordId ?? ""}`));
  for (const o of fresh) ctx.orphansSeen.add(`${o.object}:${o.recordId ?? ""}`);
  ctx.counts.orphans += fresh.length;
  ctx.counts.skipped += fresh.length;
  addErrors(ctx, fresh);
}
