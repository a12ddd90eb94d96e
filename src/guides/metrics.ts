import type { GuidesTables } from "./tables.js";

type Row = Pick<GuidesTables["guide_events"], "type" | "step" | "view_id" | "visitor_id" | "duration_ms" | "button" | "score" | "choice">;

/** A guide's metrics over a range. Rates are fractions of views (0–1); times in ms. */
export type GuideMetrics = {
  views: number;
  uniqueVisitors: number;
  completed: number;
  dismissed: number;
  completionRate: number | null;
  dismissalRate: number | null;
  /** Views that reached each step (0-based), with the share of views. */
  funnel: { step: number; views: number; rate: number | null }[];
  timeOnGuideMs: { average: number | null; median: number | null };
  buttons: { label: string; clicks: number }[];
  pollAnswers: { value: string; count: number }[];
};

const rate = (n: number, d: number): number | null => (d === 0 ? null : Math.round((n / d) * 10000) / 10000);

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : Math.round(((s[mid - 1] as number) + (s[mid] as number)) / 2);
}

/** Metrics of one guide from its events. A view is one display (the agent's view id). */
export function guideMetrics(rows: readonly Row[], stepCount: number): GuideMetrics {
  const views = new Set<string>();
  const visitors = new Set<string>();
  const completed = new Set<string>();
  const dismissed = new Set<string>();
  const stepViews = Array.from({ length: stepCount }, () => new Set<string>());
  const durations: number[] = [];
  const buttons = new Map<string, number>();
  const answers = new Map<string, number>();
  for (const r of rows) {
    switch (r.type) {
      case "shown":
        views.add(r.view_id);
        visitors.add(r.visitor_id);
        break;
      case "step_shown":
        stepViews[r.step]?.add(r.view_id);
        break;
      case "completed":
      case "dismissed":
        (r.type === "completed" ? completed : dismissed).add(r.view_id);
        if (r.duration_ms !== null) durations.push(Number(r.duration_ms));
        break;
      case "button_clicked":
        if (r.button) buttons.set(r.button, (buttons.get(r.button) ?? 0) + 1);
        break;
      case "poll_answered": {
        const v = r.score !== null ? String(r.score) : r.choice;
        if (v !== null) answers.set(v, (answers.get(v) ?? 0) + 1);
        break;
      }
    }
  }
  const n = views.size;
  return {
    views: n,
    uniqueVisitors: visitors.size,
    completed: completed.size,
    dismissed: dismissed.size,
    completionRate: rate(completed.size, n),
    dismissalRate: rate(dismissed.size, n),
    funnel: stepViews.map((s, step) => ({ step, views: s.size, rate: rate(s.size, n) })),
    timeOnGuideMs: { average: durations.length ? Math.round(durations.reduce((a, b) => a + b, 0) / durations.length) : null, median: median(durations) },
    buttons: [...buttons].map(([label, clicks]) => ({ label, clicks })).sort((a, b) => b.clicks - a.clicks),
    pollAnswers: [...answers].map(([value, count]) => ({ value, count })).sort((a, b) => (a.value < b.value ? -1 : 1)),
  };
}
