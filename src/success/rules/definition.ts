import { Type, type Static } from "@sinclair/typebox";
import { FIELD_KEY_PATTERN } from "../customers/customer.js";
import { CtaPrioritySchema } from "../ctas/cta.js";
import { FilterSchema } from "./filter.js";

/** A source field name: an API name, optionally through relationships (`Owner.Name`) or `custom.<key>`. */
export const FIELD_PATH_PATTERN = "^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*){0,4}$";
const FieldPath = Type.String({ pattern: FIELD_PATH_PATTERN, maxLength: 255 });
const ObjectName = Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_]{0,79}$" });
const Scalar = Type.Union([Type.String({ maxLength: 1024 }), Type.Number(), Type.Boolean(), Type.Null()]);

/** Where a mapped value comes from: a shown source field, a constant (ACCOUNTLEVEL), or the rule date ± N days. */
const FromField = { field: FieldPath };
const FromConstant = { constant: Scalar };
const FromRuleDate = { ruleDate: Type.Integer({ minimum: -36_500, maximum: 36_500, description: "Days added to the rule date (0 = the rule date)." }) };

export const ValueSourceSchema = Type.Union([Type.Object(FromField, { additionalProperties: false }), Type.Object(FromConstant, { additionalProperties: false }), Type.Object(FromRuleDate, { additionalProperties: false })]);
export type ValueSource = Static<typeof ValueSourceSchema>;

const To = { to: Type.String({ minLength: 1, maxLength: 255 }), identifier: Type.Optional(Type.Boolean({ description: "Include in identifiers: the target records are matched on this field." })) };
export const MappingSchema = Type.Union([
  Type.Object({ ...To, ...FromField }, { additionalProperties: false }),
  Type.Object({ ...To, ...FromConstant }, { additionalProperties: false }),
  Type.Object({ ...To, ...FromRuleDate }, { additionalProperties: false }),
]);
/** One field mapping of an action: target field ← source field, constant or rule date. */
export type Mapping = Static<typeof MappingSchema>;
const Mappings = Type.Array(MappingSchema, { minItems: 1, maxItems: 200 });

export const RuleSourceSchema = Type.Union([
  Type.Object(
    { kind: Type.Literal("crm"), object: ObjectName, accountField: Type.Optional(FieldPath) },
    { additionalProperties: false, description: "A CRM object read with one SOQL query; accountField links a record to a customer (Id on Account, AccountId elsewhere)." },
  ),
  Type.Object({ kind: Type.Literal("customers") }, { additionalProperties: false, description: "Customer Info." }),
  Type.Object({ kind: Type.Literal("usage"), aggregationLevel: Type.Optional(Type.Union([Type.Literal("ACCOUNTLEVEL"), Type.Literal("INSTANCELEVEL"), Type.Literal("USERLEVEL")])) }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal("object"), object: Type.String({ pattern: FIELD_KEY_PATTERN }), accountField: Type.Optional(FieldPath) }, { additionalProperties: false }),
]);
export type RuleSource = Static<typeof RuleSourceSchema>;

const Operation = Type.Union([Type.Literal("insert"), Type.Literal("update"), Type.Literal("upsert")]);
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });

export const ActionSchema = Type.Union([
  Type.Object({ type: Type.Literal("loadToUsage"), mappings: Mappings }, { additionalProperties: false, description: "Targets: accountId, date, aggregationLevel, instanceId, userId and usage measure names." }),
  Type.Object({ type: Type.Literal("loadToCrm"), object: ObjectName, operation: Operation, mappings: Mappings }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal("loadToObject"), object: Type.String({ pattern: FIELD_KEY_PATTERN }), operation: Operation, mappings: Mappings }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal("loadToCustomers"), operation: Type.Union([Type.Literal("update"), Type.Literal("upsert")]), mappings: Mappings }, { additionalProperties: false }),
  Type.Object(
    {
      type: Type.Literal("createCta"),
      accountField: Type.Optional(FieldPath),
      ctaType: Text(64),
      reason: Text(255),
      priority: CtaPrioritySchema,
      owner: Type.Optional(Text(255)),
      dueInDays: Type.Integer({ minimum: 0, maximum: 3650 }),
      comment: Type.Optional(Type.String({ maxLength: 4000 })),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal("closeCta"),
      accountField: Type.Optional(FieldPath),
      ctaType: Text(64),
      reason: Text(255),
      status: Type.Optional(Type.Union([Type.Literal("Closed Success"), Type.Literal("Closed Lost")], { description: "Closed Success by default." })),
      comment: Type.Optional(Type.String({ maxLength: 4000 })),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { type: Type.Literal("setScore"), accountField: Type.Optional(FieldPath), measure: Type.String({ pattern: FIELD_KEY_PATTERN }), score: ValueSourceSchema, comment: Type.Optional(Type.String({ maxLength: 4000 })) },
    { additionalProperties: false },
  ),
]);
export type RuleAction = Static<typeof ActionSchema>;
export type ActionType = RuleAction["type"];

export const RuleInputSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 255 }),
    type: Type.Literal("Custom", { default: "Custom" }),
    description: Type.Optional(Type.String({ maxLength: 4000 })),
    source: RuleSourceSchema,
    /** The Show box: the source fields the actions can map. */
    show: Type.Array(FieldPath, { minItems: 1, maxItems: 200 }),
    filters: Type.Array(FilterSchema, { default: [], maxItems: 50 }),
    /** "Apply to customers only": keep rows whose account is in Customer Info. */
    customersOnly: Type.Boolean({ default: false }),
    actions: Type.Array(ActionSchema, { minItems: 1, maxItems: 20 }),
  },
  { additionalProperties: false },
);
export type RuleInput = Static<typeof RuleInputSchema>;

/** A stored rule. */
export type Rule = RuleInput & { id: string; createdAt: number; updatedAt: number };

/** The field that links a source row to a customer. */
export function accountFieldOf(source: RuleSource): string {
  switch (source.kind) {
    case "crm":
      return source.accountField ?? (source.object === "Account" ? "Id" : "AccountId");
    case "customers":
    case "usage":
      return "accountId";
    case "object":
      return source.accountField ?? "accountId";
  }
}
