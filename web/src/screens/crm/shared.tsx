import { Alert, Badge } from "@mantine/core";
import type { ReactNode } from "react";
import type { ConnectionView, RecordError, SyncRun } from "../../../../src/sync/index.js";

// The connection, link and pull settings and sync runs as the API answers: the server's own types.
export type { ConnectionView, LinkSettings, PullSettings, RecordError, RunCounts, SyncRun } from "../../../../src/sync/index.js";
/** How Pendulum signs in to the CRM. */
export type Grant = Extract<ConnectionView, { grant: unknown }>["grant"];

/** A CRM field as GET /sync/fields describes it. */
export type FieldInfo = { name: string; label: string; type: string; updateable: boolean; externalId: boolean; unique: boolean; nillable: boolean; scale: number; length: number };
export type ObjectInfo = { name: string; fields: FieldInfo[] };

export type LinkCheck = { field: string; object: string; crmRecords: number; analytics: number; matched: number; duplicates: RecordError[]; unmatched: RecordError[]; unmatchedCount: number };


/** True when the connection points at this Pendulum's own (built-in) CRM. */
export function isBuiltIn(c: ConnectionView | undefined): boolean {
  return c !== undefined && c.status !== "disconnected" && c.loginUrl.replace(/\/$/, "") === window.location.origin;
}

/** A custom field's API name: a prefix plus the label in letters and single underscores, ending in __c. */
export function apiNameFor(label: string, prefix: string): string {
  const body = label
    .normalize("NFKD")
    .replace(/[^A-Za-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .replace(/_+/g, "_");
  if (!body) return "";
  const start = prefix && !body.toLowerCase().startsWith(prefix.toLowerCase()) ? `${prefix.replace(/_+$/, "")}_${body}` : body;
  const name = start.replace(/_+/g, "_").replace(/^_+/, "").slice(0, 40).replace(/_+$/, "");
  return name ? `${/^[A-Za-z]/.test(name) ? "" : "F_"}${name}__c` : "";
}

export function runKind(r: SyncRun): string {
  return r.pull && r.push ? "pull + push" : r.pull ? "pull" : "push";
}

export function duration(startedAt: number, finishedAt: number | null): string {
  if (finishedAt === null) return "running";
  const ms = Math.max(0, finishedAt - startedAt);
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

const RUN_COLOURS: Record<string, string> = { running: "blue", success: "green", partial: "orange", failure: "red" };
const RUN_WORDS: Record<string, string> = { running: "running", success: "succeeded", partial: "partial", failure: "failed" };

/** A run's status as a coloured word ("succeeded", "partial", "failed", "running"). */
export function RunStatusBadge(props: { status: string }) {
  return (
    <Badge variant="dot" color={RUN_COLOURS[props.status] ?? "gray"}>
      {RUN_WORDS[props.status] ?? props.status}
    </Badge>
  );
}

export function ConnectionBadge(props: { status: ConnectionView["status"] }) {
  const colour = props.status === "connected" ? "green" : props.status === "reconnect" ? "orange" : props.status === "pending-authorization" ? "blue" : "gray";
  const words = props.status === "pending-authorization" ? "waiting for sign-in" : props.status === "reconnect" ? "needs reconnecting" : props.status;
  return (
    <Badge color={colour} variant="dot" size="lg">
      {words}
    </Badge>
  );
}

/** An Alert whose title keeps the body text colour, so it reads at AA contrast on every tint. */
export function Note(props: { color: string; title: string; children: ReactNode; onClose?: () => void; mt?: string; mb?: string; testId?: string }) {
  return (
    <Alert
      color={props.color}
      title={props.title}
      mt={props.mt}
      mb={props.mb}
      data-testid={props.testId}
      withCloseButton={props.onClose !== undefined}
      onClose={props.onClose}
      closeButtonLabel="Dismiss"
      styles={{ title: { color: "var(--mantine-color-text)" } }}
    >
      {props.children}
    </Alert>
  );
}
