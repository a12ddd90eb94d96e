import { Type, type Static } from "@sinclair/typebox";

/** Metadata keys: SPEC.md's `[A-Za-z_][A-Za-z0-9_]*`. */
export const METADATA_KEY = "^[A-Za-z_][A-Za-z0-9_]*$";
export const MAX_ID_BYTES = 128;
export const MAX_PROPS_BYTES = 512;
export const MAX_EVENTS_PER_BATCH = 500;
export const MAX_EVENT_NAMES_PER_APP = 5000;
/** Track event names: printable, no control characters, 1–100 characters. */
export const EVENT_NAME = "^[^\\u0000-\\u001f\\u007f]{1,100}$";
/** Message ids and Idempotency-Keys: what a client uses to name an event or a request once. */
export const MAX_KEY_LENGTH = 255;

/** An event's own id: a retry carrying it again is answered as a duplicate and not stored twice (ADR 0008). */
const MessageId = Type.String({ minLength: 1, maxLength: MAX_KEY_LENGTH, description: "Unique per event; repeats within the dedupe window are not stored again" });

const MetadataValue = Type.Union([Type.String({ maxLength: 1024 }), Type.Number(), Type.Boolean(), Type.Null()]);

/** A visitor or account as the agent identifies it: `id` plus flat `agent` metadata. */
export const Identity = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: MAX_ID_BYTES }) },
  { additionalProperties: MetadataValue, maxProperties: 101 },
);

/** One element of a clicked element's path, innermost first. */
export const PathElementSchema = Type.Object(
  {
    tag: Type.String({ minLength: 1, maxLength: 64 }),
    id: Type.Optional(Type.String({ maxLength: 256 })),
    classes: Type.Optional(Type.Array(Type.String({ maxLength: 128 }), { maxItems: 32 })),
    attrs: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 256 }))),
    text: Type.Optional(Type.String({ maxLength: 128 })),
  },
  { additionalProperties: false },
);

/** An agent event. `ts` is epoch milliseconds on the visitor's clock. */
export const AgentEvent = Type.Object(
  {
    type: Type.Union([Type.Literal("load"), Type.Literal("click"), Type.Literal("focus"), Type.Literal("track")]),
    ts: Type.Number({ minimum: 0 }),
    url: Type.String({ minLength: 1, maxLength: 2048 }),
    title: Type.Optional(Type.String({ maxLength: 512 })),
    tab: Type.Optional(Type.String({ maxLength: 64 })),
    element: Type.Optional(Type.Array(PathElementSchema, { minItems: 1, maxItems: 32 })),
    name: Type.Optional(Type.String({ maxLength: 100 })),
    props: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);

/** `POST /data/ingest`: one batch from the browser agent. All or nothing. */
export const AgentBatch = Type.Object(
  {
    key: Type.Optional(Type.String({ maxLength: 128 })),
    batchId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    visitor: Identity,
    account: Type.Optional(Identity),
    events: Type.Array(AgentEvent, { minItems: 1, maxItems: MAX_EVENTS_PER_BATCH }),
  },
  { additionalProperties: false },
);
export type AgentBatch = Static<typeof AgentBatch>;
export type AgentEvent = Static<typeof AgentEvent>;

/** `POST /data/track`: a server-side track event (SPEC.md), one or an array. */
export const TrackEvent = Type.Object(
  {
    type: Type.Literal("track"),
    event: Type.String({ minLength: 1, maxLength: 100 }),
    visitorId: Type.String({ minLength: 1, maxLength: MAX_ID_BYTES }),
    accountId: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_ID_BYTES })),
    timestamp: Type.Number({ minimum: 0 }),
    properties: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    messageId: Type.Optional(MessageId),
    context: Type.Optional(
      Type.Object(
        {
          ip: Type.Optional(Type.String({ maxLength: 64 })),
          userAgent: Type.Optional(Type.String({ maxLength: 1024 })),
          url: Type.Optional(Type.String({ maxLength: 2048 })),
          title: Type.Optional(Type.String({ maxLength: 512 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type TrackEvent = Static<typeof TrackEvent>;

/** `POST /api/v1/import`: historical events, one per line of an NDJSON or CSV file. */
export const ImportEvent = Type.Object(
  {
    type: Type.Union([Type.Literal("load"), Type.Literal("click"), Type.Literal("focus"), Type.Literal("track")]),
    timestamp: Type.Number({ minimum: 0 }),
    visitorId: Type.String({ minLength: 1, maxLength: MAX_ID_BYTES }),
    accountId: Type.Optional(Type.String({ maxLength: MAX_ID_BYTES })),
    url: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
    title: Type.Optional(Type.String({ maxLength: 512 })),
    tab: Type.Optional(Type.String({ maxLength: 64 })),
    element: Type.Optional(Type.Array(PathElementSchema, { minItems: 1, maxItems: 32 })),
    event: Type.Optional(Type.String({ maxLength: 100 })),
    properties: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    messageId: Type.Optional(MessageId),
  },
  { additionalProperties: false },
);
export type ImportEvent = Static<typeof ImportEvent>;

export const ImportRequest = Type.Object(
  {
    appId: Type.Optional(Type.String({ maxLength: 64 })),
    events: Type.Array(ImportEvent, { minItems: 1, maxItems: 5000 }),
  },
  { additionalProperties: false },
);
export type ImportRequest = Static<typeof ImportRequest>;
