import { Card, Group, Select, SimpleGrid, Text, Title, VisuallyHidden } from "@mantine/core";
import { useMemo, useState } from "react";
import { query } from "../../api";
import { Chart, type ChartOption } from "../../components/chart";
import { DataTable, ErrorNotice, Loading } from "../../components/common";
import { useApi } from "../../use-api";
import { RANGES, dayAgo, duration, percent, type Guide, type GuideMetrics } from "./model";

type Response = GuideMetrics & { from: string; to: string; timeZone: string };

/** A guide's views, visitors, completion and dismissal, step funnel and time on guide over a date range. */
export function GuideMetricsPanel(props: { guide: Guide }) {
  const [days, setDays] = useState("30");
  const path = `/guides/${encodeURIComponent(props.guide.id)}/metrics${query({ from: dayAgo(Number(days) - 1), to: dayAgo(0) })}`;
  const m = useApi<Response>(path);
  const d = m.data;
  const funnel = useMemo<ChartOption | undefined>(() => {
    if (!d) return undefined;
    return {
      grid: { left: 56, right: 16, top: 16, bottom: 32 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: d.funnel.map((f) => `Step ${f.step + 1}`) },
      yAxis: { type: "value", name: "Views", minInterval: 1 },
      series: [{ type: "bar", name: "Views reaching the step", data: d.funnel.map((f) => f.views), itemStyle: { color: "#1864ab" }, label: { show: true, position: "top" } }],
    };
  }, [d]);
  return (
    <>
      <Group justify="space-between" align="flex-end" mb="md">
        <Text size="sm" c="dimmed">
          {d ? `${d.from} to ${d.to} (${d.timeZone}). All visitors: the metrics API has no segment filter.` : " "}
        </Text>
        <Select label="Date range" data={RANGES} value={days} allowDeselect={false} onChange={(v) => v && setDays(v)} w={180} />
      </Group>
      <ErrorNotice error={m.error} onRetry={m.reload} />
      {!d ? (
        m.loading ? <Loading label="Loading metrics…" /> : null
      ) : (
        <>
          <SimpleGrid cols={{ base: 2, sm: 3, lg: 6 }} mb="lg">
            <Stat label="Views" value={d.views.toLocaleString("en-US")} />
            <Stat label="Unique visitors" value={d.uniqueVisitors.toLocaleString("en-US")} />
            <Stat label="Completion rate" value={percent(d.completionRate)} hint={`${d.completed} completed`} />
            <Stat label="Dismissal rate" value={percent(d.dismissalRate)} hint={`${d.dismissed} dismissed`} />
            <Stat label="Average time on guide" value={duration(d.timeOnGuideMs.average)} />
            <Stat label="Median time on guide" value={duration(d.timeOnGuideMs.median)} />
          </SimpleGrid>
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <Card withBorder>
              <Title order={2} size="h5" mb="xs">
                Step funnel
              </Title>
              {funnel && <Chart option={funnel} label="Views reaching each step" summary={funnelSummary(d)} height={240} testId="funnel-chart" />}
              <VisuallyHidden data-testid="funnel-summary">Views reaching each step: {funnelSummary(d)}</VisuallyHidden>
            </Card>
            <Card withBorder>
              <Title order={2} size="h5" mb="xs">
                Button clicks
              </Title>
              <DataTable rows={d.buttons} rowKey={(b) => b.label} empty="No button clicks in this range." columns={[{ key: "label", label: "Button" }, { key: "clicks", label: "Clicks", align: "right" }]} />
              {d.pollAnswers.length > 0 && (
                <>
                  <Title order={2} size="h5" mt="md" mb="xs">
                    Poll answers
                  </Title>
                  <DataTable rows={d.pollAnswers} rowKey={(a) => a.value} columns={[{ key: "value", label: "Answer" }, { key: "count", label: "Answers", align: "right" }]} />
                </>
              )}
            </Card>
          </SimpleGrid>
        </>
      )}
    </>
  );
}

const funnelSummary = (d: GuideMetrics): string => d.funnel.map((f) => `step ${f.step + 1}: ${f.views} views (${percent(f.rate)})`).join("; ");

function Stat(props: { label: string; value: string; hint?: string }) {
  return (
    <Card withBorder padding="sm">
      <Text size="xs" c="dimmed">
        {props.label}
      </Text>
      <Text size="xl" fw={700} data-testid={`metric-${props.label}`}>
        {props.value}
      </Text>
      {props.hint && (
        <Text size="xs" c="dimmed">
          {props.hint}
        </Text>
      )}
    </Card>
  );
}
