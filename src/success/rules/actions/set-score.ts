import type { ScoreWrite } from "../../scorecards/scorecards.js";
import type { RuleAction } from "../definition.js";
import { sourceValue } from "../mapping.js";
import type { ActionContext, ActionOutcome, RowError, SourceRow } from "../run-types.js";
import { accountOf, outcome, rowError } from "./action-kit.js";

type SetScore = Extract<RuleAction, { type: "setScore" }>;

/** Set Score: writes one scorecard measure's score with a comment for each row's account; the health score follows. */
export async function setScore(action: SetScore, rows: SourceRow[], ctx: ActionContext): Promise<ActionOutcome> {
  const field = action.accountField ?? ctx.accountField;
  const errors: RowError[] = [];
  const writes: ScoreWrite[] = [];
  const origin: number[] = [];
  rows.forEach((row, i) => {
    const accountId = accountOf(row, field);
    if (!accountId) return errors.push(rowError(ctx, action.type, i, row, "MISSING_ACCOUNT", `The row has no ${field} to score.`, field));
    const score = sourceValue(action.score, row, ctx.ruleDate);
    if (typeof score !== "number" && typeof score !== "string") return errors.push(rowError(ctx, action.type, i, row, "INVALID_VALUE", `score: expected a number 0–100 or a range label, got ${JSON.stringify(score)}`, "score"));
    writes.push({ accountId, measure: action.measure, score, comment: action.comment ?? null });
    origin.push(i);
  });
  const results = ctx.preview ? await ctx.deps.scorecards.checkScores(writes) : await ctx.deps.scorecards.setScores(writes, ctx.runId, ctx.ruleDate);
  let written = 0;
  let unchanged = 0;
  results.forEach((r, j) => {
    const i = origin[j] as number;
    if (!r.ok) errors.push(rowError(ctx, action.type, i, rows[i] as SourceRow, "INVALID_VALUE", `${r.field}: ${r.message}`, r.field));
    else if ("change" in r) {
      if (r.change.changed) written++;
      else unchanged++;
    }
  });
  return outcome(ctx, action.type, action.measure, { written, unchanged }, errors, ctx.preview ? writes : undefined);
}
