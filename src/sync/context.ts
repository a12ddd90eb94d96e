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
  /** Notices already listed in this run (code, object, record): a pull and two pushes name each record once. */
  noticesSeen: Set<string>;
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
    noticesSeen: new Set(),
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

const COUNT_OF: Record<string, "duplicates" | "unmatched" | "orphans"> = { DUPLICATE_KEY: "duplicates", UNMATCHED: "unmatched", ORPHAN: "orphans" };

/**
 * Lists link notices (duplicates, unmatched ids, orphans) not yet listed in this run and counts
 * them: a record skipped by the pull and by two push mappings is one notice of the run, not three.
 */
export function addNotices(ctx: RunContext, notices: RecordError[]): void {
  const fresh: RecordError[] = [];
  for (const n of notices) {
    const id = `${n.code}:${n.object}:${n.recordId ?? ""}:${n.key ?? ""}`;
    if (ctx.noticesSeen.has(id)) continue;
    ctx.noticesSeen.add(id);
    fresh.push(n);
    const count = COUNT_OF[n.code];
    if (count) ctx.counts[count]++;
  }
  ctx.counts.skipped += fresh.length;
  addErrors(ctx, fresh);
}
