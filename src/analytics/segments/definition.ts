import { Type, type Static, type TSchema } from "@sinclair/typebox";

const MetadataOperator = Type.Union(
  ["equals", "notEquals", "contains", "notContains", "greater", "less", "between", "exists", "notExists", "inLastDays", "withinNextDays"].map((o) => Type.Literal(o)),
);
const Scalar = Type.Union([Type.String({ maxLength: 1024 }), Type.Number(), Type.Boolean()]);

/** A rule on visitor or account metadata, in any group. */
export const MetadataRule = Type.Object(
  {
    kind: Type.Literal("metadata"),
    target: Type.Union([Type.Literal("account"), Type.Literal("visitor")]),
    group: Type.Union([Type.Literal("agent"), Type.Literal("custom"), Type.Literal("crm")]),
    key: Type.String({ minLength: 1, maxLength: 64 }),
    operator: MetadataOperator,
    value: Type.Optional(Scalar),
    value2: Type.Optional(Scalar),
  },
  { additionalProperties: false },
);

/** A rule on behaviour: a page viewed, a feature clicked or a track event sent. */
export const BehaviorRule = Type.Object(
  {
    kind: Type.Literal("behavior"),
    event: Type.Union([Type.Literal("page"), Type.Literal("feature"), Type.Literal("track")]),
    /** Page id, feature id or track event name. */
    id: Type.String({ minLength: 1, maxLength: 200 }),
    condition: Type.Union(["ever", "withinLastDays", "since", "atLeast", "atMost", "never"].map((c) => Type.Literal(c))),
    days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
    date: Type.Optional(Type.String({ pattern: "^\\d{4}-\\d{2}-\\d{2}$" })),
    count: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000 })),
  },
  { additionalProperties: false },
);

/**
 * A rule on NPS: the category (promoter 9–10, passive 7–8, detractor 0–6) of the latest answer,
 * optionally only answers of the last `days` days. `target` says whose answers count (the
 * account's or the visitor's own); without it, those of whoever the segment is evaluated for.
 * The schema accepts every text and number here so that checkSegment can name the faulty field.
 */
export const NpsRule = Type.Object(
  {
    kind: Type.Literal("nps"),
    category: Type.String({ maxLength: 32 }),
    target: Type.Optional(Type.String({ maxLength: 32 })),
    days: Type.Optional(Type.Number()),
  },
  { additionalProperties: false },
);

/** Nested AND/OR groups of rules. */
export const SegmentGroup = Type.Recursive(
  (Self: TSchema) =>
    Type.Object(
      {
        op: Type.Union([Type.Literal("and"), Type.Literal("or")]),
        rules: Type.Array(Type.Union([MetadataRule, BehaviorRule, NpsRule, Self]), { minItems: 1, maxItems: 50 }),
      },
      { additionalProperties: false },
    ),
  { $id: "SegmentGroup" },
);

export type MetadataRule = Static<typeof MetadataRule>;
export type BehaviorRule = Static<typeof BehaviorRule>;
/** An NPS rule once checkSegment has accepted it. */
export type NpsRule = { kind: "nps"; category: "promoter" | "passive" | "detractor"; target?: "account" | "visitor"; days?: number };
export type SegmentRule = MetadataRule | BehaviorRule | NpsRule | SegmentGroup;
export type SegmentGroup = { op: "and" | "or"; rules: SegmentRule[] };

/** The built-in segment of every visitor and account. */
export const EVERYONE = "everyone";
