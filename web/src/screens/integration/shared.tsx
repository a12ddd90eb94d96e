import { Alert } from "@mantine/core";
import type { ReactNode } from "react";
import type { ConnectionView, RecordError, SyncRun } from "../../../../src/sync/index.js";

// The connection, link and pull settings and sync runs as the API answers: the server's own types.
export type { ConnectionView, LinkSettings, PullSettings, RecordError, RunCounts, SyncRun } from "../../../../src/sync/index.js";
/** How Pendulum signs in to the CRM. */
export type Grant = Extract<ConnectionView, { grant: unknown }>["grant"];

/** A CRM field as GET /sync/fields describes it. */
export type FieldInfo = { name: string; label: string; type: string; updateable: boolean; externalId: boolean; unique: boolean; nillable: boolean; scale: number; length: number };
export type ObjectInfo = { name: string; fields: FieldInfo[] };

export type LinkCheck = { field: string; object: string; crmRecords: number; analytics: number; matched: number; duplicates: RecordError[]; unmatched: RecordError[]; unmatchedCount: number; orphans: { recordId: string; key: string }[]; orphanCount: number };


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

export { duration } from "../../components/dates";

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
