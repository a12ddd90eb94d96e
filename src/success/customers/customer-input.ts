import { Value } from "@sinclair/typebox/value";
import { coerce, type Scalar } from "../values.js";
import { ACCOUNT_ID_PATTERN, CUSTOMER_FIELDS, CustomerPatchSchema, FIELD_KEY_PATTERN, type CustomerCreate, type CustomerPatch } from "./customer.js";

/** A value that could not be written, named by field. */
export type FieldProblem = { field: string; message: string };

const accountIdRe = new RegExp(ACCOUNT_ID_PATTERN);
const keyRe = new RegExp(FIELD_KEY_PATTERN);

/**
 * Builds a customer write from loosely typed values (a CSV line, a rule row's mapped fields):
 * standard fields by name, custom fields as `custom.<key>`, tags as `a;b` text.
 */
export function customerFromValues(values: Record<string, unknown>): { ok: true; customer: CustomerCreate } | { ok: false; problem: FieldProblem } {
  const accountId = values["accountId"];
  if (typeof accountId !== "string" || !accountIdRe.test(accountId)) {
    return { ok: false, problem: { field: "accountId", message: `needs a CRM Account id (letters, digits, _ . : -), got ${JSON.stringify(accountId ?? null)}` } };
  }
  const patch: Record<string, unknown> = {};
  const custom: Record<string, Scalar> = {};
  for (const [name, raw] of Object.entries(values)) {
    if (name === "accountId") continue;
    if (name.startsWith("custom.")) {
      const key = name.slice(7);
      if (!keyRe.test(key)) return { ok: false, problem: { field: name, message: "custom field keys start with a letter or _ and hold letters, digits and _" } };
      custom[key] = raw === "" || raw === undefined ? null : (raw as Scalar);
      continue;
    }
    const field = CUSTOMER_FIELDS.find((f) => f.name === name);
    if (!field) return { ok: false, problem: { field: name, message: `is not a Customer Info field; custom fields are written as custom.${name}` } };
    if (field.type === "tags") {
      patch[name] = Array.isArray(raw) ? raw : typeof raw === "string" ? raw.split(";").map((t) => t.trim()).filter(Boolean) : [];
      continue;
    }
    const c = coerce(raw, field.type);
    if (!c.ok) return { ok: false, problem: { field: name, message: c.message } };
    patch[name] = c.value;
  }
  if (Object.keys(custom).length > 0) patch["custom"] = custom;
  // name and status cannot be null: an empty cell means "leave as is".
  if (patch["name"] === null) delete patch["name"];
  if (patch["status"] === null) delete patch["status"];
  if (!Value.Check(CustomerPatchSchema, patch)) {
    const first = Value.Errors(CustomerPatchSchema, patch).First();
    const field = (first?.path ?? "").split("/").filter(Boolean).join(".") || "customer";
    return { ok: false, problem: { field, message: first?.message ?? "is invalid" } };
  }
  return { ok: true, customer: { ...(patch as CustomerPatch), accountId } };
}
