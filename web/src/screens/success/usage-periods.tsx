import { Group, Select, SimpleGrid, Stack, Text } from "@mantine/core";
import { useMemo, useState } from "react";
import type { UsagePeriod, UsageRow } from "../../../../src/success/index.js";
import { query } from "../../api";
import { Chart, type ChartOption } from "../../components/chart";
import { DataTable, Loaded, formatCell } from "../../components/common";
import { axisDay, formatDay } from "../../components/dates";
import { Link } from "../../router";
import { useApi } from "../../use-api";
import { Panel, type UsageMeasure } from "./shared";

const COLOURS = ["#1c5fb0", "#087f5b", "#862e9c", "#a34a0b"];

/** One numeric measure across customers, period by period: the mean per customer and the range between the lowest and highest. */
function PeriodChart(props: { measure: UsageMeasure; periods: UsagePeriod[]; colour: string }) {
  const { measure, periods } = props;
  const option = useMemo<ChartOption>(() => {
    const v = (p: UsagePeriod) => p.values[measure.name];
    return {
      grid: { left: 48, right: 10, top: 28, bottom: 24 },
      legend: { top: 0, data: ["Mean per customer", "Lowest", "Highest"] },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: periods.map((p) => axisDay(p.periodStart)), axisLabel: { hideOverlap: true } },
      yAxis: { type: "value" },
      series: [
        { name: "Mean per customer", type: "line", data: periods.map((p) => (v(p) ? Math.round((v(p)?.avg ?? 0) * 10) / 10 : null)), color: props.colour, lineStyle: { width: 3 }, showSymbol: false },
        { name: "Lowest", type: "line", data: periods.map((p) => v(p)?.min ?? null), color: props.colour, lineStyle: { type: "dashed", width: 1, opacity: 0.6 }, showSymbol: false },
        { name: "Highest", type: "line", data: periods.map((p) => v(p)?.max ?? null), color: props.colour, lineStyle: { type: "dashed", width: 1, opacity: 0.6 }, showSymbol: false },
      ],
    };
  }, [measure, periods, props.colour]);
  const first = periods.find((p) => p.values[measure.name]);
  const last = [...periods].reverse().find((p) => p.values[measure.name]);
  const summary = first && last ? `${measure.label}, mean per customer: ${formatCell(first.values[measure.name]?.avg)} in the week of ${formatDay(first.periodStart)}, ${formatCell(last.values[measure.name]?.avg)} in the week of ${formatDay(last.periodStart)}` : `No values of ${measure.label} yet`;
  return (
    <Stack gap={2}>
      <Text size="sm" fw={600}>
        {measure.label}
      </Text>
      <Chart option={option} label={`${measure.label} across customers by period`} summary={summary} height={200} />
    </Stack>
  );
}

/**
 * The rows the rules load, shown: each numeric measure across customers period by period, and a
 * period's rows by customer (by name, linking to the customer's page).
 */
export function UsagePeriods() {
  const summary = useApi<{ measures: UsageMeasure[]; periods: UsagePeriod[] }>("/success/usage/summary");
  const [chosen, setChosen] = useState<string | null>(null);
  const periods = summary.data?.periods ?? [];
  const period = chosen ?? periods[periods.length - 1]?.periodStart ?? null;
  const rows = useApi<{ rows: UsageRow[] }>(period ? `/success/usage/data${query({ from: period, to: period, aggregationLevel: "ACCOUNTLEVEL", limit: 1000 })}` : null);
  const measures = summary.data?.measures ?? [];
  const numeric = measures.filter((m) => m.type === "number" || m.type === "integer");
  return (
    <Panel title="Usage by period" testId="usage-periods">
      <Loaded state={summary} label="Loading usage…">
        {(s) =>
          s.periods.length === 0 ? (
            <Text size="sm" c="dimmed">
              No usage rows yet. A rule with a Load to usage action (the article's rule 1) writes one row per customer and period.
            </Text>
          ) : (
            <Stack>
              <Text size="sm" c="dimmed">
                {s.periods.length} {s.periods.length === 1 ? "period" : "periods"} from {formatDay(s.periods[0]?.periodStart)} to {formatDay(s.periods[s.periods.length - 1]?.periodStart)}; up to {Math.max(...s.periods.map((p) => p.accounts)).toLocaleString("en-US")} customers a period.
              </Text>
              <SimpleGrid cols={{ base: 1, md: Math.min(3, Math.max(1, numeric.length)) }}>
                {numeric.map((m, i) => (
                  <PeriodChart key={m.name} measure={m} periods={s.periods} colour={COLOURS[i % COLOURS.length] as string} />
                ))}
              </SimpleGrid>
              <Group align="flex-end" justify="space-between">
                <Select
                  label="Rows of the period starting"
                  data={[...s.periods].reverse().map((p) => ({ value: p.periodStart, label: `${formatDay(p.periodStart)} (${p.accounts.toLocaleString("en-US")} customers)` }))}
                  value={period}
                  onChange={setChosen}
                  allowDeselect={false}
                  w={300}
                  maw="100%"
                />
              </Group>
              <Loaded state={rows} label="Loading the period's rows…">
                {(r) => (
                  <DataTable
                    testId="usage-rows"
                    pageSize={25}
                    rows={r.rows}
                    rowKey={(x) => `${x.accountId}|${x.instanceId ?? ""}|${x.userId ?? ""}`}
                    empty="No rows in this period."
                    columns={[
                      { key: "customer", label: "Customer", render: (x) => <Link to={`/success/customers/${encodeURIComponent(x.accountId)}`}>{x.customerName ?? x.accountId}</Link>, sortValue: (x) => x.customerName ?? x.accountId },
                      ...measures.map((m) => ({ key: m.name, label: m.label, align: (numeric.includes(m) ? "right" : "left") as "right" | "left", render: (x: UsageRow) => formatCell(x.measures[m.name]), sortValue: (x: UsageRow) => (x.measures[m.name] ?? null) as string | number | null })),
                    ]}
                  />
                )}
              </Loaded>
            </Stack>
          )
        }
      </Loaded>
    </Panel>
  );
}
