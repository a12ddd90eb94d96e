import { toDate } from "../../dates.js";
import type { AggregationLevel } from "../../usage/usage-config.js";
import type { UsageWrite } from "../../usage/usage.js";
import type { RuleAction } from "../definition.js";
import { mapRow } from "../mapping.js";
import type { ActionContext, ActionOutcome, RowError, SourceRow } from "../run-types.js";
import { outcome, rowError } from "./action-kit.js";

type LoadToUsage = Extract<RuleAction, { type: "loadToUsage" }>;

/** Mapping targets that place the row; every other target is a usage measure. */
export const USAGE_KEY_TARGETS = ["accountId", "date", "aggregationLevel", "instanceId", "userId"] as const;

/** Load to Usage: each row becomes a usage row for its account and the period holding its date (Rule Date by default). */
export async function loadToUsage(action: LoadToUsage, rows: SourceRow[], ctx: ActionContext): Promise<ActionOutcome> {
  const errors: RowError[] = [];
  const writes: UsageWrite[] = [];
  const origin: number[] = [];
  // Which targets are measures is the same for every row: work it out once.
  const measureTargets = action.mappings.filter((m) => !(USAGE_KEY_TARGETS as readonly string[]).includes(m.to));
  const has = (target: string) => action.mappings.some((m) => m.to === target);
  const [hasAccount, hasDate] = [has("accountId"), has("date")];
  rows.forEach((row, i) => {
    const v = mapRow(action.mappings, row, ctx.ruleDate);
    const accountRaw = hasAccount ? v["accountId"] : row[ctx.accountField];
    if (accountRaw === null || accountRaw === undefined || accountRaw === "") {
      errors.push(rowError(ctx, action.type, i, row, "MISSING_ACCOUNT", "The row has no account id to load usage for.", "accountId"));
      return;
    }
    const date = hasDate ? toDate(v["date"]) : ctx.ruleDate;
    if (date === undefined) {
      errors.push(rowError(ctx, action.type, i, row, "INVALID_VALUE", `date: expected a date, got ${JSON.stringify(v["date"])}`, "date"));
      return;
    }
    const measures: Record<string, unknown> = {};
    for (const m of measureTargets) measures[m.to] = v[m.to];
    const write: UsageWrite = { accountId: String(accountRaw), date, aggregationLevel: String(v["aggregationLevel"] ?? "ACCOUNTLEVEL") as AggregationLevel, measures };
    if (v["instanceId"]) write.instanceId = String(v["instanceId"]);
    if (v["userId"]) write.userId = String(v["userId"]);
    writes.push(write);
    origin.push(i);
  });
  const toErrors = (problems: { index: number; field: string; message: string }[]) =>
    problems.forEach((p) => {
      const i = origin[p.index] as number;
      errors.push(rowError(ctx, action.type, i, rows[i] as SourceRow, "INVALID_VALUE", `${p.field}: ${p.message}`, p.field));
    });
  if (ctx.preview) {
    const checked = await ctx.deps.usage.check(writes);
    toErrors(checked.problems);
    return outcome(ctx, action.type, "usage", { written: 0, unchanged: 0 }, errors, checked.rows);
  }
  const r = await ctx.deps.usage.write(writes, ctx.runId);
  toErrors(r.problems);
  return outcome(ctx, action.type, "usage", { written: r.written, unchanged: r.unchanged }, errors);
}
