import type { Job, JobRun } from "../jobs/schedule";

/** One stage of a chain as the overview shows it: the job, its last run in this chain, and what that run did. */
export type Stage = { job: Job; run: JobRun | null; written: number | null; read: number | null; notices: string[]; link: string | null };

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** What a step's run wrote and read, in the chain's words: sync counts or rule rows. */
export function stageOf(job: Job, run: JobRun | null): Stage {
  const s = run?.summary ?? {};
  const counts = (s["counts"] ?? {}) as Record<string, unknown>;
  const notices: string[] = [];
  if (run?.error) notices.push(run.error);
  if (typeof s["message"] === "string" && s["message"]) notices.push(s["message"]);
  if (typeof s["reason"] === "string" && s["reason"]) notices.push(s["reason"]);
  let link: string | null = null;
  let written: number | null = null;
  let read: number | null = null;
  if (job.kind === "sync") {
    written = num(counts["written"]);
    read = num(counts["read"]);
    const failed = num(counts["failed"]) ?? 0;
    const unmatched = num(counts["unmatched"]) ?? 0;
    if (failed > 0) notices.push(`${failed.toLocaleString("en-US")} records failed`);
    if (unmatched > 0) notices.push(`${unmatched.toLocaleString("en-US")} unmatched`);
    if (typeof s["syncRun"] === "string") link = `/crm/runs/${encodeURIComponent(s["syncRun"])}`;
  } else if (job.kind === "rule") {
    written = num(s["rowsWritten"]);
    read = num(s["rowsRead"]);
    const errors = num(s["errors"]) ?? 0;
    if (errors > 0) notices.push(`${errors.toLocaleString("en-US")} row errors`);
    const rule = typeof s["rule"] === "string" ? s["rule"] : typeof job.params["rule"] === "string" ? job.params["rule"] : null;
    if (rule && typeof s["ruleRun"] === "string") link = `/success/rules/${encodeURIComponent(rule)}/runs/${encodeURIComponent(s["ruleRun"])}`;
  }
  return { job, run, written, read, notices: [...new Set(notices)], link };
}

/** The chains worth showing on the overview: enabled ones first, the one that runs first in the day first, then by name. */
export function loopChains(jobs: Job[]): Job[] {
  const next = (j: Job) => (j.nextRunAt === null ? Number.MAX_SAFE_INTEGER : j.nextRunAt);
  return jobs.filter((j) => j.kind === "chain").sort((a, b) => Number(b.enabled) - Number(a.enabled) || next(a) - next(b) || a.name.localeCompare(b.name));
}

/** A chain's steps in order, each with its latest run (a chain that never ran shows its steps as never run by it). */
export function chainStages(chain: Job, byId: Map<string, Job>): Stage[] {
  const ids = Array.isArray(chain.params["steps"]) ? (chain.params["steps"] as unknown[]).map(String) : [];
  return ids.flatMap((id) => {
    const job = byId.get(id);
    if (!job) return [];
    // A step's last run belongs to this chain's story only if it started after the chain last did.
    const run = chain.lastRun && job.lastRun && job.lastRun.startedAt >= chain.lastRun.startedAt - 1000 ? job.lastRun : null;
    return [stageOf(job, run)];
  });
}
