// What travels between the server and the agent's guide renderer. The agent imports these
// types only (erased at build), so both sides are checked against one definition.
import type { Activation, Button, Frequency, Layout, Poll } from "./model.js";

export type { Button };

/** One step as the agent renders it: content already sanitised to the allow-list. */
export type WireStep = {
  layout: Layout;
  title?: string;
  html: string;
  selector?: string;
  position?: "top" | "bottom" | "left" | "right";
  placement?: "top" | "bottom";
  buttons: Button[];
  poll?: Poll;
};

/** An eligible guide. `auto` says whether the agent shows it without being asked. */
export type WireGuide = {
  id: string;
  name: string;
  auto: boolean;
  activation: Activation;
  frequency: Frequency;
  priority: number;
  steps: WireStep[];
};

/** The answer of GET /data/guides. */
export type GuidesResponse = {
  guides: WireGuide[];
  /** Automatic guides were deferred by throttling: ask again after this many ms. */
  retryAfterMs?: number;
};

export const GUIDE_EVENT_TYPES = ["shown", "step_shown", "advanced", "dismissed", "completed", "button_clicked", "poll_answered"] as const;
export type GuideEventType = (typeof GUIDE_EVENT_TYPES)[number];

/** One guide event as the agent sends it. */
export type WireGuideEvent = {
  type: GuideEventType;
  guide: string;
  /** 0-based step index. */
  step: number;
  /** A random id per display of the guide, tying its events together. */
  view: string;
  url?: string;
  button?: string;
  score?: number;
  choice?: string;
  comment?: string;
  /** On dismissed/completed: milliseconds since the guide was shown. */
  durationMs?: number;
};

/** The body of POST /data/guide-events. */
export type GuideEventsBody = { visitor: string; account?: string; events: WireGuideEvent[] };
