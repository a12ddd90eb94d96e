import { Tabs, Text } from "@mantine/core";
import type { UsageRow } from "../../../../src/success/index.js";
import { DataTable, Loaded, formatCell } from "../../components/common";
import { formatDay } from "../../components/dates";
import { StatusBadge } from "../../components/status-badge";
import { Link } from "../../router";
import { useApi } from "../../use-api";
import { Panel, type Cta } from "./shared";

type ScoreRow = { accountId: string; name: string | null; measure: string | null; measureBefore: number | null; measureAfter: number; overallBefore: number | null; overallAfter: number | null; comment: string | null; asOf: string };
type RecordRow = Record<string, unknown> & { id: string; object: string };
type Rows = { usage: { total: number; rows: UsageRow[] }; scores: { total: number; rows: ScoreRow[] }; ctas: { total: number; rows: Cta[] }; records: { total: number; rows: RecordRow[] } };

const customer = (accountId: string, name: string | null | undefined) => <Link to={`/success/customers/${encodeURIComponent(accountId)}`}>{name ?? accountId}</Link>;
const round = (n: number | null) => (n === null ? "—" : String(Math.round(n * 10) / 10));

/** What a run wrote that Pendulum keeps: usage rows, score changes, CTAs and custom-object records, by customer name. */
export function RunRows(props: { ruleId: string; runId: string }) {
  const rows = useApi<Rows>(`/success/rules/${encodeURIComponent(props.ruleId)}/runs/${encodeURIComponent(props.runId)}/rows?limit=200`);
  return (
    <Panel title="What the run wrote" testId="run-rows">
      <Loaded state={rows} label="Loading what the run wrote…">
        {(d) => {
          const kinds = [
            { id: "usage", label: "Usage rows", total: d.usage.total },
            { id: "scores", label: "Score changes", total: d.scores.total },
            { id: "ctas", label: "CTAs", total: d.ctas.total },
            { id: "records", label: "Object records", total: d.records.total },
          ];
          const present = kinds.filter((k) => k.total > 0);
          if (present.length === 0) return <Text size="sm" c="dimmed">Nothing this run wrote is kept here: it wrote nothing, its rows were taken over by a later run, or it wrote to the CRM or Customer Info (counted above).</Text>;
          const shown = (total: number, n: number) => (total > n ? <Text size="xs" c="dimmed" mb={4}>The first {n.toLocaleString("en-US")} of {total.toLocaleString("en-US")}.</Text> : null);
          return (
            <Tabs defaultValue={present[0]?.id} keepMounted={false}>
              <Tabs.List aria-label="What the run wrote">
                {present.map((k) => (
                  <Tabs.Tab key={k.id} value={k.id}>
                    {k.label} ({k.total.toLocaleString("en-US")})
                  </Tabs.Tab>
                ))}
              </Tabs.List>
              <Tabs.Panel value="usage" pt="sm">
                {shown(d.usage.total, d.usage.rows.length)}
                <DataTable
                  testId="run-usage-rows"
                  pageSize={20}
                  rows={d.usage.rows}
                  rowKey={(r) => `${r.accountId}|${r.periodStart}|${r.instanceId ?? ""}|${r.userId ?? ""}`}
                  columns={[
                    { key: "customer", label: "Customer", render: (r) => customer(r.accountId, r.customerName), sortValue: (r) => r.customerName ?? r.accountId },
                    { key: "periodStart", label: "Period", render: (r) => formatDay(r.periodStart) },
                    ...[...new Set(d.usage.rows.flatMap((r) => Object.keys(r.measures)))].map((m) => ({ key: m, label: m, render: (r: UsageRow) => formatCell(r.measures[m]) })),
                  ]}
                />
              </Tabs.Panel>
              <Tabs.Panel value="scores" pt="sm">
                {shown(d.scores.total, d.scores.rows.length)}
                <DataTable
                  testId="run-score-rows"
                  pageSize={20}
                  rows={d.scores.rows}
                  rowKey={(r) => `${r.accountId}|${r.measure}|${r.asOf}`}
                  columns={[
                    { key: "customer", label: "Customer", render: (r) => customer(r.accountId, r.name), sortValue: (r) => r.name ?? r.accountId },
                    { key: "measure", label: "Measure" },
                    { key: "change", label: "Score", render: (r) => `${round(r.measureBefore)} → ${round(r.measureAfter)}` },
                    { key: "overall", label: "Overall health", render: (r) => `${round(r.overallBefore)} → ${round(r.overallAfter)}` },
                    { key: "asOf", label: "As of", render: (r) => formatDay(r.asOf) },
                    { key: "comment", label: "Comment" },
                  ]}
                />
              </Tabs.Panel>
              <Tabs.Panel value="ctas" pt="sm">
                {shown(d.ctas.total, d.ctas.rows.length)}
                <DataTable
                  testId="run-cta-rows"
                  pageSize={20}
                  rows={d.ctas.rows}
                  rowKey={(r) => r.id}
                  columns={[
                    { key: "customer", label: "Customer", render: (r) => customer(r.accountId, r.customerName), sortValue: (r) => r.customerName ?? r.accountId },
                    { key: "type", label: "Type" },
                    { key: "reason", label: "Reason" },
                    { key: "priority", label: "Priority" },
                    { key: "status", label: "Status", render: (r) => <StatusBadge kind="cta" status={r.status} /> },
                    { key: "dueDate", label: "Due" },
                  ]}
                />
              </Tabs.Panel>
              <Tabs.Panel value="records" pt="sm">
                {shown(d.records.total, d.records.rows.length)}
                <DataTable
                  rows={d.records.rows}
                  rowKey={(r) => r.id}
                  columns={[...new Set(d.records.rows.flatMap((r) => Object.keys(r)))].filter((k) => k !== "createdAt" && k !== "updatedAt").map((k) => ({ key: k, label: k, render: (r: RecordRow) => formatCell(r[k]) }))}
                />
              </Tabs.Panel>
            </Tabs>
          );
        }}
      </Loaded>
    </Panel>
  );
}
