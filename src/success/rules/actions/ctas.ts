import { addDays } from "../../dates.js";
import type { CtaCreate } from "../../ctas/cta.js";
import type { RuleAction } from "../definition.js";
import type { ActionContext, ActionOutcome, RowError, SourceRow } from "../run-types.js";
import { accountOf, outcome, rowError } from "./action-kit.js";

type CreateCta = Extract<RuleAction, { type: "createCta" }>;
type CloseCta = Extract<RuleAction, { type: "closeCta" }>;

/** Create CTA: one per row's account, due rule date + N days; an open CTA of the same type and reason is updated instead. */
export async function createCta(action: CreateCta, rows: SourceRow[], ctx: ActionContext): Promise<ActionOutcome> {
  const field = action.accountField ?? ctx.accountField;
  const errors: RowError[] = [];
  const items: CtaCreate[] = [];
  rows.forEach((row, i) => {
    const accountId = accountOf(row, field);
    if (!accountId) return errors.push(rowError(ctx, action.type, i, row, "MISSING_ACCOUNT", `The row has no ${field} to open a CTA on.`, field));
    items.push({ accountId, type: action.ctaType, reason: action.reason, priority: action.priority, owner: action.owner ?? null, dueDate: addDays(ctx.ruleDate, action.dueInDays), comment: action.comment ?? null });
  });
  if (ctx.preview) return outcome(ctx, action.type, "ctas", { written: 0, unchanged: 0 }, errors, items);
  const out = await ctx.deps.ctas.openMany(items, { ruleId: ctx.rule.id, runId: ctx.runId });
  return outcome(ctx, action.type, "ctas", { written: out.filter((o) => o !== "unchanged").length, unchanged: out.filter((o) => o === "unchanged").length }, errors);
}

/** Close CTA: closes each row's account's open CTA of this type and reason. */
export async function closeCta(action: CloseCta, rows: SourceRow[], ctx: ActionContext): Promise<ActionOutcome> {
  const field = action.accountField ?? ctx.accountField;
  const errors: RowError[] = [];
  const items: { accountId: string; type: string; reason: string; status: "Closed Success" | "Closed Lost"; comment: string | null }[] = [];
  rows.forEach((row, i) => {
    const accountId = accountOf(row, field);
    if (!accountId) return errors.push(rowError(ctx, action.type, i, row, "MISSING_ACCOUNT", `The row has no ${field} to close a CTA on.`, field));
    items.push({ accountId, type: action.ctaType, reason: action.reason, status: action.status ?? "Closed Success", comment: action.comment ?? null });
  });
  if (ctx.preview) return outcome(ctx, action.type, "ctas", { written: 0, unchanged: 0 }, errors, items);
  const out = await ctx.deps.ctas.closeMany(items, { runId: ctx.runId });
  return outcome(ctx, action.type, "ctas", { written: out.filter((o) => o === "closed").length, unchanged: out.filter((o) => o === "none").length }, errors);
}
