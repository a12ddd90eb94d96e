import { Type } from "@sinclair/typebox";
import { Nullable, Scalar } from "../kernel/index.js";
import { SegmentGroup } from "./segments/definition.js";

/**
 * Response schemas of the analytics API (apps, visitors and accounts, pages, features, events,
 * import, account usage). Fastify serialises answers with them; the OpenAPI document shows them.
 */

const Millis = (description = "Epoch milliseconds") => Type.Number({ description });

export const AppSettingsSchema = Type.Object({ trackEventsCountAsActivity: Type.Boolean(), timeZone: Type.String({ description: "IANA time zone reports use by default" }) });

export const AppView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  appKey: Type.String({ description: "The public key the agent sends" }),
  settings: AppSettingsSchema,
  createdAt: Millis(),
  snippet: Type.String({ description: "The install snippet to paste into the app's pages" }),
});
export const CreatedApp = Type.Composite([AppView, Type.Object({ trackSecret: Type.String({ description: "Shown once" }), note: Type.String() })]);
export const TrackSecret = Type.Object({ trackSecret: Type.String({ description: "Shown once" }), note: Type.String() });

/** Metadata values by key: keys are the customer's own names. */
export const MetadataValues = Type.Record(Type.String(), Scalar);

/** A visitor or an account with its metadata groups: `agent` (initialize), `custom` (API), `crm` (pulled). */
export const EntitySchema = Type.Object({
  id: Type.String(),
  firstSeen: Millis(),
  lastSeen: Millis(),
  metadata: Type.Object({ agent: MetadataValues, custom: MetadataValues, crm: MetadataValues }),
  accounts: Type.Optional(Type.Array(Type.String(), { description: "Visitors: the accounts they were seen in" })),
  visitorsEver: Type.Optional(Type.Number({ description: "Accounts: how many visitors were ever seen" })),
});
export const AccountList = Type.Object({ total: Type.Number(), accounts: Type.Array(EntitySchema) });
export const VisitorList = Type.Object({ total: Type.Number(), visitors: Type.Array(EntitySchema) });
export const AccountVisitors = Type.Object({
  total: Type.Number(),
  visitors: Type.Array(Type.Composite([EntitySchema, Type.Object({ firstSeenHere: Millis("First seen in this account"), lastSeenHere: Millis("Last seen in this account") })])),
});

export const IngestAnswer = Type.Object({
  accepted: Type.Number(),
  duplicate: Type.Optional(Type.Literal(true, { description: "The whole request was a repeat of one already stored" })),
  duplicates: Type.Optional(Type.Number({ description: "Events already stored under their messageId" })),
  notice: Type.Optional(Type.Object({ code: Type.Literal("EVENT_NAMES_FOLDED"), folded: Type.Number(), message: Type.String() })),
});

export const StoredEventSchema = Type.Object({
  id: Type.Number(),
  appId: Type.String(),
  type: Type.Union((["load", "click", "focus", "track", "guide"] as const).map((t) => Type.Literal(t))),
  ts: Millis(),
  visitorId: Type.String(),
  accountId: Type.String(),
  urlId: Nullable(Type.Number()),
  elementId: Nullable(Type.Number()),
  name: Nullable(Type.String()),
  props: Nullable(Type.String({ description: "JSON text of the event's properties" })),
  tabId: Nullable(Type.String()),
  title: Nullable(Type.String()),
  receivedAt: Millis(),
});
export const EventList = Type.Object({ events: Type.Array(StoredEventSchema) });

export const UsageDaySchema = Type.Object({
  date: Type.String({ description: "Local date YYYY-MM-DD" }),
  visitors: Type.Number(),
  minutes: Type.Number(),
  featureClicks: Type.Number({ description: "Clicks matching at least one feature" }),
  clicks: Type.Number({ description: "Every click" }),
  pageViews: Type.Number(),
  events: Type.Number(),
});
export const AccountUsageSchema = Type.Object({ accountId: Type.String(), timeZone: Type.String(), from: Type.String(), to: Type.String(), days: Type.Array(UsageDaySchema) });

const Usage = Type.Object({ days: Type.Number(), events: Type.Number(), visitors: Type.Number(), accounts: Type.Number() }, { description: "Use over the last `days` × 24 hours (with ?usageDays)" });
const Definition = {
  id: Type.String(),
  appId: Type.String(),
  name: Type.String(),
  createdAt: Millis(),
  updatedAt: Millis(),
};
export const PageSchema = Type.Object({ ...Definition, rules: Type.Array(Type.String()) });
export const FeatureSchema = Type.Object({ ...Definition, selector: Type.String() });
export const PageList = Type.Object({ pages: Type.Array(Type.Composite([PageSchema, Type.Object({ usage: Type.Optional(Usage) })])) });
export const FeatureList = Type.Object({ features: Type.Array(Type.Composite([FeatureSchema, Type.Object({ usage: Type.Optional(Usage) })])) });
export const SavedPage = Type.Composite([PageSchema, Type.Object({ matchedUrls: Type.Number({ description: "Stored URLs the rules match" }) })]);
export const SavedFeature = Type.Composite([FeatureSchema, Type.Object({ matchedElements: Type.Number({ description: "Stored click paths the selector matches" }) })]);
export const PathElementSchema = Type.Object({
  tag: Type.String(),
  id: Type.Optional(Type.String()),
  classes: Type.Optional(Type.Array(Type.String())),
  attrs: Type.Optional(Type.Record(Type.String(), Type.String())),
  text: Type.Optional(Type.String()),
});
export const PagePreview = Type.Object({ matchedUrls: Type.Number(), sample: Type.Array(Type.String()) });
export const FeaturePreview = Type.Object({ matchedElements: Type.Number(), sample: Type.Array(Type.Array(PathElementSchema), { description: "Click paths, innermost element first" }) });

export const SegmentSchema = Type.Object({
  id: Type.String(),
  appId: Nullable(Type.String({ description: "null for the built-in Everyone" })),
  name: Type.String(),
  definition: Nullable(SegmentGroup),
  createdAt: Millis(),
  updatedAt: Millis(),
});
export const SegmentList = Type.Object({
  segments: Type.Array(
    Type.Composite([SegmentSchema, Type.Object({ counts: Type.Optional(Type.Object({ accounts: Type.Number(), visitors: Type.Number() }, { description: "With ?counts=true: members now" })) })]),
  ),
});
export const SegmentMembers = Type.Object({ kind: Type.Union([Type.Literal("account"), Type.Literal("visitor")]), count: Type.Number(), members: Type.Array(Type.String()) });
export const SegmentPreview = Type.Object({ count: Type.Number(), sample: Type.Array(Type.String()) });

const ReportKind = Type.Union([Type.Literal("account"), Type.Literal("visitor")]);
export const ReportRangeSchema = Type.Union([
  Type.Object({ last: Type.Union([Type.Literal(1), Type.Literal(7), Type.Literal(30), Type.Literal(90)]) }),
  Type.Object({ from: Type.String(), to: Type.String() }),
]);
export const ReportSchema = Type.Object({
  id: Type.String(),
  appId: Type.String(),
  name: Type.String(),
  kind: ReportKind,
  segmentId: Type.String(),
  range: ReportRangeSchema,
  timeZone: Type.String(),
  columns: Type.Array(Type.String({ description: "Column ids, such as minutes or crm.Industry" })),
  pinned: Type.Boolean({ description: "Shown on the admin UI's overview" }),
  createdAt: Millis(),
  updatedAt: Millis(),
});
export const ColumnSchema = Type.Object({ id: Type.String(), label: Type.String(), type: Type.Union((["number", "date", "text", "boolean"] as const).map((t) => Type.Literal(t))) });
export const ReportColumns = Type.Object({ columns: Type.Array(ColumnSchema), patterns: Type.Array(Type.String({ description: "Column id patterns, such as pageViews.<pageId>" })) });
export const ReportResults = Type.Object({
  report: Type.Object({ id: Type.String(), name: Type.String(), kind: ReportKind }),
  range: Type.Object({ from: Type.String({ description: "Local date YYYY-MM-DD" }), to: Type.String(), timeZone: Type.String() }),
  columns: Type.Array(ColumnSchema),
  total: Type.Number(),
  rows: Type.Array(Type.Object({ id: Type.String({ description: "Account or visitor id" }), values: Type.Record(Type.String(), Scalar, { description: "Cell values by column id" }) })),
  limit: Type.Number(),
  offset: Type.Number(),
});
