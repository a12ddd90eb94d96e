import { rowKey } from "../mapping.js";
import type { ActionContext, ActionOutcome, ActionResult, RowError, SourceRow } from "../run-types.js";
import type { RuleAction } from "../definition.js";

/** A row error for row `index` (0-based) of this action. */
export function rowError(ctx: ActionContext, type: RuleAction["type"], index: number, row: SourceRow, code: string, message: string, field?: string): RowError {
  return { row: index + 1, key: rowKey(row, ctx.accountField), action: ctx.action, actionType: type, ...(field ? { field } : {}), code, message };
}

/** An outcome with its counts filled in. */
export function outcome(ctx: ActionContext, type: RuleAction["type"], target: string, counts: { written: number; unchanged: number }, errors: RowError[], wouldWrite?: Record<string, unknown>[]): ActionOutcome {
  const result: ActionResult = { action: ctx.action, type, target, written: counts.written, unchanged: counts.unchanged, failed: errors.length };
  if (wouldWrite) result.wouldWrite = wouldWrite;
  return { result, errors };
}

/** The account id a row is about, or undefined when the row has none. */
export function accountOf(row: SourceRow, field: string): string | undefined {
  const v = row[field];
  return v === null || v === undefined || v === "" ? undefined : String(v);
}
