// The rules engine's shapes are the server's own types (type-only imports: nothing of the server
// is bundled); this file adds what only the UI needs: labels and short descriptions.
import type { ActionType, Operator, RuleAction, RuleSource } from "../../../../src/success/index.js";

export type { ActionResult, ActionType, Filter, FilterValue, Mapping, Operator, Rule, RuleAction, RuleInput, RulePreview, RuleRun, RuleSource, RowError, RunStatus, ValueSource } from "../../../../src/success/index.js";

/** A constant a person typed into a filter or mapping. */
export type Scalar = string | number | boolean | null;

/** Each filter operator with its words, in the order the builder offers them. */
export const OPERATORS: readonly { value: Operator; label: string }[] = [
  { value: "equals", label: "equals" },
  { value: "notEquals", label: "does not equal" },
  { value: "contains", label: "contains" },
  { value: "notContains", label: "does not contain" },
  { value: "greater", label: "greater than" },
  { value: "less", label: "less than" },
  { value: "between", label: "between" },
  { value: "exists", label: "has a value" },
  { value: "notExists", label: "has no value" },
];

/** Each action type with its words, in the order the builder offers them. */
export const ACTION_TYPES: readonly { value: ActionType; label: string }[] = [
  { value: "loadToUsage", label: "Load to usage" },
  { value: "loadToCustomers", label: "Load to Customer Info" },
  { value: "loadToCrm", label: "Load to CRM" },
  { value: "loadToObject", label: "Load to custom object" },
  { value: "setScore", label: "Set score" },
  { value: "createCta", label: "Create CTA" },
  { value: "closeCta", label: "Close CTA" },
];

export const actionLabel = (t: ActionType): string => ACTION_TYPES.find((a) => a.value === t)?.label ?? t;

/** A rule's source in a few words. */
export function sourceLabel(s: RuleSource): string {
  switch (s.kind) {
    case "crm":
      return `CRM ${s.object}`;
    case "customers":
      return "Customer Info";
    case "usage":
      return `Usage data (${(s.aggregationLevel ?? "ACCOUNTLEVEL").toLowerCase().replace("level", " level")})`;
    case "object":
      return `Object ${s.object}`;
  }
}

/** What an action writes to, in a few words. */
export function actionTarget(a: RuleAction): string {
  switch (a.type) {
    case "loadToCrm":
      return `${actionLabel(a.type)} ${a.object} (${a.operation})`;
    case "loadToObject":
      return `${actionLabel(a.type)} ${a.object} (${a.operation})`;
    case "setScore":
      return `Set score ${a.measure}`;
    case "createCta":
    case "closeCta":
      return `${actionLabel(a.type)} ${a.ctaType}`;
    default:
      return actionLabel(a.type);
  }
}
