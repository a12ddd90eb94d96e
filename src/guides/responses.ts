import { Type } from "@sinclair/typebox";
import { Nullable } from "../kernel/index.js";
import { Activation, Frequency, Schedule, Status, Step, ThrottleSettings } from "./model.js";

/** Response schemas of the guides API: Fastify serialises answers with them; OpenAPI shows them. */

/** A stored guide: its input with defaults filled in and content sanitised. */
export const GuideSchema = Type.Object({
  id: Type.String(),
  appId: Type.String(),
  name: Type.String(),
  status: Status,
  schedule: Nullable(Schedule),
  steps: Type.Array(Step),
  activation: Activation,
  targeting: Type.Object({ segment: Type.String(), page: Nullable(Type.String({ description: "A URL rule; null for any page" })) }),
  frequency: Frequency,
  priority: Type.Number(),
  createdAt: Type.Number({ description: "Epoch milliseconds" }),
  updatedAt: Type.Number({ description: "Epoch milliseconds" }),
});

const RangeEcho = {
  from: Type.String({ description: "Local date YYYY-MM-DD" }),
  to: Type.String({ description: "Local date YYYY-MM-DD" }),
  timeZone: Type.String(),
};
const Rate = Nullable(Type.Number({ description: "A fraction of views (0–1); null without views" }));

export const GuideMetricsSchema = Type.Object({
  guide: Type.String({ description: "The guide's id" }),
  ...RangeEcho,
  views: Type.Number(),
  uniqueVisitors: Type.Number(),
  completed: Type.Number(),
  dismissed: Type.Number(),
  completionRate: Rate,
  dismissalRate: Rate,
  funnel: Type.Array(Type.Object({ step: Type.Number({ description: "0-based step index" }), views: Type.Number(), rate: Rate })),
  timeOnGuideMs: Type.Object({ average: Nullable(Type.Number()), median: Nullable(Type.Number()) }),
  buttons: Type.Array(Type.Object({ label: Type.String(), clicks: Type.Number() })),
  pollAnswers: Type.Array(Type.Object({ value: Type.String(), count: Type.Number() })),
});

export const NpsRow = Type.Object({
  id: Type.String({ description: "Account id, visitor id or app id" }),
  score: Nullable(Type.Number({ description: "%promoters − %detractors (−100…100)" })),
  responses: Type.Number(),
  promoters: Type.Number(),
  passives: Type.Number(),
  detractors: Type.Number(),
  latest: Nullable(Type.Object({ score: Type.Number(), comment: Nullable(Type.String()), ts: Type.Number(), visitorId: Type.String() })),
});
export const NpsReport = Type.Object({ kind: Type.Union([Type.Literal("account"), Type.Literal("visitor"), Type.Literal("app")]), ...RangeEcho, rows: Type.Array(NpsRow) });

export const GuideSettings = Type.Object({ throttle: ThrottleSettings });
