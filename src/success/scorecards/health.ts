import { Type, type Static } from "@sinclair/typebox";
import type { Kysely } from "kysely";
import { addDays, dayOf } from "../dates.js";
import type { SuccessTables } from "../tables.js";
import { rangeOf, type ScoringScheme } from "./scheme.js";

/** The label counted for customers with no health score. */
export const UNSCORED = "No score";

const Counts = Type.Record(Type.String(), Type.Integer({ minimum: 0 }));
const MeasureChange = Type.Object({
  measure: Type.Union([Type.String(), Type.Null()]),
  label: Type.Union([Type.String(), Type.Null()]),
  before: Type.Union([Type.Number(), Type.Null()]),
  after: Type.Number(),
  comment: Type.Union([Type.String(), Type.Null()]),
  asOf: Type.String(),
  runId: Type.Union([Type.String(), Type.Null()]),
});
export const HealthSummarySchema = Type.Object({
  /** The scheme's ranges, lowest first; their labels are the keys of every count. */
  ranges: Type.Array(Type.Object({ label: Type.String(), from: Type.Number(), to: Type.Number(), colour: Type.Optional(Type.String()) })),
  today: Type.String(),
  customers: Type.Integer(),
  /** Customers per range label now (and `No score`). */
  current: Counts,
  /** Customers per range label at the end of each day, oldest first. */
  trend: Type.Array(Type.Object({ date: Type.String(), counts: Counts })),
  /** Customers whose overall health moved in the last `movedDays` days, biggest change of range first, with the measures that moved it. */
  moved: Type.Array(
    Type.Object({
      accountId: Type.String(),
      name: Type.String(),
      before: Type.Union([Type.Number(), Type.Null()]),
      after: Type.Union([Type.Number(), Type.Null()]),
      labelBefore: Type.Union([Type.String(), Type.Null()]),
      labelAfter: Type.Union([Type.String(), Type.Null()]),
      changes: Type.Array(MeasureChange),
    }),
  ),
  movedDays: Type.Integer(),
});
/** GET /success/health: the health split now and over time, and who moved. */
export type HealthSummary = Static<typeof HealthSummarySchema>;

/** One overall-score change of one customer, as history keeps it. */
export type HealthPoint = { accountId: string; asOf: string; at: number; overallBefore: number | null; overallAfter: number | null; measure: string | null; label: string | null; measureBefore: number | null; measureAfter: number; comment: string | null; runId: string | null };

/**
 * The overall score of each customer at the end of `day`: the last change on or before that day; before
 * its first change, the score it had then (`overallBefore`); with no history at all, its score now.
 */
function scoreOn(points: HealthPoint[] | undefined, day: string, now: number | null): number | null {
  if (!points || points.length === 0) return now;
  let found: HealthPoint | undefined;
  for (const p of points) {
    if (p.asOf > day) break;
    found = p;
  }
  return found ? found.overallAfter : (points[0] as HealthPoint).overallBefore;
}

/**
 * Builds the health summary from customers' current scores and their history (sorted by day, then
 * by time written). Pure, so the arithmetic is tested without a database.
 */
export function summariseHealth(input: {
  scheme: ScoringScheme;
  customers: { accountId: string; name: string; healthScore: number | null }[];
  history: HealthPoint[];
  today: string;
  days: number;
  movedDays: number;
  movedLimit: number;
}): HealthSummary {
  const { scheme } = input;
  const labelOf = (score: number | null): string => (score === null ? UNSCORED : rangeOf(scheme, score).label);
  const byAccount = new Map<string, HealthPoint[]>();
  for (const p of input.history) {
    const list = byAccount.get(p.accountId);
    if (list) list.push(p);
    else byAccount.set(p.accountId, [p]);
  }
  const empty = (): Record<string, number> => Object.fromEntries([...scheme.ranges.map((r) => [r.label, 0] as const), [UNSCORED, 0] as const]);
  const current = empty();
  for (const c of input.customers) current[labelOf(c.healthScore)] = (current[labelOf(c.healthScore)] ?? 0) + 1;
  const trend: HealthSummary["trend"] = [];
  for (let i = input.days - 1; i >= 0; i--) {
    const date = addDays(input.today, -i);
    const counts = empty();
    for (const c of input.customers) {
      // Today is what the customers hold now; earlier days replay history.
      const label = labelOf(i === 0 ? c.healthScore : scoreOn(byAccount.get(c.accountId), date, c.healthScore));
      counts[label] = (counts[label] ?? 0) + 1;
    }
    trend.push({ date, counts });
  }
  const since = addDays(input.today, -input.movedDays);
  const moved: HealthSummary["moved"] = [];
  for (const c of input.customers) {
    const points = byAccount.get(c.accountId);
    if (!points) continue;
    const before = scoreOn(points, since, c.healthScore);
    const after = c.healthScore;
    // A first score is news but not a move; a change under a point is noise.
    if (before === null || after === null || Math.abs(after - before) < 1) continue;
    const changes = points
      .filter((p) => p.asOf > since && p.measureBefore !== p.measureAfter)
      .map((p) => ({ measure: p.measure, label: p.label, before: p.measureBefore, after: p.measureAfter, comment: p.comment, asOf: p.asOf, runId: p.runId }));
    moved.push({ accountId: c.accountId, name: c.name, before, after, labelBefore: before === null ? null : labelOf(before), labelAfter: after === null ? null : labelOf(after), changes });
  }
  // A change of range (Green to Red) matters more than points within one; then the biggest change.
  const rank = (m: HealthSummary["moved"][number]): number => (m.labelBefore !== m.labelAfter ? 1000 : 0) + Math.abs((m.after ?? 0) - (m.before ?? 0));
  moved.sort((a, b) => rank(b) - rank(a) || a.name.localeCompare(b.name));
  return {
    ranges: scheme.ranges.map((r) => ({ label: r.label, from: r.from, to: r.to, ...(r.colour ? { colour: r.colour } : {}) })),
    today: input.today,
    customers: input.customers.length,
    current,
    trend,
    moved: moved.slice(0, input.movedLimit),
    movedDays: input.movedDays,
  };
}

/** Reads what the summary needs: every customer's score now and the whole score history, in day order. */
export async function loadHealth(db: Kysely<SuccessTables>): Promise<{ customers: { accountId: string; name: string; healthScore: number | null }[]; history: HealthPoint[] }> {
  const customers = await db.selectFrom("success_customers").select(["account_id", "name", "health_score"]).execute();
  const rows = await db
    .selectFrom("success_score_history")
    .leftJoin("success_scorecard_measures", "success_scorecard_measures.id", "success_score_history.measure_id")
    .select([
      "success_score_history.account_id",
      "success_score_history.as_of",
      "success_score_history.at",
      "success_score_history.id",
      "overall_before",
      "overall_after",
      "measure_before",
      "measure_after",
      "comment",
      "run_id",
      "success_scorecard_measures.name as measure",
      "success_scorecard_measures.label as label",
    ])
    .execute();
  // History ids sort by the moment of writing, so changes on one day keep the order they happened in.
  const sorted = [...rows].sort((a, b) => {
    const da = a.as_of ?? dayOf(Number(a.at));
    const db2 = b.as_of ?? dayOf(Number(b.at));
    return da < db2 ? -1 : da > db2 ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
  const history: HealthPoint[] = sorted.map((r) => ({
    accountId: r.account_id,
    asOf: r.as_of ?? dayOf(Number(r.at)),
    at: Number(r.at),
    overallBefore: r.overall_before,
    overallAfter: r.overall_after,
    measure: r.measure,
    label: r.label,
    measureBefore: r.measure_before,
    measureAfter: r.measure_after,
    comment: r.comment,
    runId: r.run_id,
  }));
  return { customers: customers.map((c) => ({ accountId: c.account_id, name: c.name, healthScore: c.health_score })), history };
}
