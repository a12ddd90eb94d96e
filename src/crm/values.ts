import { SfError } from "./errors.js";
import { normalizeId } from "./ids.js";
import type { FieldDef, ObjectDef } from "./metadata.js";

/** A value as stored in SQLite. */
export type Cell = string | number | null;

/** Salesforce's datetime wire form: `2024-05-01T10:00:00.000+0000`. */
export function formatDateTime(stored: string): string {
  return stored.replace(/Z$/, "+0000");
}

/** Parses a datetime a client sent into the stored, sortable UTC form (`…T…Z`). */
export function parseDateTime(raw: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?$/.test(raw)) return undefined;
  const withZone = /(Z|[+-]\d{2}:?\d{2})$/.test(raw) ? raw.replace(/([+-]\d{2})(\d{2})$/, "$1:$2") : `${raw}Z`;
  const t = Date.parse(withZone);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

/** Parses a date (`YYYY-MM-DD`), refusing impossible days. */
export function parseDate(raw: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(raw)) return undefined;
  const t = Date.parse(`${raw}T00:00:00Z`);
  return Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== raw ? undefined : raw;
}

function bad(f: FieldDef, value: unknown, what: string): SfError {
  return new SfError(400, "JSON_PARSER_ERROR", `Cannot deserialize instance of ${what} from ${JSON.stringify(value)} for field ${f.name}`, [f.name]);
}

/**
 * Converts one JSON value a client sent for a field into its stored form, enforcing
 * type, length and precision the way Salesforce does. `fromCsv` accepts Bulk API text forms.
 */
export function toCell(f: FieldDef, value: unknown, fromCsv = false): Cell {
  if (value === null || value === undefined || (fromCsv && value === "#N/A")) {
    if (f.type === "boolean") return 0;
    return null;
  }
  if (fromCsv && value === "" ) return null;
  switch (f.type) {
    case "boolean": {
      if (typeof value === "boolean") return value ? 1 : 0;
      if (typeof value === "string" && /^(true|false|1|0)$/i.test(value)) return /^(true|1)$/i.test(value) ? 1 : 0;
      throw bad(f, value, "boolean");
    }
    case "double":
    case "currency":
    case "percent":
    case "int": {
      const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : Number.NaN;
      if (!Number.isFinite(n)) throw bad(f, value, f.type === "int" ? "int" : "double");
      if (f.type === "int") {
        if (!Number.isInteger(n)) throw bad(f, value, "int");
        return n;
      }
      const rounded = Number(n.toFixed(f.scale));
      const digits = Math.abs(Math.trunc(rounded)).toString().length;
      if (f.precision > 0 && digits > f.precision - f.scale) {
        throw new SfError(400, "NUMBER_OUTSIDE_VALID_RANGE", `${f.label}: value outside of valid range on numeric field: ${n}`, [f.name]);
      }
      return rounded;
    }
    case "date": {
      const s = typeof value === "string" ? parseDate(value.slice(0, 10)) : undefined;
      if (s === undefined) throw bad(f, value, "date");
      return s;
    }
    case "datetime": {
      const s = typeof value === "string" ? parseDateTime(value) : undefined;
      if (s === undefined) throw bad(f, value, "datetime");
      return s;
    }
    case "reference":
    case "id": {
      if (typeof value !== "string") throw bad(f, value, "id");
      if (value === "") return null;
      const id = normalizeId(value);
      if (!id) throw new SfError(400, "MALFORMED_ID", `${f.label}: id value of incorrect type: ${value}`, [f.name]);
      return id;
    }
    default: {
      const s = typeof value === "string" ? value : typeof value === "number" || typeof value === "boolean" ? String(value) : undefined;
      if (s === undefined) throw bad(f, value, "String");
      if (f.length > 0 && s.length > f.length) {
        throw new SfError(400, "STRING_TOO_LONG", `${f.label}: data value too large: ${s.slice(0, 40)}${s.length > 40 ? "..." : ""} (max length=${f.length})`, [f.name]);
      }
      if (f.type === "email" && s !== "" && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(s)) {
        throw new SfError(400, "INVALID_EMAIL_ADDRESS", `${f.label}: invalid email address: ${s}`, [f.name]);
      }
      return s;
    }
  }
}

/** Converts a stored value to its JSON form in responses. */
export function fromCell(f: FieldDef, cell: unknown): unknown {
  if (f.type === "boolean") return cell === 1 || cell === true;
  if (cell === null || cell === undefined) return null;
  if (f.type === "datetime") return formatDateTime(String(cell));
  if (f.type === "int") return Number(cell);
  return cell;
}

/** The relative URL of a record, as in `attributes.url`. */
export function recordUrl(version: string, obj: ObjectDef, id: string): string {
  return `/services/data/v${version}/sobjects/${obj.name}/${id}`;
}

/** A stored value rendered as Bulk API CSV text. */
export function toCsvText(f: FieldDef, cell: unknown): string {
  const v = fromCell(f, cell);
  if (v === null) return "";
  return String(v);
}
