import type { Job as StoredJob, JobRun } from "../../../../src/jobs/index.js";
import { duration } from "../../components/dates";

export type { JobRun };
/** A job as GET /jobs shows it, with its last run (the server's types). */
export type Job = StoredJob & { lastRun: JobRun | null };

/** The friendly schedule forms the server reads (src/jobs/schedule.ts), as examples for people. */
export const SCHEDULE_EXAMPLES = ["daily at 00:30", "weekdays at 07:00", "weekly on monday at 02:00", "monthly on day 1 at 03:00", "every 15 minutes", "hourly"];

const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const pad = (n: string) => n.padStart(2, "0");

/** A schedule in words: friendly forms as written, common cron shapes spelled out, others as cron. */
export function scheduleWords(schedule: string | null, timeZone: string): string {
  if (!schedule) return "Not scheduled";
  const s = schedule.trim();
  const zone = ` (${timeZone})`;
  if (/^[a-z]/i.test(s)) return `${s.charAt(0).toUpperCase()}${s.slice(1)}${/every|hourly/i.test(s) ? "" : zone}`;
  const parts = s.split(/\s+/);
  if (parts.length === 5) {
    const [m, h, dom, mon, dow] = parts as [string, string, string, string, string];
    const fixed = /^\d+$/.test(m) && /^\d+$/.test(h);
    const at = fixed ? `${pad(h)}:${pad(m)}` : "";
    if (fixed && dom === "*" && mon === "*" && dow === "*") return `Daily at ${at}${zone}`;
    if (fixed && dom === "*" && mon === "*" && dow === "1-5") return `Weekdays at ${at}${zone}`;
    if (fixed && dom === "*" && mon === "*" && /^[0-6]$/.test(dow)) return `Weekly on ${DAYS[Number(dow)]} at ${at}${zone}`;
    if (fixed && /^\d+$/.test(dom) && mon === "*" && dow === "*") return `Monthly on day ${dom} at ${at}${zone}`;
    const every = /^\*\/(\d+)$/.exec(m);
    if (every && h === "*" && dom === "*" && mon === "*" && dow === "*") return `Every ${every[1]} minutes`;
    if (m === "0" && h === "*" && dom === "*" && mon === "*" && dow === "*") return "Hourly";
  }
  return `Cron ${s}${zone}`;
}

/** How long a run took ("running" while it runs). */
export function took(run: Pick<JobRun, "startedAt" | "finishedAt">): string {
  return duration(run.startedAt, run.finishedAt);
}

export { relativeTime as relative } from "../../components/dates";

const num = (v: unknown): string => (typeof v === "number" ? v.toLocaleString("en-US") : "0");

/** What a run did, in a line: counts of a sync, rows of a rule, steps of a chain, or why it failed. */
export function summaryWords(kind: string, run: JobRun): string {
  const s = run.summary;
  if (run.error) return run.error;
  if (kind === "chain") {
    const steps = Array.isArray(s["steps"]) ? (s["steps"] as { status: string }[]) : [];
    const ok = steps.filter((x) => x.status === "success").length;
    const notices = run.notices ? `, with ${num(run.notices)} notices` : "";
    return `${ok} of ${steps.length} steps succeeded${notices}${typeof s["stoppedAt"] === "string" ? `; stopped at ${s["stoppedAt"]}` : ""}`;
  }
  if (typeof s["reason"] === "string") return s["reason"];
  if (kind === "sync" && s["counts"] && typeof s["counts"] === "object") {
    const c = s["counts"] as Record<string, unknown>;
    const msg = typeof s["message"] === "string" && s["message"] ? ` · ${s["message"]}` : "";
    const notices = run.notices ? ` · ${num(run.notices)} notices (duplicates ${num(c["duplicates"])}, unmatched ${num(c["unmatched"])}, orphans ${num(c["orphans"])}, refused ${num(c["refused"])})` : "";
    return `read ${num(c["read"])}, changed ${num(c["changed"])}, wrote ${num(c["written"])}, failed ${num(c["failed"])}${notices} · ${num(s["apiCalls"])} API calls${msg}`;
  }
  if (kind === "rule") {
    const msg = typeof s["message"] === "string" && s["message"] ? ` · ${s["message"]}` : "";
    // A rule run that succeeded skipped its refused rows as notices (ADR 0012), as `pendulum rules` says.
    const skipped = run.status === "success" ? `${num(run.notices)} notices` : `${num(s["errors"])} errors`;
    return `read ${num(s["rowsRead"])} rows, wrote ${num(s["rowsWritten"])}, ${skipped}${msg}`;
  }
  return "";
}
