import { Type } from "@sinclair/typebox";

/** What a guide button does when clicked. */
export const ButtonAction = Type.Union(["next", "back", "dismiss", "link", "goToStep", "complete"].map((a) => Type.Literal(a)));
export type ButtonAction = "next" | "back" | "dismiss" | "link" | "goToStep" | "complete";

export const Button = Type.Object(
  {
    label: Type.String({ minLength: 1, maxLength: 80 }),
    action: ButtonAction,
    /** For `link`: where it goes (http, https, mailto or a path). */
    url: Type.Optional(Type.String({ maxLength: 2000 })),
    /** For `goToStep`: the 0-based step index. */
    step: Type.Optional(Type.Integer({ minimum: 0, maximum: 49 })),
  },
  { additionalProperties: false },
);
export type Button = { label: string; action: ButtonAction; url?: string; step?: number };

export const Layout = Type.Union(["lightbox", "banner", "tooltip", "poll"].map((l) => Type.Literal(l)));
export type Layout = "lightbox" | "banner" | "tooltip" | "poll";

/** A poll step: NPS (0–10 and an optional comment) or a single choice. */
export const Poll = Type.Object(
  {
    type: Type.Union([Type.Literal("nps"), Type.Literal("choice")]),
    question: Type.String({ minLength: 1, maxLength: 500 }),
    options: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 2, maxItems: 10 })),
    comment: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type Poll = { type: "nps" | "choice"; question: string; options?: string[]; comment?: boolean };

export const Step = Type.Object(
  {
    layout: Layout,
    title: Type.Optional(Type.String({ maxLength: 200 })),
    /** Markdown (default) or HTML; sanitised to an allow-list on save and again on render. */
    content: Type.String({ maxLength: 20_000 }),
    format: Type.Optional(Type.Union([Type.Literal("markdown"), Type.Literal("html")])),
    /** For tooltips: the CSS selector of the element the tooltip points at. */
    selector: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
    position: Type.Optional(Type.Union(["top", "bottom", "left", "right"].map((p) => Type.Literal(p)))),
    /** For banners: top or bottom of the viewport. */
    placement: Type.Optional(Type.Union([Type.Literal("top"), Type.Literal("bottom")])),
    buttons: Type.Optional(Type.Array(Button, { maxItems: 5 })),
    poll: Type.Optional(Poll),
  },
  { additionalProperties: false },
);
export type Step = {
  layout: Layout;
  title?: string;
  content: string;
  format?: "markdown" | "html";
  selector?: string;
  position?: "top" | "bottom" | "left" | "right";
  placement?: "top" | "bottom";
  buttons?: Button[];
  poll?: Poll;
};

export const Activation = Type.Object(
  {
    type: Type.Union(["automatic", "element", "badge", "api"].map((a) => Type.Literal(a))),
    /** For `element` (a click on it opens the guide) and `badge` (a badge beside it). */
    selector: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
  },
  { additionalProperties: false },
);
export type ActivationType = "automatic" | "element" | "badge" | "api";
export type Activation = { type: ActivationType; selector?: string };

export const Status = Type.Union(["draft", "scheduled", "public", "disabled"].map((s) => Type.Literal(s)));
export type Status = "draft" | "scheduled" | "public" | "disabled";

/** Local date-times (`YYYY-MM-DDTHH:mm`) in an IANA time zone. */
export const Schedule = Type.Object(
  {
    start: Type.String({ pattern: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}$" }),
    end: Type.Optional(Type.String({ pattern: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}$" })),
    timeZone: Type.String({ minLength: 1, maxLength: 64 }),
  },
  { additionalProperties: false },
);
export type Schedule = { start: string; end?: string; timeZone: string };

export const Targeting = Type.Object(
  {
    /** A saved segment id of the analytics module; `everyone` by default. */
    segment: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    /** A page rule (URL rule grammar); any page when absent. */
    page: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
  },
  { additionalProperties: false },
);
export type Targeting = { segment?: string; page?: string };

export const Frequency = Type.Union(["once", "untilDismissed", "everyVisit"].map((f) => Type.Literal(f)));
export type Frequency = "once" | "untilDismissed" | "everyVisit";

/** The body of POST/PUT /api/v1/guides. */
export const GuideInput = Type.Object(
  {
    app: Type.Optional(Type.String()),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    status: Type.Optional(Status),
    schedule: Type.Optional(Schedule),
    steps: Type.Array(Step, { minItems: 1, maxItems: 50 }),
    activation: Type.Optional(Activation),
    targeting: Type.Optional(Targeting),
    frequency: Type.Optional(Frequency),
    priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
  },
  { additionalProperties: false },
);
export type GuideInput = {
  app?: string;
  name: string;
  status?: Status;
  schedule?: Schedule;
  steps: Step[];
  activation?: Activation;
  targeting?: Targeting;
  frequency?: Frequency;
  priority?: number;
};

/** A stored guide: the input with defaults filled in and content sanitised. */
export type Guide = {
  id: string;
  appId: string;
  name: string;
  status: Status;
  schedule: Schedule | null;
  steps: Step[];
  activation: Activation;
  targeting: { segment: string; page: string | null };
  frequency: Frequency;
  priority: number;
  createdAt: number;
  updatedAt: number;
};

/** Whether a guide has an NPS poll step (its answers count toward NPS). */
export const isNpsGuide = (g: Pick<Guide, "steps">): boolean => g.steps.some((s) => s.poll?.type === "nps");

/** App-level throttling of automatic guides: at most `maxGuides` started per interval, `minGapMinutes` apart. */
export const ThrottleSettings = Type.Object(
  {
    enabled: Type.Boolean(),
    maxGuides: Type.Integer({ minimum: 1, maximum: 100 }),
    intervalHours: Type.Number({ minimum: 0.01, maximum: 24 * 30 }),
    minGapMinutes: Type.Number({ minimum: 0, maximum: 24 * 60 * 30 }),
  },
  { additionalProperties: false },
);
export type ThrottleSettings = { enabled: boolean; maxGuides: number; intervalHours: number; minGapMinutes: number };
export const DEFAULT_THROTTLE: ThrottleSettings = { enabled: false, maxGuides: 1, intervalHours: 24, minGapMinutes: 0 };
