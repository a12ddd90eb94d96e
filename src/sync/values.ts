import type { FieldInfo } from "../salesforce/index.js";
import type { MetadataValue } from "../analytics/index.js";

/** A value as the CRM field should hold it, or undefined when it cannot be expressed. */
export type CrmValue = string | number | boolean | null;

const NUMERIC = new Set(["int", "double", "currency", "percent"]);
const TEXT = new Set(["string", "textarea", "picklist", "email", "url", "phone", "id", "reference"]);

/** Report column types → the CRM field types they may be written to. */
const COMPATIBLE: Record<string, Set<string>> = {
  number: new Set([...NUMERIC, "string", "textarea"]),
  date: new Set(["date", "datetime", "string", "textarea"]),
  text: new Set(["string", "textarea", "picklist", "email", "url", "phone"]),
  boolean: new Set(["boolean", "string", "textarea"]),
};

/** True when a report column of `columnType` can be written to the field without loss or a type error. */
export function compatible(columnType: string, field: FieldInfo): boolean {
  return COMPATIBLE[columnType]?.has(field.type) ?? false;
}

/** One formatter per time zone: building an Intl.DateTimeFormat costs far more than using one. */
const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** The local date (YYYY-MM-DD) of an instant in a time zone. */
function localDate(ms: number, timeZone: string): string {
  let f = dateFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
    if (dateFormats.size >= 100) dateFormats.clear();
    dateFormats.set(timeZone, f);
  }
  return f.format(new Date(ms));
}

/** Converts a report value to what the field holds: numbers rounded to the field's scale, dates as the report's local date. */
export function toCrmValue(v: unknown, field: FieldInfo, timeZone: string): CrmValue {
  if (v === null || v === undefined || v === "") return null;
  if (NUMERIC.has(field.type)) {
    const n = typeof v === "number" ? v : Number(v);
    if (!Number.isFinite(n)) return null;
    const f = 10 ** (field.type === "int" ? 0 : field.scale);
    return Math.round(n * f) / f;
  }
  if (field.type === "date") {
    const ms = typeof v === "number" ? v : Date.parse(String(v));
    if (typeof v === "string" && /^\d{4}-\d{2}-\d{2}$/.test(v)) return v;
    return Number.isFinite(ms) ? localDate(ms, timeZone) : null;
  }
  if (field.type === "datetime") {
    const ms = typeof v === "number" ? v : Date.parse(String(v));
    return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
  }
  if (field.type === "boolean") return v === true || v === "true";
  return String(v);
}

/** True when the CRM already holds the value (numbers by value, datetimes by instant, empty text as null). */
export function sameValue(current: unknown, desired: CrmValue, field: FieldInfo): boolean {
  const cur = current === "" || current === undefined ? null : current;
  if (cur === null || desired === null) return cur === desired;
  if (NUMERIC.has(field.type)) return Math.abs(Number(cur) - Number(desired)) < 1e-9;
  if (field.type === "datetime") return Date.parse(String(cur)) === Date.parse(String(desired));
  if (field.type === "boolean") return Boolean(cur) === desired;
  return String(cur) === String(desired);
}

/** A CRM value as account or visitor metadata (SPEC types: integer, float, text, boolean, date). */
export function toMetadata(v: unknown, field: FieldInfo): MetadataValue {
  if (v === null || v === undefined) return null;
  if (NUMERIC.has(field.type)) return typeof v === "number" ? v : Number(v);
  if (field.type === "boolean") return v === true || v === "true";
  if (field.type === "date") return String(v).slice(0, 10);
  if (TEXT.has(field.type) || typeof v === "object") return typeof v === "object" ? JSON.stringify(v) : String(v);
  return typeof v === "number" || typeof v === "boolean" ? v : String(v);
}
