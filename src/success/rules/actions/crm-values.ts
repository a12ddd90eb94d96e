import { coerce, type Coerced, type FieldType } from "../../values.js";

/** The success value type for a CRM field type (SPEC: int→integer, double/currency/percent→float, …). */
export function valueTypeOf(crmType: string): FieldType | "datetime" {
  switch (crmType) {
    case "int":
      return "integer";
    case "double":
    case "currency":
    case "percent":
      return "number";
    case "boolean":
      return "boolean";
    case "date":
      return "date";
    case "datetime":
      return "datetime";
    default:
      return "string";
  }
}

/** Reads a value for a CRM field of the given type, in the form the REST API takes. */
export function crmValue(value: unknown, crmType: string): Coerced {
  const t = valueTypeOf(crmType);
  if (t !== "datetime") return coerce(value, t);
  if (value === null || value === undefined || value === "") return { ok: true, value: null };
  const ms = typeof value === "number" ? value : typeof value === "string" ? Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value) : NaN;
  if (!Number.isFinite(ms)) return { ok: false, message: `expected a date and time, got ${JSON.stringify(value)}` };
  return { ok: true, value: new Date(ms).toISOString() };
}
