import type { CustomerCreate } from "../../customers/customer.js";
import { customerFromValues } from "../../customers/customer-input.js";
import type { RuleAction } from "../definition.js";
import { mapRow } from "../mapping.js";
import type { ActionContext, ActionOutcome, RowError, SourceRow } from "../run-types.js";
import { outcome, rowError } from "./action-kit.js";

type LoadToCustomers = Extract<RuleAction, { type: "loadToCustomers" }>;

/** Load to Customers: rows update Customer Info (upsert also creates customers), matched on accountId. */
export async function loadToCustomers(action: LoadToCustomers, rows: SourceRow[], ctx: ActionContext): Promise<ActionOutcome> {
  const errors: RowError[] = [];
  const items: CustomerCreate[] = [];
  const origin: number[] = [];
  rows.forEach((row, i) => {
    const values = mapRow(action.mappings, row, ctx.ruleDate);
    if (!("accountId" in values)) values["accountId"] = row[ctx.accountField];
    if (values["accountId"] !== null && values["accountId"] !== undefined) values["accountId"] = String(values["accountId"]);
    const r = customerFromValues(values);
    if (!r.ok) {
      errors.push(rowError(ctx, action.type, i, row, "INVALID_VALUE", `${r.problem.field}: ${r.problem.message}`, r.problem.field));
      return;
    }
    items.push(r.customer);
    origin.push(i);
  });
  if (ctx.preview) return outcome(ctx, action.type, "customers", { written: 0, unchanged: 0 }, errors, items);
  const outcomes = await ctx.deps.customers.saveMany(items, { create: action.operation === "upsert" });
  outcomes.forEach((o, j) => {
    if (o === "missing") {
      const i = origin[j] as number;
      errors.push(rowError(ctx, action.type, i, rows[i] as SourceRow, "CUSTOMER_NOT_FOUND", `No customer has account id ${items[j]?.accountId}; use operation upsert to create customers.`, "accountId"));
    }
  });
  const written = outcomes.filter((o) => o === "created" || o === "updated").length;
  return outcome(ctx, action.type, "customers", { written, unchanged: outcomes.filter((o) => o === "unchanged").length }, errors);
}
