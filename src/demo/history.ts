import type { DemoApi } from "./api.js";

const DAY = 86_400_000;
const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** The reports the push sends, as they were created: the history narrows their ranges to a past week. */
export type PushedReport = { id: string; body: Record<string, unknown>; days: number };

/** What the history back-filled, for the summary. */
export type HistoryReport = { weeks: number; from: string; to: string; usageRows: number; scoreChanges: number; ctas: number };

type Run = { id: string; status: string; rowsWritten: number; message: string | null; actions: { type: string; written: number }[] };

/**
 * The rule dates the history runs on: one a week back from today, as far as the generated usage
 * fills a whole 7-day window (the usage score reads the last 7 days), oldest first, today last.
 */
export function historyDates(days: number, now: number): string[] {
  const today = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate());
  const weeks = Math.max(0, Math.floor((days - 6) / 7));
  return Array.from({ length: weeks + 1 }, (_, i) => isoDay(today - (weeks - i) * 7 * DAY));
}

/**
 * Back-fills what a workspace that has run for months would hold, through the public API only and
 * with the real rules: for each past rule date, the reports are narrowed to the days before it, the
 * push writes those figures to the CRM, and rule 1, the health rules and the CTA rule run on that
 * date. Usage rows, score history and CTAs so carry the dates they describe. The reports get their
 * own ranges back at the end.
 */
export async function backfillHistory(
  api: DemoApi,
  input: { reports: PushedReport[]; usageRule: string; scoreRules: string[]; ctaRule: string; days: number; now: number },
  progress: (done: number, total: number) => void,
): Promise<HistoryReport> {
  const dates = historyDates(input.days, input.now);
  const totals = { usageRows: 0, scoreChanges: 0, ctas: 0 };
  const count = (run: Run, type: string) => run.actions.filter((a) => a.type === type).reduce((n, a) => n + a.written, 0);
  const runRule = async (rule: string, date: string): Promise<Run> => {
    const run = await api.call<Run>("POST", `/success/rules/${encodeURIComponent(rule)}/run`, { date });
    if (run.status === "failure") throw new Error(`The rule "${rule}" failed on ${date}: ${run.message ?? "no message"}`);
    return run;
  };
  try {
    for (const [i, date] of dates.entries()) {
      const end = Date.parse(`${date}T00:00:00Z`);
      for (const r of input.reports) await api.call("PUT", `/reports/${r.id}`, { ...r.body, range: { from: isoDay(end - (r.days - 1) * DAY), to: date } });
      const push = await api.call<{ status: string; message: string | null }>("POST", "/sync/runs?wait=true", { pull: false, push: true });
      if (push.status === "failure") throw new Error(`The push for ${date} failed: ${push.message ?? "no message"}`);
      totals.usageRows += count(await runRule(input.usageRule, date), "loadToUsage");
      for (const rule of input.scoreRules) totals.scoreChanges += count(await runRule(rule, date), "setScore");
      await runRule(input.ctaRule, date);
      progress(i + 1, dates.length);
    }
  } finally {
    for (const r of input.reports) await api.call("PUT", `/reports/${r.id}`, r.body);
  }
  // A CTA rule run counts the CTAs it refreshed too; the CTAs it opened are the ones it owns.
  const ctaRule = await api.call<{ id: string }>("GET", `/success/rules/${encodeURIComponent(input.ctaRule)}`);
  totals.ctas = (await api.call<{ total: number }>("GET", `/success/ctas?ruleId=${encodeURIComponent(ctaRule.id)}&limit=1`)).total;
  return { weeks: dates.length, from: dates[0] ?? "", to: dates[dates.length - 1] ?? "", ...totals };
}
