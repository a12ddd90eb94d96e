// The guide shapes the screens read and write. Types come from the server's own definitions
// (type-only imports, erased by the build); the sanitiser is the server's pure function, so the
// editor shows exactly the HTML that will be stored and rendered.
import type { Guide, GuideInput, Layout, Step, Button as GuideButton, ButtonAction, ActivationType, Frequency, Status } from "../../../../src/guides/model";
import type { GuideMetrics } from "../../../../src/guides/metrics";
import type { NpsResult } from "../../../../src/guides/nps";
import type { WireGuide } from "../../../../src/guides/wire";
import { renderContent } from "../../../../src/guides/sanitize";

export type { Guide, GuideInput, Layout, Step, GuideButton, ButtonAction, ActivationType, Frequency, Status, GuideMetrics, NpsResult, WireGuide };

export type Segment = { id: string; name: string };

export const LAYOUTS: { value: Layout; label: string }[] = [
  { value: "lightbox", label: "Lightbox (modal)" },
  { value: "banner", label: "Banner" },
  { value: "tooltip", label: "Tooltip on an element" },
  { value: "poll", label: "Poll (NPS or choice)" },
];

export const STATUSES: { value: Status; label: string }[] = [
  { value: "draft", label: "Draft" },
  { value: "scheduled", label: "Scheduled" },
  { value: "public", label: "Public" },
  { value: "disabled", label: "Disabled" },
];

/** Badge colours dark enough for white text (WCAG AA), used with variant "filled". */

export const ACTIONS: { value: ButtonAction; label: string }[] = [
  { value: "next", label: "Next step" },
  { value: "back", label: "Previous step" },
  { value: "goToStep", label: "Go to step…" },
  { value: "complete", label: "Complete" },
  { value: "dismiss", label: "Dismiss" },
  { value: "link", label: "Open a link" },
];

export const ACTIVATIONS: { value: ActivationType; label: string }[] = [
  { value: "automatic", label: "Automatically when eligible" },
  { value: "element", label: "When an element is clicked" },
  { value: "badge", label: "From a badge beside an element" },
  { value: "api", label: "From code: pendulum.showGuide(id)" },
];

export const FREQUENCIES: { value: Frequency; label: string }[] = [
  { value: "once", label: "Once per visitor" },
  { value: "untilDismissed", label: "Until dismissed or completed" },
  { value: "everyVisit", label: "On every visit" },
];

/** How a guide reads in a list: its layout, or a walkthrough of n steps. */
export function layoutLabel(g: Pick<Guide, "steps">): string {
  if (g.steps.length > 1) return `Walkthrough · ${g.steps.length} steps`;
  const l = g.steps[0]?.layout ?? "lightbox";
  return g.steps[0]?.poll?.type === "nps" ? "NPS poll" : l.charAt(0).toUpperCase() + l.slice(1);
}

/** A rate 0–1 as a percentage. */
export const percent = (r: number | null | undefined): string => (r === null || r === undefined ? "—" : `${(r * 100).toLocaleString("en-US", { maximumFractionDigits: 1 })}%`);

/** Milliseconds as "1 min 5 s" or "12.3 s". */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  const s = ms / 1000;
  if (s < 60) return `${s.toLocaleString("en-US", { maximumFractionDigits: 1 })} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** The sanitised HTML a step will be stored and shown with. */
export const sanitised = (s: Pick<Step, "content" | "format">): string => renderContent(s.content, s.format ?? "markdown");

/** A draft as the agent's renderer receives it (content sanitised the same way the server does). */
export function toWire(id: string, input: GuideInput): WireGuide {
  return {
    id,
    name: input.name || "Untitled guide",
    auto: true,
    activation: input.activation ?? { type: "automatic" },
    frequency: input.frequency ?? "once",
    priority: input.priority ?? 0,
    steps: input.steps.map((s) => ({
      layout: s.layout,
      ...(s.title ? { title: s.title } : {}),
      html: sanitised(s),
      ...(s.selector ? { selector: s.selector } : {}),
      ...(s.position ? { position: s.position } : {}),
      ...(s.placement ? { placement: s.placement } : {}),
      buttons: s.buttons ?? [],
      ...(s.poll ? { poll: s.poll } : {}),
    })),
  };
}

/** YYYY-MM-DD of a day `daysAgo` before today (UTC, as the server counts its default range). */
export function dayAgo(daysAgo: number, from = Date.now()): string {
  return new Date(from - daysAgo * 86_400_000).toISOString().slice(0, 10);
}

export const RANGES = [
  { value: "7", label: "Last 7 days" },
  { value: "30", label: "Last 30 days" },
  { value: "90", label: "Last 90 days" },
];
