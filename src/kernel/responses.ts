import { Type, type TObject, type TProperties, type TSchema, type TUnion, type TNull } from "@sinclair/typebox";

/**
 * Response schemas of Pendulum's own API. Fastify serialises each answer with the schema of its
 * status code (fast-json-stringify), so a property a schema does not describe never leaves the
 * server: every field a client or the admin UI reads is named here or in a module's schema.
 */

/** The `{code, message, field}` body of every refusal; some errors add facts (`position`, `retryAfterSeconds`). */
export const ErrorBody = Type.Object(
  {
    code: Type.String({ description: "Stable machine-readable code, such as FIELD_NOT_WRITABLE" }),
    message: Type.String({ description: "What went wrong and what to do about it" }),
    field: Type.Optional(Type.String({ description: "The request field at fault, such as events[3].type" })),
  },
  { additionalProperties: true, description: "A refusal a person can act on" },
);

/** A value or null (a column the store may leave empty). */
export const Nullable = <T extends TSchema>(schema: T): TUnion<[T, TNull]> => Type.Union([schema, Type.Null()]);

/** An object whose keys are data (metadata names, record fields): every key is kept. */
export const OpenObject = <T extends TProperties>(properties: T, description?: string): TObject<T> =>
  Type.Object(properties, { additionalProperties: true, ...(description ? { description } : {}) });

/** Values a metadata key, a record field or a report cell can hold. */
export const Scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]);

/** `{deleted: true}`, what removing a thing answers. */
export const Deleted = Type.Object({ deleted: Type.Boolean() });

/** `{ok: true}` for actions with nothing else to say. */
export const Ok = Type.Object({ ok: Type.Boolean() });

/** A text/csv answer (a spreadsheet export). */
export const CsvText = { description: "CSV text, one header line then one line per row", content: { "text/csv": { schema: Type.String() } } } as const;

/** A redirect (302): no body, the Location header says where. */
export const Redirect = Type.Null({ description: "A redirect: the Location header says where" });

/** 204: done, nothing to say. */
export const NoContent = Type.Null({ description: "Done; no body" });
