import { Type, type Static } from "@sinclair/typebox";
import { FIELD_KEY_PATTERN } from "../customers/customer.js";

export const ObjectFieldSchema = Type.Object(
  {
    name: Type.String({ pattern: FIELD_KEY_PATTERN }),
    label: Type.Optional(Type.String({ maxLength: 255 })),
    type: Type.Union([Type.Literal("string"), Type.Literal("number"), Type.Literal("integer"), Type.Literal("boolean"), Type.Literal("date")]),
    required: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type ObjectField = Static<typeof ObjectFieldSchema>;

export const CustomObjectSchema = Type.Object(
  {
    name: Type.String({ pattern: FIELD_KEY_PATTERN }),
    label: Type.String({ minLength: 1, maxLength: 255 }),
    fields: Type.Array(ObjectFieldSchema, { minItems: 1, maxItems: 200 }),
  },
  { additionalProperties: false },
);
/** A custom object (the article's MDA): admin-defined fields, records at any frequency. */
export type CustomObject = Static<typeof CustomObjectSchema>;

/** Fields every record has besides its own. */
export const SYSTEM_FIELDS = ["id", "createdAt", "updatedAt"] as const;
