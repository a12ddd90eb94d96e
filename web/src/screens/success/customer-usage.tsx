import { SimpleGrid, Stack, Text } from "@mantine/core";
import { useMemo } from "react";
import { Chart, type ChartOption } from "../../components/chart";
import { formatCell } from "../../components/common";
import { axisDay, formatDay } from "../../components/dates";
import type { UsageMeasure } from "./shared";

export type UsageSeries = { periodStart: string; measures: Record<string, string | number | boolean | null> }[];

const COLOURS = ["#1c5fb0", "#087f5b", "#862e9c", "#a34a0b", "#495057"];

/**
 * Usage by period as the rules loaded it: one small chart per numeric measure, each on its own
 * axis (visitors and minutes differ by orders of magnitude), and date or text measures in words.
 */
export function UsageByPeriod(props: { series: UsageSeries; measures: UsageMeasure[]; testId?: string }) {
  const rows = useMemo(() => [...props.series].sort((a, b) => a.periodStart.localeCompare(b.periodStart)), [props.series]);
  const numeric = props.measures.filter((m) => m.type === "number" || m.type === "integer");
  const other = props.measures.filter((m) => m.type !== "number" && m.type !== "integer");
  if (rows.length === 0) return <Text size="sm" c="dimmed">No usage data for this customer yet. A rule that loads to usage (such as “Pendo: Sync data from Account to Usage”) fills it.</Text>;
  const last = rows[rows.length - 1];
  return (
    <Stack gap="xs" data-testid={props.testId}>
      <Text size="xs" c="dimmed">
        {rows.length} {rows.length === 1 ? "period" : "periods"}, {formatDay(rows[0]?.periodStart)} to {formatDay(last?.periodStart)}
        {other.length > 0 ? ` · latest ${other.map((m) => `${m.label.toLowerCase()} ${formatCell(last?.measures[m.name])}`).join(", ")}` : ""}
      </Text>
      <SimpleGrid cols={{ base: 1, sm: Math.min(2, Math.max(1, numeric.length)) }}>
        {numeric.map((m, i) => (
          <MeasureChart key={m.name} measure={m} rows={rows} colour={COLOURS[i % COLOURS.length] as string} />
        ))}
      </SimpleGrid>
    </Stack>
  );
}

function MeasureChart(props: { measure: UsageMeasure; rows: UsageSeries; colour: string }) {
  const { measure, rows } = props;
  const values = rows.map((r) => (typeof r.measures[measure.name] === "number" ? (r.measures[measure.name] as number) : null));
  const option = useMemo<ChartOption>(
    () => ({
      grid: { left: 44, right: 10, top: 10, bottom: 24 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: rows.map((r) => axisDay(r.periodStart)), axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", minInterval: measure.type === "integer" ? 1 : undefined },
      series: [{ type: rows.length > 1 ? "line" : "bar", name: measure.label, data: values, color: props.colour, connectNulls: true, showSymbol: rows.length < 20, areaStyle: { opacity: 0.08 }, barMaxWidth: 28 }],
    }),
    [rows, values, measure, props.colour],
  );
  const present = values.filter((v): v is number => v !== null);
  const summary = present.length === 0 ? `no values of ${measure.label}` : `${measure.label}: from ${formatCell(present[0])} to ${formatCell(present[present.length - 1])} over ${rows.length} periods`;
  return (
    <Stack gap={2}>
      <Text size="sm" fw={600}>
        {measure.label}
      </Text>
      <Chart option={option} label={measure.label} summary={summary} height={150} />
    </Stack>
  );
}
