import { Type } from "@sinclair/typebox";
import { Nullable } from "../kernel/index.js";

/** Response schemas of `/api/v1/sync/*`: Fastify serialises answers with them; OpenAPI shows them. */

const Grant = Type.Union([Type.Literal("password"), Type.Literal("client_credentials"), Type.Literal("authorization_code")]);

/** The connection without its secrets. */
export const ConnectionViewSchema = Type.Union([
  Type.Object({ status: Type.Literal("disconnected") }),
  Type.Object({
    status: Type.Union([Type.Literal("connected"), Type.Literal("reconnect"), Type.Literal("pending-authorization")]),
    message: Type.Optional(Type.String({ description: "Why the connection needs attention" })),
    loginUrl: Type.String(),
    clientId: Type.String(),
    grant: Grant,
    username: Type.Optional(Type.String()),
    redirectUri: Type.Optional(Type.String()),
    org: Type.Optional(Type.Object({ orgId: Type.String(), userId: Type.String(), username: Type.String(), displayName: Type.String() })),
    apiUsage: Type.Optional(Type.Object({ used: Type.Number(), limit: Type.Number(), at: Type.Number({ description: "Epoch milliseconds" }) })),
    apiReserve: Type.Number({ description: "Daily API requests Pendulum leaves for everyone else" }),
    fieldPrefix: Type.String({ description: "Only fields starting with this may be pushed to" }),
    apiVersion: Type.String(),
  }),
]);
export const Disconnected = Type.Object({ status: Type.Literal("disconnected") });

export const FieldInfoSchema = Type.Object({
  name: Type.String(),
  label: Type.String(),
  type: Type.String({ description: "The CRM's field type: string, double, boolean, date…" }),
  updateable: Type.Boolean(),
  createable: Type.Boolean(),
  idLookup: Type.Boolean(),
  externalId: Type.Boolean(),
  unique: Type.Boolean(),
  nillable: Type.Boolean(),
  scale: Type.Number(),
  length: Type.Number(),
});
export const ObjectFields = Type.Object({ name: Type.String(), fields: Type.Array(FieldInfoSchema) });

export const LinkSettingsSchema = Type.Object({ appId: Type.Optional(Type.String()), accountField: Type.String(), visitorField: Type.Optional(Type.String()) });
export const PullSettingsSchema = Type.Object({ accountFields: Type.Array(Type.String()), visitorFields: Type.Array(Type.String()) });

export const RecordErrorSchema = Type.Object({
  step: Type.Union([Type.Literal("pull"), Type.Literal("push")]),
  object: Type.String(),
  key: Type.Optional(Type.String({ description: "The link value (analytics id)" })),
  recordId: Type.Optional(Type.String({ description: "The CRM record's Id" })),
  code: Type.String({ description: "DUPLICATE_KEY, UNMATCHED, ORPHAN or the CRM's own code" }),
  message: Type.String(),
  fields: Type.Optional(Type.Array(Type.String())),
  notice: Type.Optional(Type.Boolean({ description: "A data problem in this record; the run went on without it" })),
});

export const LinkCheck = Type.Object({
  field: Type.String(),
  object: Type.String(),
  crmRecords: Type.Number(),
  analytics: Type.Number({ description: "Analytics ids of this kind" }),
  matched: Type.Number(),
  duplicates: Type.Array(RecordErrorSchema),
  unmatched: Type.Array(RecordErrorSchema, { description: "Analytics ids no CRM record holds (first 1000)" }),
  unmatchedCount: Type.Number(),
  orphans: Type.Array(Type.Object({ recordId: Type.Optional(Type.String()), key: Type.Optional(Type.String()) }), { description: "CRM records whose link value matches no analytics id (first 1000)" }),
  orphanCount: Type.Number(),
});

export const PushMappingSchema = Type.Object({
  id: Type.String(),
  reportId: Type.String(),
  object: Type.Union([Type.Literal("Account"), Type.Literal("Contact")]),
  fields: Type.Array(Type.Object({ column: Type.String(), field: Type.String() })),
  dailySync: Type.Boolean(),
  createdAt: Type.Number(),
  updatedAt: Type.Number(),
});

const Count = Type.Number();
export const SyncRunSchema = Type.Object({
  id: Type.String(),
  status: Type.Union((["running", "success", "partial", "failure"] as const).map((s) => Type.Literal(s))),
  pull: Type.Boolean(),
  push: Type.Boolean(),
  startedAt: Type.Number(),
  finishedAt: Nullable(Type.Number()),
  counts: Type.Object({ read: Count, changed: Count, written: Count, skipped: Count, failed: Count, duplicates: Count, unmatched: Count, orphans: Count, refused: Count }),
  notices: Type.Number({ description: "Records skipped for data reasons" }),
  apiCalls: Type.Number(),
  message: Nullable(Type.String()),
  errors: Type.Array(RecordErrorSchema),
  resumed: Type.Number(),
});
