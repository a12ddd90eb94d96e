import type { Scalar } from "../values.js";
import { valueTypeOf } from "./actions/crm-values.js";
import { resolveValue, type Filter } from "./filter.js";
import { RunFailure } from "./run-types.js";

const FIELD = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

function escape(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/'/g, "\\'");
}

function quote(text: string): string {
  return `'${escape(text)}'`;
}

function likeQuote(text: string): string {
  // % and _ in the admin's text are literal, not wildcards.
  return `'%${escape(text).replace(/[%_]/g, (c) => `\\${c}`)}%'`;
}

/** A filter value as a SOQL literal for a field of the given CRM type. */
export function soqlLiteral(value: Scalar, crmType: string, field: string): string {
  if (value === null) return "null";
  const t = valueTypeOf(crmType);
  switch (t) {
    case "integer":
    case "number": {
      const n = typeof value === "number" ? value : Number(value);
      if (typeof value === "boolean" || !Number.isFinite(n)) throw new RunFailure("INVALID_FILTER", `The filter on ${field} needs a number, got ${JSON.stringify(value)}.`, field);
      return String(n);
    }
    case "boolean":
      if (typeof value !== "boolean" && value !== "true" && value !== "false") throw new RunFailure("INVALID_FILTER", `The filter on ${field} needs true or false, got ${JSON.stringify(value)}.`, field);
      return String(value === true || value === "true").toUpperCase();
    case "date":
    case "datetime": {
      const text = String(value);
      if (!/^\d{4}-\d{2}-\d{2}/.test(text)) throw new RunFailure("INVALID_FILTER", `The filter on ${field} needs a date YYYY-MM-DD, got ${JSON.stringify(value)}.`, field);
      const day = text.slice(0, 10);
      return t === "date" ? day : `${day}T00:00:00Z`;
    }
    default:
      return quote(String(value));
  }
}

/** One filter as a SOQL condition. */
export function soqlCondition(f: Filter, crmType: string, ruleDate: string): string {
  const lit = (v: Scalar) => soqlLiteral(v, crmType, f.field);
  const value = resolveValue(f.value, ruleDate);
  switch (f.operator) {
    case "exists":
      return `${f.field} != null`;
    case "notExists":
      return `${f.field} = null`;
    case "equals":
      return `${f.field} = ${lit(value)}`;
    case "notEquals":
      return `${f.field} != ${lit(value)}`;
    case "contains":
      return `${f.field} LIKE ${likeQuote(String(value))}`;
    case "notContains":
      return `(NOT ${f.field} LIKE ${likeQuote(String(value))})`;
    case "greater":
      return `${f.field} > ${lit(value)}`;
    case "less":
      return `${f.field} < ${lit(value)}`;
    case "between":
      return `(${f.field} >= ${lit(value)} AND ${f.field} <= ${lit(resolveValue(f.to, ruleDate))})`;
  }
}

/** The rule's source as one SOQL query: its fields, and its filters ANDed in the WHERE clause. */
export function buildSoql(object: string, fields: string[], filters: Filter[], ruleDate: string, types: Map<string, string>): string {
  for (const f of [object, ...fields]) if (!FIELD.test(f)) throw new RunFailure("INVALID_FIELD", `${f} is not a CRM API name.`, f);
  const where = filters.map((f) => soqlCondition(f, types.get(f.field) ?? "string", ruleDate));
  return `SELECT ${[...new Set(fields)].join(", ")} FROM ${object}${where.length > 0 ? ` WHERE ${where.join(" AND ")}` : ""}`;
}
