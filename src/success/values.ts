import { isDate, toDate } from "./dates.js";

/** A value a field can hold. */
export type Scalar = string | number | boolean | null;

/** The value types Pendulum's success objects know. */
export type FieldType = "string" | "number" | "integer" | "boolean" | "date";

export const FIELD_TYPES: readonly FieldType[] = ["string", "number", "integer", "boolean", "date"];

/** The outcome of reading a value as a field type: the value, or a message a person can act on. */
export type Coerced = { ok: true; value: Scalar } | { ok: false; message: string };

/** Reads `value` as `type`; empty text and null read as null, everything else must really be that type. */
export function coerce(value: unknown, type: FieldType): Coerced {
  if (value === null || value === undefined || value === "") return { ok: true, value: null };
  switch (type) {
    case "string":
      if (typeof value === "string") return { ok: true, value };
      if (typeof value === "number" || typeof value === "boolean") return { ok: true, value: String(value) };
      return { ok: false, message: `expected text, got ${describe(value)}` };
    case "number":
    case "integer": {
      const n = typeof value === "number" ? value : typeof value === "string" && /^\s*-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(value) ? Number(value) : NaN;
      if (!Number.isFinite(n)) return { ok: false, message: `expected ${type === "integer" ? "a whole number" : "a number"}, got ${describe(value)}` };
      if (type === "integer" && !Number.isInteger(n)) return { ok: false, message: `expected a whole number, got ${n}` };
      return { ok: true, value: n };
    }
    case "boolean":
      if (typeof value === "boolean") return { ok: true, value };
      if (value === "true" || value === "false") return { ok: true, value: value === "true" };
      return { ok: false, message: `expected true or false, got ${describe(value)}` };
    case "date": {
      const d = toDate(value);
      if (d === undefined || !isDate(d)) return { ok: false, message: `expected a date YYYY-MM-DD, got ${describe(value)}` };
      return { ok: true, value: d };
    }
  }
}

function describe(value: unknown): string {
  if (typeof value === "string") return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  if (typeof value === "object") return Array.isArray(value) ? "a list" : "an object";
  return String(value);
}

/** Equality for stored scalars (numbers compared as numbers, everything else strictly). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
  return typeof a === "number" && typeof b === "number" && Number.isNaN(a) && Number.isNaN(b);
}
