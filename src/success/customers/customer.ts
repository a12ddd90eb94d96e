import { Type, type Static } from "@sinclair/typebox";
import { DATE_PATTERN } from "../dates.js";
import type { FieldType, Scalar } from "../values.js";

/** A CRM Account id as Customer Info keys it (Salesforce ids, or any id the CRM uses). */
export const ACCOUNT_ID_PATTERN = "^[A-Za-z0-9_.:-]{1,64}$";
/** Custom field keys: the same rule as metadata keys. */
export const FIELD_KEY_PATTERN = "^[A-Za-z_][A-Za-z0-9_]{0,63}$";

const ScalarSchema = Type.Union([Type.String({ maxLength: 1024 }), Type.Number(), Type.Boolean(), Type.Null()]);
const Nullable = <T extends ReturnType<typeof Type.String> | ReturnType<typeof Type.Number> | ReturnType<typeof Type.Integer>>(t: T) => Type.Union([t, Type.Null()]);

/** The writable fields of a customer (Customer Info), all optional: a patch. */
export const CustomerPatchSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    status: Type.Optional(Type.Union([Type.Literal("Active"), Type.Literal("Inactive")])),
    stage: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
    arr: Type.Optional(Nullable(Type.Number({ minimum: 0 }))),
    mrr: Type.Optional(Nullable(Type.Number({ minimum: 0 }))),
    renewalDate: Type.Optional(Nullable(Type.String({ pattern: DATE_PATTERN }))),
    users: Type.Optional(Nullable(Type.Integer({ minimum: 0 }))),
    churnRisk: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
    onboardingStatus: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
    latestNps: Type.Optional(Nullable(Type.Number({ minimum: -100, maximum: 100 }))),
    healthScore: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 100 }))),
    healthColour: Type.Optional(Nullable(Type.String({ maxLength: 32 }))),
    tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 50 })),
    custom: Type.Optional(Type.Record(Type.String({ pattern: FIELD_KEY_PATTERN }), ScalarSchema, { maxProperties: 100 })),
  },
  { additionalProperties: false },
);
export type CustomerPatch = Static<typeof CustomerPatchSchema>;

/** A new customer: its CRM Account id plus any fields. */
export const CustomerCreateSchema = Type.Object({ accountId: Type.String({ pattern: ACCOUNT_ID_PATTERN }), ...CustomerPatchSchema.properties }, { additionalProperties: false });
export type CustomerCreate = CustomerPatch & { accountId: string };

/** A customer as the API shows it. */
export type Customer = {
  accountId: string;
  name: string;
  status: "Active" | "Inactive";
  stage: string | null;
  arr: number | null;
  mrr: number | null;
  renewalDate: string | null;
  users: number | null;
  churnRisk: string | null;
  onboardingStatus: string | null;
  latestNps: number | null;
  healthScore: number | null;
  healthColour: string | null;
  tags: string[];
  custom: Record<string, Scalar>;
  createdAt: number;
  updatedAt: number;
};

/** The standard Customer Info fields with their types: what rules may read and Load to Customers may write. */
export const CUSTOMER_FIELDS: readonly { name: Exclude<keyof Customer, "custom" | "createdAt" | "updatedAt">; type: FieldType | "tags" }[] = [
  { name: "accountId", type: "string" },
  { name: "name", type: "string" },
  { name: "status", type: "string" },
  { name: "stage", type: "string" },
  { name: "arr", type: "number" },
  { name: "mrr", type: "number" },
  { name: "renewalDate", type: "date" },
  { name: "users", type: "integer" },
  { name: "churnRisk", type: "string" },
  { name: "onboardingStatus", type: "string" },
  { name: "latestNps", type: "number" },
  { name: "healthScore", type: "number" },
  { name: "healthColour", type: "string" },
  { name: "tags", type: "tags" },
];

/** A customer flattened for rules and CSV: standard fields by name, custom fields as `custom.<key>`. */
export function flattenCustomer(c: Customer): Record<string, Scalar> {
  const row: Record<string, Scalar> = {};
  for (const f of CUSTOMER_FIELDS) row[f.name] = f.name === "tags" ? c.tags.join(";") : (c[f.name] as Scalar);
  for (const [k, v] of Object.entries(c.custom)) row[`custom.${k}`] = v;
  return row;
}
