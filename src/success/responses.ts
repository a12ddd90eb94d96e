import { Type } from "@sinclair/typebox";
import { Nullable, Scalar } from "../kernel/index.js";
import { CtaStatusSchema } from "./ctas/cta.js";
import { CustomObjectSchema } from "./objects/object-definition.js";
import { RuleInputSchema } from "./rules/definition.js";
import { ScoringSchemeSchema } from "./scorecards/scheme.js";
import { UsageConfigSchema } from "./usage/usage-config.js";
import { UsageMeasureSchema } from "./usage/measure.js";

/**
 * Response schemas of `/api/v1/success/*`: Fastify serialises answers with them; the OpenAPI
 * document shows them. Input schemas that describe stored things as they are (a usage measure, a
 * custom object, the scoring scheme) describe the answers too.
 */

const Millis = Type.Number({ description: "Epoch milliseconds" });
const Day = Type.String({ description: "Date YYYY-MM-DD" });
const ScalarMap = Type.Record(Type.String(), Scalar);

export const CustomerSchema = Type.Object({
  accountId: Type.String(),
  name: Type.String(),
  status: Type.Union([Type.Literal("Active"), Type.Literal("Inactive")]),
  stage: Nullable(Type.String()),
  arr: Nullable(Type.Number()),
  mrr: Nullable(Type.Number()),
  renewalDate: Nullable(Day),
  users: Nullable(Type.Number()),
  churnRisk: Nullable(Type.String()),
  onboardingStatus: Nullable(Type.String()),
  latestNps: Nullable(Type.Number()),
  healthScore: Nullable(Type.Number()),
  healthColour: Nullable(Type.String()),
  tags: Type.Array(Type.String()),
  custom: Type.Record(Type.String(), Scalar, { description: "Custom Customer Info fields by name" }),
  createdAt: Millis,
  updatedAt: Millis,
});
export const CustomerList = Type.Object({ total: Type.Number(), customers: Type.Array(CustomerSchema) });
export const CustomerImport = Type.Object({
  created: Type.Number(),
  updated: Type.Number(),
  unchanged: Type.Number(),
  problems: Type.Array(Type.Object({ line: Type.Number(), field: Type.String(), message: Type.String(), accountId: Type.Optional(Type.String()) })),
});

export const CtaSchema = Type.Object({
  id: Type.String(),
  accountId: Type.String(),
  type: Type.String(),
  reason: Type.String(),
  priority: Type.String(),
  owner: Nullable(Type.String()),
  status: CtaStatusSchema,
  dueDate: Nullable(Day),
  comment: Nullable(Type.String()),
  ruleId: Nullable(Type.String()),
  runId: Nullable(Type.String()),
  createdAt: Millis,
  updatedAt: Millis,
  closedAt: Nullable(Type.Number()),
  customerName: Type.Optional(Nullable(Type.String({ description: "Lists only: the customer's name in Customer Info" }))),
});
export const CtaList = Type.Object({ total: Type.Number(), ctas: Type.Array(CtaSchema) });

const IndexedProblem = Type.Object({ index: Type.Number({ description: "0-based index of the row in the request" }), field: Type.String(), message: Type.String() });
export const UsageWriteResult = Type.Object({ written: Type.Number(), unchanged: Type.Number(), problems: Type.Array(IndexedProblem) });
export const UsageRowSchema = Type.Object({
  accountId: Type.String(),
  periodStart: Type.String({ description: "First day of the week or month the row is filed under" }),
  aggregationLevel: Type.String(),
  instanceId: Nullable(Type.String()),
  userId: Nullable(Type.String()),
  measures: ScalarMap,
  updatedAt: Millis,
  runId: Nullable(Type.String()),
  customerName: Type.Optional(Nullable(Type.String())),
});
export const UsagePoint = Type.Object({ periodStart: Type.String(), measures: ScalarMap });
export const UsagePeriodSchema = Type.Object({
  periodStart: Type.String(),
  accounts: Type.Number({ description: "Accounts with a row in the period" }),
  values: Type.Record(Type.String(), Type.Object({ sum: Type.Number(), avg: Type.Number(), min: Type.Number(), max: Type.Number(), count: Type.Number() }), { description: "Per numeric measure" }),
});
export const UsageSummary = Type.Object({ config: UsageConfigSchema, measures: Type.Array(UsageMeasureSchema), periods: Type.Array(UsagePeriodSchema) });
export const AccountUsageSeries = Type.Object({ accountId: Type.String(), config: UsageConfigSchema, series: Type.Array(UsagePoint) });

/** A custom object's record: its fields by name, and its id and times. */
export const ObjectRecordSchema = Type.Object({ id: Type.String(), createdAt: Millis, updatedAt: Millis }, { additionalProperties: Scalar });
export const RecordWriteResult = Type.Object({ inserted: Type.Number(), updated: Type.Number(), unchanged: Type.Number(), problems: Type.Array(IndexedProblem) });

const Named = { id: Type.String(), name: Type.String(), weight: Type.Number(), normalisedWeight: Type.Number({ description: "Weight as a share of its level (0–1)" }) };
export const ScorecardSchema = Type.Object({
  scheme: ScoringSchemeSchema,
  groups: Type.Array(Type.Object(Named)),
  measures: Type.Array(Type.Object({ ...Named, label: Type.String(), groupId: Nullable(Type.String()), group: Nullable(Type.String({ description: "The group's name" })) })),
});
export const AccountScorecard = Type.Object({
  accountId: Type.String(),
  overall: Nullable(Type.Number()),
  label: Nullable(Type.String()),
  colour: Nullable(Type.String()),
  groups: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), score: Nullable(Type.Number()) })),
  measures: Type.Array(Type.Object({ name: Type.String(), label: Type.String(), score: Nullable(Type.Number()), comment: Nullable(Type.String()), updatedAt: Nullable(Type.Number()) })),
});
export const ScoreHistoryRow = Type.Object({
  id: Type.String(),
  measure: Nullable(Type.String()),
  measureBefore: Nullable(Type.Number()),
  measureAfter: Type.Number(),
  overallBefore: Nullable(Type.Number()),
  overallAfter: Nullable(Type.Number()),
  comment: Nullable(Type.String()),
  at: Millis,
  runId: Nullable(Type.String()),
  asOf: Day,
});
export const ScoreChangeSchema = Type.Object({
  measure: Type.String(),
  before: Nullable(Type.Number()),
  after: Type.Number(),
  overallBefore: Nullable(Type.Number()),
  overallAfter: Nullable(Type.Number()),
  changed: Type.Boolean(),
});
export const CreatedId = Type.Object({ id: Type.String() });

export const CustomerPageSchema = Type.Object({
  customer: CustomerSchema,
  history: Type.Array(ScoreHistoryRow),
  card: AccountScorecard,
  scorecard: ScorecardSchema,
  usage: Type.Object({ config: UsageConfigSchema, series: Type.Array(UsagePoint), measures: Type.Array(UsageMeasureSchema) }),
  ctas: CtaList,
});

export const WritableSchema = Type.Object({ objects: Type.Array(Type.Object({ object: Type.String(), fields: Type.Array(Type.String()) })) });

export const RuleSchema = Type.Composite([RuleInputSchema, Type.Object({ id: Type.String(), createdAt: Millis, updatedAt: Millis })]);

const ActionResultSchema = Type.Object({
  action: Type.Number({ description: "0-based index of the action in the rule" }),
  type: Type.String(),
  target: Type.String(),
  written: Type.Number(),
  unchanged: Type.Number(),
  failed: Type.Number(),
  wouldWrite: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Unknown()), { description: "Preview only: what it would write for the first rows" })),
});
const RowErrorSchema = Type.Object({
  row: Type.Number({ description: "1-based, in source order" }),
  key: Nullable(Type.String()),
  action: Type.Number(),
  actionType: Type.String(),
  field: Type.Optional(Type.String()),
  code: Type.String(),
  message: Type.String(),
});
export const RuleRunSchema = Type.Object({
  id: Type.String(),
  ruleId: Type.String(),
  ruleName: Type.String(),
  ruleDate: Day,
  status: Type.Union((["running", "success", "partial", "failure"] as const).map((s) => Type.Literal(s))),
  startedAt: Millis,
  finishedAt: Nullable(Type.Number()),
  rowsRead: Type.Number(),
  rowsWritten: Type.Number(),
  actions: Type.Array(ActionResultSchema),
  errors: Type.Array(RowErrorSchema),
  errorCount: Type.Number(),
  notices: Type.Number({ description: "Rows skipped for data reasons" }),
  message: Nullable(Type.String()),
  timings: Type.Record(Type.String(), Type.Number(), { description: "Milliseconds per step" }),
});
export const RulePreviewSchema = Type.Object({
  preview: Type.Literal(true),
  ruleId: Type.String(),
  ruleName: Type.String(),
  ruleDate: Day,
  rowsRead: Type.Number(),
  soql: Type.Optional(Type.String({ description: "The query sent to the CRM, for a CRM source" })),
  rows: Type.Array(Type.Record(Type.String(), Type.Unknown()), { description: "Source rows, by field path" }),
  actions: Type.Array(ActionResultSchema),
  errors: Type.Array(RowErrorSchema),
});
export const RunRows = Type.Object({
  runId: Type.String(),
  usage: Type.Object({ total: Type.Number(), rows: Type.Array(UsageRowSchema) }),
  scores: Type.Object({
    total: Type.Number(),
    rows: Type.Array(
      Type.Object({
        accountId: Type.String(),
        name: Nullable(Type.String()),
        measure: Nullable(Type.String()),
        measureBefore: Nullable(Type.Number()),
        measureAfter: Type.Number(),
        overallBefore: Nullable(Type.Number()),
        overallAfter: Nullable(Type.Number()),
        comment: Nullable(Type.String()),
        asOf: Day,
      }),
    ),
  }),
  ctas: Type.Object({ total: Type.Number(), rows: Type.Array(CtaSchema) }),
  records: Type.Object({ total: Type.Number(), rows: Type.Array(Type.Object({ id: Type.String(), createdAt: Millis, updatedAt: Millis, object: Type.String() }, { additionalProperties: Scalar })) }),
});

export { CustomObjectSchema, ScoringSchemeSchema, UsageConfigSchema, UsageMeasureSchema };
