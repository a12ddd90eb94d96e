import { Card, Group, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { useMemo } from "react";
import type { HealthSummary } from "../../../../src/success/index.js";
import { Chart, type ChartOption } from "../../components/chart";
import { axisDay, formatDay } from "../../components/dates";
import { HealthBadge, healthHex } from "../../components/health";
import { Link } from "../../router";

const UNSCORED = "No score";
const labelsOf = (h: HealthSummary): string[] => [...h.ranges.map((r) => r.label).reverse(), UNSCORED];
const colourOf = (h: HealthSummary, label: string): string => {
  const r = h.ranges.find((x) => x.label === label);
  return label === UNSCORED ? "#adb5bd" : healthHex(r?.colour ?? label, r ? (r.from + r.to) / 2 : null);
};

/** Customers per health range now, as one bar split by colour with the counts in words. */
export function HealthSplit(props: { health: HealthSummary }) {
  const h = props.health;
  const labels = labelsOf(h).filter((l) => (h.current[l] ?? 0) > 0 || l !== UNSCORED);
  const total = Math.max(1, h.customers);
  return (
    <Stack gap={6} data-testid="health-split">
      <div role="img" aria-label={`Health now: ${labels.map((l) => `${h.current[l] ?? 0} ${l}`).join(", ")}`} style={{ display: "flex", height: 14, borderRadius: 7, overflow: "hidden", background: "#f1f3f5" }}>
        {labels.map((l) => (
          <div key={l} style={{ width: `${((h.current[l] ?? 0) / total) * 100}%`, background: colourOf(h, l) }} />
        ))}
      </div>
      <Group gap="md">
        {labels.map((l) => (
          <Group key={l} gap={6} wrap="nowrap">
            <span aria-hidden style={{ width: 10, height: 10, borderRadius: 5, background: colourOf(h, l), display: "inline-block" }} />
            <Text size="sm">
              <b data-testid={`health-count-${l}`}>{(h.current[l] ?? 0).toLocaleString("en-US")}</b> {l}
            </Text>
          </Group>
        ))}
      </Group>
    </Stack>
  );
}

/** The health split day by day, stacked by range: a customer moving from Green to Red shows as a band changing size. */
export function HealthTrend(props: { health: HealthSummary; height?: number }) {
  const h = props.health;
  const labels = labelsOf(h);
  const option = useMemo<ChartOption>(
    () => ({
      grid: { left: 40, right: 12, top: 30, bottom: 28 },
      legend: { top: 0, data: labels },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: h.trend.map((t) => axisDay(t.date)), axisLabel: { hideOverlap: true }, boundaryGap: false },
      yAxis: { type: "value", minInterval: 1 },
      series: labels.map((l) => ({ name: l, type: "line", stack: "health", areaStyle: { opacity: 0.85 }, showSymbol: false, lineStyle: { width: 0 }, color: colourOf(h, l), data: h.trend.map((t) => t.counts[l] ?? 0) })),
    }),
    [h, labels],
  );
  const first = h.trend[0];
  const last = h.trend[h.trend.length - 1];
  const words = (t: HealthSummary["trend"][number] | undefined) => (t ? labels.filter((l) => (t.counts[l] ?? 0) > 0).map((l) => `${t.counts[l]} ${l}`).join(", ") : "");
  const summary = first && last ? `On ${formatDay(first.date)}: ${words(first) || "no customers"}. On ${formatDay(last.date)}: ${words(last) || "no customers"}.` : "No history yet.";
  return (
    <>
      <Chart option={option} label={`Customers by health over the last ${h.trend.length} days`} summary={summary} height={props.height ?? 220} testId="health-trend" />
      <Text size="xs" c="dimmed" mt={4}>
        {summary}
      </Text>
    </>
  );
}

/** Customers whose health moved lately, with the measures that moved it (a list, so it reads on a phone too). */
export function HealthMovers(props: { health: HealthSummary; limit?: number }) {
  const moved = props.health.moved.slice(0, props.limit ?? 8);
  if (moved.length === 0) return <Text size="sm" c="dimmed">No customer's health moved in the last {props.health.movedDays} days.</Text>;
  return (
    <Stack gap={0} component="ul" style={{ listStyle: "none", margin: 0, padding: 0 }} data-testid="health-movers">
      {moved.map((m) => (
        <li key={m.accountId} style={{ borderTop: "1px solid var(--mantine-color-gray-3)", padding: "6px 0" }}>
          <Group justify="space-between" gap="xs" wrap="nowrap">
            <Link to={`/success/customers/${encodeURIComponent(m.accountId)}`}>{m.name}</Link>
            <Group gap={4} wrap="nowrap">
              <HealthBadge score={m.before} colour={m.labelBefore} />
              <Text size="sm" aria-label="to">
                →
              </Text>
              <HealthBadge score={m.after} colour={m.labelAfter} />
            </Group>
          </Group>
          {m.changes.length === 0 ? (
            <Text size="xs" c="dimmed">
              Moved by a change of weights or scheme
            </Text>
          ) : (
            m.changes.slice(-2).map((c, i) => (
              <Text key={i} size="xs" c="dimmed">
                {c.label ?? c.measure} {c.before === null ? "—" : Math.round(c.before)} → {Math.round(c.after)} on {formatDay(c.asOf)}
                {c.comment ? `: ${c.comment}` : ""}
              </Text>
            ))
          )}
        </li>
      ))}
    </Stack>
  );
}

/** The overview's health card: the split now, over time, and who moved this week. */
export function HealthPanel(props: { health: HealthSummary }) {
  return (
    <Card withBorder component="section" aria-label="Customer health" mb="md" data-testid="health-panel">
      <Group justify="space-between" mb="xs">
        <Title order={2} size="h4">
          Customer health
        </Title>
        <Link to="/success/scorecards">Scorecards</Link>
      </Group>
      <HealthSplit health={props.health} />
      <SimpleGrid cols={{ base: 1, lg: 2 }} mt="md" spacing="lg">
        <Stack gap={4}>
          <Text size="sm" fw={600}>
            Over the last {props.health.trend.length} days
          </Text>
          <HealthTrend health={props.health} />
        </Stack>
        <Stack gap={4}>
          <Text size="sm" fw={600}>
            Moved in the last {props.health.movedDays} days
          </Text>
          <HealthMovers health={props.health} />
        </Stack>
      </SimpleGrid>
    </Card>
  );
}
