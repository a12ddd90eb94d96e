import { ApiError } from "../../kernel/index.js";
import { CUSTOMER_FIELDS } from "../customers/customer.js";
import { identifierProblem, notAllowListed } from "./actions/load-to-crm.js";
import { USAGE_KEY_TARGETS } from "./actions/load-to-usage.js";
import { accountFieldOf, type RuleInput } from "./definition.js";
import { filterProblem } from "./filter.js";
import { identifiersOf } from "./mapping.js";
import type { RuleStores } from "./run-types.js";
import { localFields } from "./sources.js";

function invalid(code: string, message: string, field: string): never {
  throw new ApiError(400, code, message, field);
}

/** Checks a rule before it is saved, so a mistake shows when it is made rather than at 2 a.m.; CRM fields are checked by describe at run time. */
export async function validateRule(rule: RuleInput, deps: RuleStores): Promise<void> {
  const known = await localFields(rule.source, deps);
  const exists = (f: string) => !known || known.fields.has(f) || (known.open !== undefined && f.startsWith(known.open));
  rule.show.forEach((f, i) => {
    if (!exists(f)) invalid("FIELD_NOT_FOUND", `The source has no field ${f}.`, `show[${i}]`);
  });
  rule.filters.forEach((f, i) => {
    const p = filterProblem(f);
    if (p) invalid("INVALID_FILTER", `Filter ${i + 1} (${f.field}): ${p}.`, `filters[${i}]`);
    if (!exists(f.field)) invalid("FIELD_NOT_FOUND", `The source has no field ${f.field} to filter on.`, `filters[${i}].field`);
  });
  const shown = new Set(rule.show);
  const account = accountFieldOf(rule.source);
  const needShown = (f: string, where: string) => {
    if (!shown.has(f)) invalid("FIELD_NOT_SHOWN", `${f} is used by an action but is not in the Show fields; add it to show.`, where);
  };
  for (const [i, action] of rule.actions.entries()) {
    const at = `actions[${i}]`;
    if ("mappings" in action) {
      action.mappings.forEach((m, j) => {
        if ("field" in m) needShown(m.field, `${at}.mappings[${j}].field`);
      });
      const targets = action.mappings.map((m) => m.to);
      const dup = targets.find((t, j) => targets.indexOf(t) !== j);
      if (dup) invalid("DUPLICATE_MAPPING", `${dup} is mapped twice in action ${i + 1}.`, `${at}.mappings`);
    }
    switch (action.type) {
      case "loadToUsage": {
        const measures = new Set((await deps.usage.measures()).map((m) => m.name));
        action.mappings.forEach((m, j) => {
          if (!(USAGE_KEY_TARGETS as readonly string[]).includes(m.to) && !measures.has(m.to)) {
            invalid("MEASURE_NOT_FOUND", `${m.to} is not a usage measure (or accountId, date, aggregationLevel, instanceId, userId); create the measure first.`, `${at}.mappings[${j}].to`);
          }
        });
        if (!action.mappings.some((m) => m.to === "accountId")) needShown(account, `${at}.mappings`);
        break;
      }
      case "loadToCrm": {
        const denied = notAllowListed(action, await deps.writable.fields(action.object));
        if (denied) invalid(denied.code, denied.message, `${at}.mappings`);
        const p = identifierProblem(action);
        if (p) invalid("INVALID_IDENTIFIERS", p, `${at}.mappings`);
        break;
      }
      case "loadToObject": {
        const def = await deps.objects.require(action.object);
        action.mappings.forEach((m, j) => {
          if (!def.fields.some((f) => f.name === m.to)) invalid("FIELD_NOT_FOUND", `${action.object} has no field ${m.to}.`, `${at}.mappings[${j}].to`);
        });
        if (action.operation !== "insert" && identifiersOf(action.mappings).length === 0) invalid("INVALID_IDENTIFIERS", `${action.operation} on ${action.object} needs a field marked "include in identifiers".`, `${at}.mappings`);
        break;
      }
      case "loadToCustomers":
        action.mappings.forEach((m, j) => {
          if (!CUSTOMER_FIELDS.some((f) => f.name === m.to) && !/^custom\.[A-Za-z_][A-Za-z0-9_]*$/.test(m.to)) {
            invalid("FIELD_NOT_FOUND", `${m.to} is not a Customer Info field (custom fields are custom.<key>).`, `${at}.mappings[${j}].to`);
          }
        });
        if (!action.mappings.some((m) => m.to === "accountId")) needShown(account, `${at}.mappings`);
        break;
      case "createCta":
      case "closeCta":
        needShown(action.accountField ?? account, `${at}.accountField`);
        break;
      case "setScore":
        needShown(action.accountField ?? account, `${at}.accountField`);
        if ("field" in action.score) needShown(action.score.field, `${at}.score.field`);
        if (!(await deps.scorecards.measureNames()).has(action.measure)) invalid("MEASURE_NOT_FOUND", `${action.measure} is not a scorecard measure; create it first.`, `${at}.measure`);
        break;
    }
  }
}
