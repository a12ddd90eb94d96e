import { Type, type Static } from "@sinclair/typebox";
import { ACCOUNT_ID_PATTERN } from "../customers/customer.js";
import { DATE_PATTERN } from "../dates.js";

export const CTA_STATUSES = ["Open", "Work In Progress", "Closed Success", "Closed Lost"] as const;
export type CtaStatus = (typeof CTA_STATUSES)[number];
/** Statuses in which a CTA still asks for work: a rule updates such a CTA rather than opening a second one. */
export const OPEN_STATUSES: readonly CtaStatus[] = ["Open", "Work In Progress"];
export const CLOSED_STATUSES: readonly CtaStatus[] = ["Closed Success", "Closed Lost"];

export const PRIORITIES = ["Low", "Medium", "High", "Critical"] as const;
export type CtaPriority = (typeof PRIORITIES)[number];

export const CtaStatusSchema = Type.Union(CTA_STATUSES.map((s) => Type.Literal(s)));
export const CtaPrioritySchema = Type.Union(PRIORITIES.map((s) => Type.Literal(s)));
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });

export const CtaCreateSchema = Type.Object(
  {
    accountId: Type.String({ pattern: ACCOUNT_ID_PATTERN }),
    type: Text(64),
    reason: Text(255),
    priority: CtaPrioritySchema,
    owner: Type.Optional(Type.Union([Text(255), Type.Null()])),
    dueDate: Type.Optional(Type.Union([Type.String({ pattern: DATE_PATTERN }), Type.Null()])),
    comment: Type.Optional(Type.Union([Type.String({ maxLength: 4000 }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type CtaCreate = Static<typeof CtaCreateSchema>;

export const CtaPatchSchema = Type.Object(
  {
    status: Type.Optional(CtaStatusSchema),
    priority: Type.Optional(CtaPrioritySchema),
    owner: Type.Optional(Type.Union([Text(255), Type.Null()])),
    dueDate: Type.Optional(Type.Union([Type.String({ pattern: DATE_PATTERN }), Type.Null()])),
    comment: Type.Optional(Type.Union([Type.String({ maxLength: 4000 }), Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type CtaPatch = Static<typeof CtaPatchSchema>;

/** A call to action: work a CSM should do for an account, with the rule and run that raised it. */
export type Cta = {
  id: string;
  accountId: string;
  type: string;
  reason: string;
  priority: string;
  owner: string | null;
  status: CtaStatus;
  dueDate: string | null;
  comment: string | null;
  ruleId: string | null;
  runId: string | null;
  createdAt: number;
  updatedAt: number;
  closedAt: number | null;
  /** The customer's name in Customer Info (lists only; null when the account is not a customer any more). */
  customerName?: string | null;
};
