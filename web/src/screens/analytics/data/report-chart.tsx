import { Text } from "@mantine/core";
import { useMemo } from "react";
import { query } from "../../../api";
import { Chart, type ChartOption } from "../../../components/chart";
import { Loaded } from "../../../components/common";
import { useApi } from "../../../use-api";
import type { Report, ReportColumn, ReportResults } from "./report-model";

/** The column a report is mostly about: its first numeric column. */
export function mainColumn(columns: ReportColumn[]): ReportColumn | undefined {
  return columns.find((c) => c.type === "number");
}

/** A name for a row: the CRM's or the agent's account name when the report has one, else the id. */
function rowName(row: ReportResults["rows"][number]): string {
  for (const key of ["crm.Name", "agent.name", "custom.name"]) {
    const v = row.values[key];
    if (typeof v === "string" && v) return v;
  }
  return row.id;
}

/** Bars of a report's main column for its top rows (the rows with the most), largest first. */
export function ReportBars(props: { results: ReportResults; column: ReportColumn; height?: number }) {
  const { results, column } = props;
  const rows = useMemo(() => [...results.rows].filter((r) => typeof r.values[column.id] === "number").sort((a, b) => Number(b.values[column.id]) - Number(a.values[column.id])), [results, column]);
  const option = useMemo<ChartOption>(
    () => ({
      grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "value" },
      yAxis: { type: "category", inverse: true, data: rows.map(rowName), axisLabel: { width: 120, overflow: "truncate" } },
      series: [{ type: "bar", name: column.label, data: rows.map((r) => r.values[column.id]), color: "#1c5fb0", barMaxWidth: 18 }],
    }),
    [rows, column],
  );
  if (rows.length === 0) return <Text size="sm" c="dimmed">No values of {column.label} in this report yet.</Text>;
  const top = rows[0];
  const summary = `${column.label}, top ${rows.length} of ${results.total.toLocaleString("en-US")}: highest ${top ? `${rowName(top)} with ${Number(top.values[column.id]).toLocaleString("en-US")}` : ""}.`;
  return <Chart option={option} label={`${column.label} by ${results.report.kind}`} summary={summary} height={props.height ?? Math.max(160, rows.length * 22 + 24)} testId={`report-chart-${results.report.id}`} />;
}

/** Column ids that hold no number: dates, and metadata whose type only the data knows. */
const NOT_NUMBERS = /^(firstVisit|lastVisit|agent\.|custom\.|crm\.)/;

/** The id of a report's main column from its column ids alone: the first that holds numbers. */
export function mainColumnId(ids: string[]): string | undefined {
  return ids.find((id) => !NOT_NUMBERS.test(id));
}

/** Loads a report's top rows by its main column and draws them (the overview's pinned reports): one request. */
export function ReportChart(props: { report: Report; top?: number; height?: number }) {
  const main = mainColumnId(props.report.columns);
  const results = useApi<ReportResults>(main ? `/reports/${encodeURIComponent(props.report.id)}/results${query({ limit: props.top ?? 10, sort: main, order: "desc" })}` : null);
  if (!main) return <Text size="sm" c="dimmed">This report has no number column to chart.</Text>;
  return (
    <Loaded state={results} label="Loading the report…">
      {(r) => {
        const column = r.columns.find((c) => c.id === main && c.type === "number") ?? mainColumn(r.columns);
        return column ? <ReportBars results={r} column={column} height={props.height} /> : <Text size="sm" c="dimmed">This report has no number column to chart.</Text>;
      }}
    </Loaded>
  );
}
