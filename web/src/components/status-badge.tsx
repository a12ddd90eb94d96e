import { Badge, Text } from "@mantine/core";

/**
 * Every status Pendulum shows as a badge, in one vocabulary: runs of jobs, syncs and rules (the
 * server says success / partial / failure / running), a chain step's place in its run, the CRM
 * connection and CTAs. One look everywhere: a filled badge in sentence case that never shrinks.
 */
export type RunState = "success" | "partial" | "failure" | "running" | "waiting" | "skipped" | "never";
export type StatusKind = "run" | "connection" | "cta" | "guide" | "plain";

type Tone = "ok" | "warn" | "bad" | "busy" | "idle" | "special";
// Dark fills keep white text at WCAG AA; warn is yellow with dark text (autoContrast).
const TONE_COLOUR: Record<Tone, string> = { ok: "#1e6b2e", warn: "#fcc419", bad: "#b02525", busy: "#1c5fb0", idle: "#495057", special: "#5f3dc4" };

const RUN: Record<string, { word: string; tone: Tone }> = {
  success: { word: "Succeeded", tone: "ok" },
  partial: { word: "Partial", tone: "warn" },
  failure: { word: "Failed", tone: "bad" },
  running: { word: "Running", tone: "busy" },
  waiting: { word: "Waiting", tone: "idle" },
  skipped: { word: "Not reached", tone: "idle" },
  never: { word: "Never run", tone: "idle" },
};
const CONNECTION: Record<string, { word: string; tone: Tone }> = {
  connected: { word: "Connected", tone: "ok" },
  reconnect: { word: "Needs reconnecting", tone: "bad" },
  "pending-authorization": { word: "Waiting for sign-in", tone: "busy" },
  disconnected: { word: "Not connected", tone: "idle" },
};
const CTA: Record<string, { word: string; tone: Tone }> = {
  Open: { word: "Open", tone: "busy" },
  "Work In Progress": { word: "Work in progress", tone: "special" },
  "Closed Success": { word: "Closed, success", tone: "ok" },
  "Closed Lost": { word: "Closed, lost", tone: "idle" },
};
const GUIDE: Record<string, { word: string; tone: Tone }> = {
  draft: { word: "Draft", tone: "idle" },
  scheduled: { word: "Scheduled", tone: "special" },
  public: { word: "Public", tone: "ok" },
  disabled: { word: "Disabled", tone: "bad" },
};
const TABLES: Record<StatusKind, Record<string, { word: string; tone: Tone }>> = { run: RUN, connection: CONNECTION, cta: CTA, guide: GUIDE, plain: {} };

/** The words a status is shown with (the same as the badge's text). */
export function statusWord(status: string | null | undefined, kind: StatusKind = "run"): string {
  if (!status) return kind === "run" ? (RUN["never"] as { word: string }).word : "—";
  return TABLES[kind][status]?.word ?? `${status.charAt(0).toUpperCase()}${status.slice(1)}`;
}

/**
 * A run's state (or a connection's, a CTA's) as Pendulum's one status badge; a missing run is "Never run".
 * A run that succeeded with notices (records skipped for data reasons, ADR 0012) says "Succeeded with N notices".
 */
export function StatusBadge(props: { status: string | null | undefined; kind?: StatusKind; size?: "xs" | "sm" | "md" | "lg"; testId?: string; notices?: number | undefined }) {
  const kind = props.kind ?? "run";
  const notices = kind === "run" && props.status === "success" && props.notices ? ` with ${props.notices} notice${props.notices === 1 ? "" : "s"}` : "";
  if (!props.status && kind !== "run") return <Text c="dimmed" size="sm">—</Text>;
  const key = props.status ?? "never";
  const tone = TABLES[kind][key]?.tone ?? "idle";
  return (
    <Badge
      data-testid={props.testId ?? "status-badge"}
      data-status-badge={kind}
      data-status={key}
      color={TONE_COLOUR[tone]}
      variant="filled"
      autoContrast
      size={props.size ?? "sm"}
      tt="none"
      // A badge in a narrow table cell keeps its whole word: it never shrinks or cuts its label.
      styles={{ root: { flexShrink: 0, overflow: "visible", maxWidth: "none" }, label: { overflow: "visible", textOverflow: "clip" } }}
    >
      {statusWord(props.status, kind) + notices}
    </Badge>
  );
}
