/** The rule shapes of `/success/rules`, as the UI edits them. */

export type Scalar = string | number | boolean | null;
export type ValueSource = { field: string } | { constant: Scalar } | { ruleDate: number };
export type Mapping = { to: string; identifier?: boolean } & ValueSource;
export type FilterValue = Scalar | { ruleDate: number };
export type Filter = { field: string; operator: Operator; value?: FilterValue; to?: FilterValue };

export const OPERATORS = [
  { value: "equals", label: "equals" },
  { value: "notEquals", label: "does not equal" },
  { value: "contains", label: "contains" },
  { value: "notContains", label: "does not contain" },
  { value: "greater", label: "greater than" },
  { value: "less", label: "less than" },
  { value: "between", label: "between" },
  { value: "exists", label: "has a value" },
  { value: "notExists", label: "has no value" },
] as const;
export type Operator = (typeof OPERATORS)[number]["value"];

export type RuleSource =
  | { kind: "crm"; object: string; accountField?: string }
  | { kind: "customers" }
  | { kind: "usage"; aggregationLevel?: "ACCOUNTLEVEL" | "INSTANCELEVEL" | "USERLEVEL" }
  | { kind: "object"; object: string; accountField?: string };

export type Operation = "insert" | "update" | "upsert";
export type RuleAction =
  | { type: "loadToUsage"; mappings: Mapping[] }
  | { type: "loadToCrm"; object: string; operation: Operation; mappings: Mapping[] }
  | { type: "loadToObject"; object: string; operation: Operation; mappings: Mapping[] }
  | { type: "loadToCustomers"; operation: "update" | "upsert"; mappings: Mapping[] }
  | { type: "createCta"; accountField?: string; ctaType: string; reason: string; priority: string; owner?: string; dueInDays: number; comment?: string }
  | { type: "closeCta"; accountField?: string; ctaType: string; reason: string; status?: "Closed Success" | "Closed Lost"; comment?: string }
  | { type: "setScore"; accountField?: string; measure: string; score: ValueSource; comment?: string };
export type ActionType = RuleAction["type"];

export const ACTION_TYPES: { value: ActionType; label: string }[] = [
  { value: "loadToUsage", label: "Load to usage" },
  { value: "loadToCustomers", label: "Load to Customer Info" },
  { value: "loadToCrm", label: "Load to CRM" },
  { value: "loadToObject", label: "Load to custom object" },
  { value: "setScore", label: "Set score" },
  { value: "createCta", label: "Create CTA" },
  { value: "closeCta", label: "Close CTA" },
];

export type RuleInput = { name: string; type: "Custom"; description?: string; source: RuleSource; show: string[]; filters: Filter[]; customersOnly: boolean; actions: RuleAction[] };
export type Rule = RuleInput & { id: string; createdAt: number; updatedAt: number };

export type RowError = { row: number; key: string | null; action: number; actionType: ActionType; field?: string; code: string; message: string };
export type ActionResult = { action: number; type: ActionType; target: string; written: number; unchanged: number; failed: number; wouldWrite?: Record<string, unknown>[] };
export type RuleRun = {
  id: string;
  ruleId: string;
  ruleName: string;
  ruleDate: string;
  status: "running" | "success" | "partial" | "failure";
  startedAt: number;
  finishedAt: number | null;
  rowsRead: number;
  rowsWritten: number;
  actions: ActionResult[];
  errors: RowError[];
  errorCount: number;
  message: string | null;
  timings: Record<string, number>;
};
export type RulePreview = { preview: true; ruleId: string; ruleName: string; ruleDate: string; rowsRead: number; soql?: string; rows: Record<string, unknown>[]; actions: ActionResult[]; errors: RowError[] };

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
