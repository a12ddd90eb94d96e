import { Group, Stack, Text } from "@mantine/core";
import { useMemo } from "react";
import { Chart, type ChartOption } from "../../components/chart";
import { formatDay } from "../../components/dates";
import { HealthBadge, healthHex } from "../../components/health";
import type { Scorecard } from "./shared";

/** One row of GET /success/customers/:id/score-history (newest first). */
export type HistoryRow = { id: string; measure: string | null; measureBefore: number | null; measureAfter: number; overallBefore: number | null; overallAfter: number | null; comment: string | null; at: number; runId: string | null; asOf: string };

const round = (n: number | null): string => (n === null ? "—" : String(Math.round(n)));
const dayMs = (iso: string): number => Date.parse(`${iso}T00:00:00Z`);

/** The overall score at the end of each day it changed, oldest first (the last change of a day wins). */
export function dailyHealth(rows: HistoryRow[]): { day: string; score: number }[] {
  const byDay = new Map<string, number>();
  for (const r of [...rows].reverse()) if (r.overallAfter !== null) byDay.set(r.asOf, r.overallAfter);
  return [...byDay.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([day, score]) => ({ day, score }));
}

/**
 * Health over time as a step line on a calendar axis, over the scheme's coloured bands, with each
 * day's changes in its tooltip and the latest changes listed below: which measure moved it, and why.
 */
export function CustomerHealth(props: { rows: HistoryRow[]; current: number | null; scheme: Scorecard["scheme"] | undefined; labelOf(score: number): string; measureLabels?: Map<string, string> }) {
  const label = (m: string | null): string => (m === null ? "A measure" : (props.measureLabels?.get(m) ?? m));
  const points = useMemo(() => dailyHealth(props.rows), [props.rows]);
  const changesByDay = useMemo(() => {
    const m = new Map<string, HistoryRow[]>();
    for (const r of props.rows) m.set(r.asOf, [...(m.get(r.asOf) ?? []), r]);
    return m;
  }, [props.rows]);
  const option = useMemo<ChartOption>(() => {
    const today = new Date().toISOString().slice(0, 10);
    const line = points.map((p) => [dayMs(p.day), Math.round(p.score * 10) / 10]);
    // The line runs on to today at the score the customer holds now.
    if (props.current !== null && points.length > 0 && (points[points.length - 1] as { day: string }).day < today) line.push([dayMs(today), Math.round(props.current * 10) / 10]);
    const bands = (props.scheme?.ranges ?? []).map((r) => [{ yAxis: r.from, itemStyle: { color: healthHex(r.colour ?? r.label, (r.from + r.to) / 2), opacity: 0.14 } }, { yAxis: r.to }]);
    return {
      grid: { left: 40, right: 16, top: 12, bottom: 28 },
      tooltip: {
        trigger: "axis",
        formatter: (params: unknown) => {
          const p = (Array.isArray(params) ? params[0] : params) as { value: [number, number] } | undefined;
          if (!p) return "";
          const day = new Date(p.value[0]).toISOString().slice(0, 10);
          const changes = (changesByDay.get(day) ?? []).map((c) => `${label(c.measure)}: ${round(c.measureBefore)} → ${round(c.measureAfter)}`);
          return [`${formatDay(day)}: health ${Math.round(p.value[1])}`, ...changes].join("<br/>");
        },
      },
      xAxis: { type: "time", axisLabel: { formatter: "{MMM} {d}", hideOverlap: true } },
      yAxis: { type: "value", min: 0, max: 100 },
      series: [{ type: "line", name: "Overall health", step: "end", data: line, showSymbol: line.length < 30, symbolSize: 5, color: "#1c5fb0", markArea: bands.length ? { silent: true, data: bands } : undefined }],
    };
  }, [points, props.current, props.scheme, changesByDay, label]);
  if (points.length === 0) return <Text size="sm" c="dimmed">No score changes yet{props.current !== null ? `; the health score is ${Math.round(props.current)}` : ""}.</Text>;
  const first = points[0] as { day: string; score: number };
  const last = points[points.length - 1] as { day: string; score: number };
  const summary = `From ${Math.round(first.score)} (${props.labelOf(first.score)}) on ${formatDay(first.day)} to ${Math.round(last.score)} (${props.labelOf(last.score)}) on ${formatDay(last.day)}, over ${points.length} ${points.length === 1 ? "day" : "days"} with changes.`;
  const recent = props.rows.filter((r) => r.measureBefore !== r.measureAfter).slice(0, 5);
  return (
    <Stack gap="xs">
      <Chart option={option} label="Overall health score over time" summary={summary} height={220} testId="health-over-time" />
      <Text size="xs" c="dimmed">
        {summary}
      </Text>
      <Text size="sm" fw={600}>
        What moved it
      </Text>
      <Stack gap={0} component="ul" style={{ listStyle: "none", margin: 0, padding: 0 }} data-testid="health-changes">
        {recent.map((r) => (
          <li key={r.id} style={{ borderTop: "1px solid var(--mantine-color-gray-3)", padding: "6px 0" }}>
            <Group justify="space-between" gap="xs" wrap="nowrap">
              <Text size="sm">
                <Text span size="sm" c="dimmed">
                  {formatDay(r.asOf)}
                </Text>{" "}
                {label(r.measure)} {round(r.measureBefore)} → {round(r.measureAfter)}
              </Text>
              {r.overallAfter !== null && <HealthBadge score={r.overallAfter} colour={props.labelOf(r.overallAfter)} />}
            </Group>
            {r.comment && (
              <Text size="xs" c="dimmed">
                {r.comment}
              </Text>
            )}
          </li>
        ))}
      </Stack>
    </Stack>
  );
}
