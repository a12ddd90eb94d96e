import { Group, Paper, SimpleGrid, Stack, Text } from "@mantine/core";
import type { ReactNode } from "react";
import type { CtaStatus } from "../../../../src/success/index.js";

export { HealthBadge, healthColor, healthHex } from "../../components/health";

// Customer Info, usage, objects, scorecards and CTAs as the API answers: the server's own types
// (type-only imports; the lists below are checked against them).
export type { Customer, Cta, CtaStatus, CustomObject, ObjectField, ScoreRange, Scorecard, ScorecardGroup, ScorecardMeasure, UsageConfig, UsageMeasure } from "../../../../src/success/index.js";
export type { ScoringScheme as Scheme } from "../../../../src/success/index.js";

/** The standard Customer Info fields, in the order the API lists them (rules read and write these). */
export const CUSTOMER_FIELDS = ["accountId", "name", "status", "stage", "arr", "mrr", "renewalDate", "users", "churnRisk", "onboardingStatus", "latestNps", "healthScore", "healthColour", "tags"];

export const USAGE_KEY_TARGETS = ["accountId", "date", "aggregationLevel", "instanceId", "userId"];

export const CTA_STATUSES = ["Open", "Work In Progress", "Closed Success", "Closed Lost"] as const satisfies readonly CtaStatus[];
export const PRIORITIES = ["Low", "Medium", "High", "Critical"] as const;

/** A job as GET /jobs answers (a rule's schedule is a `rule` job). */
export type { Job } from "../jobs/schedule";

/** A money amount in US dollars, or "—". */
export function money(v: number | null | undefined): string {
  return v === null || v === undefined ? "—" : v.toLocaleString("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 0 });
}

/** Label/value pairs in a responsive grid (a record's fields). */
export function FieldGrid(props: { items: { label: string; value: ReactNode }[]; cols?: number }) {
  return (
    <SimpleGrid cols={{ base: 2, md: props.cols ?? 4 }} spacing="sm" verticalSpacing="xs">
      {props.items.map((i) => (
        <Stack key={i.label} gap={0}>
          <Text size="xs" c="dimmed" fw={600}>
            {i.label}
          </Text>
          <Text size="sm" component="div">
            {i.value === null || i.value === undefined || i.value === "" ? "—" : i.value}
          </Text>
        </Stack>
      ))}
    </SimpleGrid>
  );
}

/** A titled panel of a screen. */
export function Panel(props: { title: string; actions?: ReactNode; children: ReactNode; testId?: string; badge?: ReactNode }) {
  return (
    <Paper withBorder p="md" radius="md" mb="md" data-testid={props.testId} component="section" aria-label={props.title}>
      <Group justify="space-between" mb="sm">
        <Group gap="sm">
          <Text component="h2" fw={700} size="lg" m={0}>
            {props.title}
          </Text>
          {props.badge}
        </Group>
        {props.actions && <Group gap="xs">{props.actions}</Group>}
      </Group>
      {props.children}
    </Paper>
  );
}

/** Parses what a person typed as a filter or mapping constant: numbers, true/false and null as such, else text. */
export function parseScalar(text: string): string | number | boolean | null {
  const t = text.trim();
  if (t === "null") return null;
  if (t === "true") return true;
  if (t === "false") return false;
  if (/^-?(\d+\.?\d*|\.\d+)$/.test(t) && !/^0\d/.test(t)) return Number(t);
  return text;
}

/** The opposite of parseScalar, for editing a stored value. */
export function scalarText(v: unknown): string {
  return v === null ? "null" : v === undefined ? "" : String(v);
}
