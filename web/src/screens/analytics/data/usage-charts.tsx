import { Card, Group, SegmentedControl, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { useState } from "react";
import { query } from "../../../api";
import { Chart, type ChartOption } from "../../../components/chart";
import { Loaded } from "../../../components/common";
import { axisDay, formatDay } from "../../../components/dates";
import { useApi } from "../../../use-api";

type UsageDay = { date: string; visitors: number; minutes: number; featureClicks: number; pageViews: number; events: number };
type Usage = { accountId: string; timeZone: string; from: string; to: string; days: UsageDay[] };

const shortDate = axisDay;

function seriesOption(days: UsageDay[], name: string, pick: (d: UsageDay) => number, kind: "bar" | "line", color: string, summary: string): ChartOption {
  return {
    // ECharts writes its own aria-label on the chart; give it ours so the summary is what is read.
    aria: { enabled: true, label: { description: `${name}: ${summary}` } },
    color: [color],
    grid: { left: 44, right: 16, top: 16, bottom: 28 },
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: days.map((d) => shortDate(d.date)), axisLabel: { hideOverlap: true } },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ name, type: kind, data: days.map(pick), smooth: kind === "line", areaStyle: kind === "line" ? { opacity: 0.15 } : undefined, showSymbol: false }],
  };
}

function describeSeries(days: UsageDay[], pick: (d: UsageDay) => number, unit: string): string {
  const values = days.map(pick);
  const total = values.reduce((a, b) => a + b, 0);
  const active = values.filter((v) => v > 0).length;
  let best = 0;
  values.forEach((v, i) => {
    if (v > (values[best] ?? 0)) best = i;
  });
  if (total === 0) return `no ${unit} in these ${days.length} days`;
  return `${total.toLocaleString("en-US")} ${unit} in total over ${days.length} days, on ${active} active days; the busiest day was ${shortDate(days[best]?.date ?? "")} with ${(values[best] ?? 0).toLocaleString("en-US")}`;
}

/** Daily visitors, minutes and feature clicks of one account, last 30 or 90 days (analytics rollups). */
export function UsageCharts(props: { accountId: string; title?: string }) {
  const [days, setDays] = useState("30");
  const usage = useApi<Usage>(`/accounts/${encodeURIComponent(props.accountId)}/usage${query({ days })}`);
  const d = usage.data?.days ?? [];
  const charts: { label: string; unit: string; pick: (x: UsageDay) => number; kind: "bar" | "line"; color: string; id: string }[] = [
    { id: "visitors", label: "Daily visitors", unit: "visitor-days", pick: (x) => x.visitors, kind: "bar", color: "#1864ab" },
    { id: "minutes", label: "Daily minutes", unit: "minutes", pick: (x) => x.minutes, kind: "line", color: "#087f5b" },
    { id: "clicks", label: "Daily feature clicks", unit: "clicks", pick: (x) => x.featureClicks, kind: "bar", color: "#862e9c" },
  ];
  return (
    <Card withBorder>
      <Group justify="space-between" mb="xs">
        <Stack gap={0}>
          <Title order={2} size="h4">
            {props.title ?? "Usage over time"}
          </Title>
          {usage.data && (
            <Text size="xs" c="dimmed">
              {formatDay(usage.data.from)} – {formatDay(usage.data.to)}, days in {usage.data.timeZone}
            </Text>
          )}
        </Stack>
        <SegmentedControl
          aria-label="Period"
          value={days}
          onChange={setDays}
          data={[
            { value: "30", label: "Last 30 days" },
            { value: "90", label: "Last 90 days" },
          ]}
        />
      </Group>
      <Loaded state={usage} label="Loading usage…">{() => (
        <SimpleGrid cols={{ base: 1, md: 3 }}>
          {charts.map((c) => {
            const summary = describeSeries(d, c.pick, c.unit);
            return (
              <Stack key={c.id} gap={4} data-testid={`usage-${c.id}`}>
                <Text size="sm" fw={600}>
                  {c.label}
                </Text>
                <Chart option={seriesOption(d, c.label, c.pick, c.kind, c.color, summary)} label={c.label} summary={summary} height={200} />
                <Text size="xs" c="dimmed" aria-hidden>
                  {summary[0]?.toUpperCase()}
                  {summary.slice(1)}.
                </Text>
              </Stack>
            );
          })}
        </SimpleGrid>
      )}</Loaded>
    </Card>
  );
}

