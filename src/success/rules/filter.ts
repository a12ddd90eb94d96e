import { Type, type Static } from "@sinclair/typebox";
import { addDays } from "../dates.js";
import type { Scalar } from "../values.js";

const ScalarSchema = Type.Union([Type.String({ maxLength: 1024 }), Type.Number(), Type.Boolean(), Type.Null()]);
/** A filter value: a constant, or "rule date ± N days". */
export const FilterValueSchema = Type.Union([ScalarSchema, Type.Object({ ruleDate: Type.Integer({ minimum: -36_500, maximum: 36_500 }) }, { additionalProperties: false })]);
export type FilterValue = Static<typeof FilterValueSchema>;

export const OPERATORS = ["equals", "notEquals", "contains", "notContains", "greater", "less", "between", "exists", "notExists"] as const;
export type Operator = (typeof OPERATORS)[number];

export const FilterSchema = Type.Object(
  {
    field: Type.String({ minLength: 1, maxLength: 128 }),
    operator: Type.Union(OPERATORS.map((o) => Type.Literal(o))),
    value: Type.Optional(FilterValueSchema),
    /** The upper bound of `between` (inclusive). */
    to: Type.Optional(FilterValueSchema),
  },
  { additionalProperties: false },
);
/** One rule filter; a rule's filters all have to hold (AND). */
export type Filter = Static<typeof FilterSchema>;

/** Why a filter cannot be used, or undefined when it can. */
export function filterProblem(f: Filter): string | undefined {
  if (f.operator === "exists" || f.operator === "notExists") return f.value === undefined ? undefined : `${f.operator} takes no value`;
  if (f.value === undefined) return `${f.operator} needs a value`;
  if (f.operator === "between" && f.to === undefined) return "between needs a value and a to";
  if ((f.operator === "greater" || f.operator === "less" || f.operator === "between") && f.value === null) return `${f.operator} needs a value that is not null`;
  return undefined;
}

/** A filter value as a constant on the given rule date. */
export function resolveValue(v: FilterValue | undefined, ruleDate: string): Scalar {
  if (v === undefined) return null;
  if (v !== null && typeof v === "object") return addDays(ruleDate, v.ruleDate);
  return v;
}

const empty = (v: unknown) => v === null || v === undefined || v === "";

function numeric(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "string" && /^\s*-?(\d+\.?\d*|\.\d+)\s*$/.test(v)) return Number(v);
  return undefined;
}

/** Orders a row value against a filter value: numbers as numbers, dates by day, text case-insensitively. */
function compare(rowValue: unknown, value: Scalar): number | undefined {
  if (empty(rowValue) || value === null) return undefined;
  if (typeof value === "number") {
    const n = numeric(rowValue);
    return n === undefined ? undefined : n - value;
  }
  let a = String(rowValue);
  const b = String(value);
  // A datetime compared with a date is compared by its day, as SOQL does for date literals.
  if (/^\d{4}-\d{2}-\d{2}$/.test(b) && /^\d{4}-\d{2}-\d{2}T/.test(a)) a = a.slice(0, 10);
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/** True when the row satisfies the filter on the given rule date. */
export function matches(f: Filter, row: Record<string, unknown>, ruleDate: string): boolean {
  const v = row[f.field];
  const value = resolveValue(f.value, ruleDate);
  switch (f.operator) {
    case "exists":
      return !empty(v);
    case "notExists":
      return empty(v);
    case "equals":
      return value === null ? empty(v) : typeof value === "boolean" ? v === value : compare(v, value) === 0;
    case "notEquals":
      return !matches({ ...f, operator: "equals" }, row, ruleDate);
    case "contains":
      return !empty(v) && String(v).toLowerCase().includes(String(value).toLowerCase());
    case "notContains":
      return empty(v) || !String(v).toLowerCase().includes(String(value).toLowerCase());
    case "greater": {
      const c = compare(v, value);
      return c !== undefined && c > 0;
    }
    case "less": {
      const c = compare(v, value);
      return c !== undefined && c < 0;
    }
    case "between": {
      const lo = compare(v, value);
      const hi = compare(v, resolveValue(f.to, ruleDate));
      return lo !== undefined && hi !== undefined && lo >= 0 && hi <= 0;
    }
  }
}

/** Keeps the rows every filter accepts. */
export function applyFilters<T extends Record<string, unknown>>(rows: T[], filters: Filter[], ruleDate: string): T[] {
  if (filters.length === 0) return rows;
  return rows.filter((r) => filters.every((f) => matches(f, r, ruleDate)));
}
