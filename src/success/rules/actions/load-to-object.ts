import type { RuleAction } from "../definition.js";
import { identifiersOf, mapRow } from "../mapping.js";
import type { ActionContext, ActionOutcome, SourceRow } from "../run-types.js";
import { outcome, rowError } from "./action-kit.js";

type LoadToObject = Extract<RuleAction, { type: "loadToObject" }>;

/** Load to Object: rows become custom object records, matched on the identifier fields for update and upsert. */
export async function loadToObject(action: LoadToObject, rows: SourceRow[], ctx: ActionContext): Promise<ActionOutcome> {
  const items = rows.map((row) => mapRow(action.mappings, row, ctx.ruleDate));
  const identifiers = identifiersOf(action.mappings);
  const toErrors = (problems: { index: number; field: string; message: string }[]) =>
    problems.map((p) => rowError(ctx, action.type, p.index, rows[p.index] as SourceRow, "INVALID_VALUE", `${p.field}: ${p.message}`, p.field));
  if (ctx.preview) {
    const problems = await ctx.deps.objects.checkMany(action.object, items, action.operation);
    return outcome(ctx, action.type, action.object, { written: 0, unchanged: 0 }, toErrors(problems), items);
  }
  const r = await ctx.deps.objects.writeMany(action.object, items, { operation: action.operation, identifiers, runId: ctx.runId });
  return outcome(ctx, action.type, action.object, { written: r.inserted + r.updated, unchanged: r.unchanged }, toErrors(r.problems));
}
