import { Button, Card, Group, Pagination, Select, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { useEffect, useMemo, useState } from "react";
import { api } from "../../api";
import { useCanEdit } from "../../auth";
import { Chart, type ChartOption } from "../../components/chart";
import { DataTable, ErrorNotice, Loading, PageHeader, formatCell, formatTime, Loaded } from "../../components/common";
import { Link, navigate } from "../../router";
import { useApi, useMutation } from "../../use-api";
import { StatusBadge } from "../../components/status-badge";
import { duration, Note, runKind, type SyncRun } from "./shared";

const RUN_LIMIT = 50;

/** Every pull and push: what it read, changed, wrote and failed, and the API calls it used. */
function SyncRuns() {
  const canEdit = useCanEdit();
  const runs = useApi<{ runs: SyncRun[] }>(`/sync/runs?limit=${RUN_LIMIT}`);
  const start = useMutation((body: { pull: boolean; push: boolean }) => api<SyncRun>("/sync/runs", { body }));
  const running = (runs.data?.runs ?? []).some((r) => r.status === "running");
  const { reload } = runs;
  useEffect(() => {
    if (!running) return;
    const t = window.setInterval(reload, 1500);
    return () => window.clearInterval(t);
  }, [running, reload]);
  const launch = (body: { pull: boolean; push: boolean }) => void start.run(body).then((r) => r && reload());
  return (
    <>
      <PageHeader
        title="Sync runs"
        description="Pulls read CRM fields into account metadata; pushes write report values to the CRM's Pendo_ fields, only where they changed."
        actions={
          canEdit ? (
            <>
              <Button variant="default" loading={start.busy} disabled={running} onClick={() => launch({ pull: true, push: false })}>
                Pull now
              </Button>
              <Button loading={start.busy} disabled={running} onClick={() => launch({ pull: false, push: true })}>
                Run push now
              </Button>
            </>
          ) : undefined
        }
      />
      <ErrorNotice error={start.error} />
      <Loaded state={runs} label="Loading runs…">{() => (
        <>
          {(runs.data?.runs.length ?? 0) > 1 && <RunsChart runs={runs.data?.runs ?? []} />}
          <DataTable
            testId="sync-runs"
            caption={`The last ${RUN_LIMIT} runs, newest first. Select a run for its per-record errors.`}
            empty="No runs yet. Pull now, or wait for the daily job."
            rows={runs.data?.runs ?? []}
            rowKey={(r) => r.id}
            onRowClick={(r) => navigate(`/crm/runs/${r.id}`)}
            columns={[
              { key: "startedAt", label: "Started", render: (r) => <Link to={`/crm/runs/${r.id}`}>{formatTime(r.startedAt)}</Link>, sortValue: (r) => r.startedAt },
              { key: "kind", label: "Kind", render: runKind, sortValue: runKind },
              { key: "status", label: "Status", render: (r) => <StatusBadge status={r.status} notices={r.notices} /> },
              { key: "duration", label: "Took", render: (r) => duration(r.startedAt, r.finishedAt), sortValue: (r) => (r.finishedAt ?? Date.now()) - r.startedAt },
              { key: "read", label: "Read", align: "right", render: (r) => formatCell(r.counts.read), sortValue: (r) => r.counts.read },
              { key: "changed", label: "Changed", align: "right", render: (r) => formatCell(r.counts.changed), sortValue: (r) => r.counts.changed },
              { key: "written", label: "Written", align: "right", render: (r) => formatCell(r.counts.written), sortValue: (r) => r.counts.written },
              { key: "failed", label: "Failed", align: "right", render: (r) => formatCell(r.counts.failed), sortValue: (r) => r.counts.failed },
              { key: "skipped", label: "Skipped", align: "right", render: (r) => formatCell(r.counts.skipped), sortValue: (r) => r.counts.skipped },
              { key: "apiCalls", label: "API calls", align: "right", sortValue: (r) => r.apiCalls },
            ]}
          />
        </>
      )}</Loaded>
    </>
  );
}

function RunsChart(props: { runs: SyncRun[] }) {
  const ordered = useMemo(() => [...props.runs].reverse(), [props.runs]);
  const option = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 48, right: 48, top: 36, bottom: 28 },
      xAxis: { type: "category", data: ordered.map((r) => new Date(r.startedAt).toLocaleString("en-US", { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" })) },
      yAxis: [
        { type: "value", name: "records", minInterval: 1 },
        { type: "value", name: "API calls", minInterval: 1, splitLine: { show: false } },
      ],
      series: [
        { name: "Written", type: "bar", stack: "r", data: ordered.map((r) => r.counts.written), itemStyle: { color: "#2b8a3e" } },
        { name: "Failed", type: "bar", stack: "r", data: ordered.map((r) => r.counts.failed), itemStyle: { color: "#c92a2a" } },
        { name: "Skipped", type: "bar", stack: "r", data: ordered.map((r) => r.counts.skipped), itemStyle: { color: "#e67700" } },
        { name: "API calls", type: "line", yAxisIndex: 1, data: ordered.map((r) => r.apiCalls), itemStyle: { color: "#1864ab" } },
      ],
    }),
    [ordered],
  );
  const written = ordered.reduce((n, r) => n + r.counts.written, 0);
  const failed = ordered.reduce((n, r) => n + r.counts.failed, 0);
  const calls = ordered.reduce((n, r) => n + r.apiCalls, 0);
  return (
    <Card withBorder mb="md">
      <Chart
        label="Records written, failed and skipped per run, with API calls"
        summary={`${ordered.length} runs: ${written} records written, ${failed} failed, ${calls} API calls in all.`}
        option={option}
        height={220}
        testId="runs-chart"
      />
    </Card>
  );
}

const PAGE = 50;

/** One run: its counts, timing, message and every record it could not sync. */
function SyncRunDetail(props: { params: Record<string, string> }) {
  const id = props.params["id"] ?? "";
  const run = useApi<SyncRun>(`/sync/runs/${encodeURIComponent(id)}`);
  const [code, setCode] = useState<string | null>(null);
  const [page, setPage] = useState(1);
  const r = run.data;
  const { reload } = run;
  useEffect(() => {
    if (r?.status !== "running") return;
    const t = window.setTimeout(reload, 1500);
    return () => window.clearTimeout(t);
  }, [r, reload]);
  const codes = useMemo(() => {
    const m = new Map<string, number>();
    for (const e of r?.errors ?? []) m.set(e.code, (m.get(e.code) ?? 0) + 1);
    return [...m.entries()].sort((a, b) => b[1] - a[1]);
  }, [r]);
  const errors = useMemo(() => (r?.errors ?? []).filter((e) => !code || e.code === code), [r, code]);
  const pages = Math.max(1, Math.ceil(errors.length / PAGE));
  return (
    <>
      <PageHeader title={r ? `Sync run, ${runKind(r)}` : "Sync run"} back={{ to: "/crm/runs", label: "All sync runs" }} />
      <ErrorNotice error={run.error} onRetry={run.reload} />
      {!r ? (
        run.loading ? <Loading label="Loading the run…" /> : null
      ) : (
        <Stack>
          <Card withBorder>
            <Group gap="sm" mb="sm">
              <StatusBadge status={r.status} notices={r.notices} />
              <Text size="sm">
                Started {formatTime(r.startedAt)} · {r.finishedAt ? `took ${duration(r.startedAt, r.finishedAt)}` : "still running"} · {formatCell(r.apiCalls)} API calls
                {r.resumed > 0 ? ` · resumed ${r.resumed} time${r.resumed === 1 ? "" : "s"} after a restart` : ""}
              </Text>
            </Group>
            <SimpleGrid cols={{ base: 2, sm: 4, lg: 7 }}>
              {(
                [
                  ["Read", r.counts.read],
                  ["Changed", r.counts.changed],
                  ["Written", r.counts.written],
                  ["Failed", r.counts.failed],
                  ["Skipped", r.counts.skipped],
                  ["Duplicates", r.counts.duplicates],
                  ["Unmatched", r.counts.unmatched],
                ] as const
              ).map(([label, n]) => (
                <Stack gap={0} key={label} data-testid={`count-${label}`}>
                  <Text size="xs" c="dimmed">
                    {label}
                  </Text>
                  <Text size="lg" fw={700}>
                    {formatCell(n)}
                  </Text>
                </Stack>
              ))}
            </SimpleGrid>
          </Card>
          {r.message && (
            <Note color={r.status === "failure" ? "red" : "orange"} title="The run stopped early">
              <Text size="sm">{r.message}</Text>
            </Note>
          )}
          <Group justify="space-between" align="flex-end">
            <Stack gap={2}>
              <Title order={2} size="h4">
                Records not synced ({formatCell(r.errors.length)})
              </Title>
              {/* A notice is a record skipped for a data reason in a run that still did its work (ADR 0012); an error is one that failed. */}
              {r.errors.length > 0 && (
                <Text size="sm" c="dimmed" data-testid="sync-notices-note">
                  {formatCell(r.errors.filter((e) => e.notice).length)} notices (skipped for data reasons: duplicated or unmatched link values, values the CRM refused) and {formatCell(r.errors.filter((e) => !e.notice).length)} errors.
                </Text>
              )}
            </Stack>
            {codes.length > 1 && (
              <Select
                label="Error code"
                placeholder="All codes"
                clearable
                data={codes.map(([c, n]) => ({ value: c, label: `${c} (${n})` }))}
                value={code}
                onChange={(v) => {
                  setCode(v);
                  setPage(1);
                }}
              />
            )}
          </Group>
          {r.errors.length === 0 ? (
            <Text size="sm" c="dimmed">
              Every record synced.
            </Text>
          ) : (
            <>
              <Table.ScrollContainer minWidth={700}>
                <Table striped data-testid="run-errors">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Kind</Table.Th>
                      <Table.Th>Step</Table.Th>
                      <Table.Th>Object</Table.Th>
                      <Table.Th>Analytics id</Table.Th>
                      <Table.Th>CRM record</Table.Th>
                      <Table.Th>Code</Table.Th>
                      <Table.Th>Message</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {errors.slice((page - 1) * PAGE, page * PAGE).map((e, i) => (
                      <Table.Tr key={`${e.code}-${e.key ?? ""}-${e.recordId ?? ""}-${i}`}>
                        <Table.Td>{e.notice ? "Notice" : "Error"}</Table.Td>
                        <Table.Td>{e.step}</Table.Td>
                        <Table.Td>{e.object}</Table.Td>
                        <Table.Td>{e.key ?? "—"}</Table.Td>
                        <Table.Td>{e.recordId ?? "—"}</Table.Td>
                        <Table.Td>{e.code}</Table.Td>
                        <Table.Td>
                          {e.message}
                          {e.fields?.length ? ` (${e.fields.join(", ")})` : ""}
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
              {pages > 1 && <Pagination total={pages} value={page} onChange={setPage} aria-label="Error pages" getControlProps={(c) => ({ "aria-label": c === "previous" ? "Previous page" : c === "next" ? "Next page" : c })} />}
            </>
          )}
        </Stack>
      )}
    </>
  );
}

export { SyncRuns, SyncRunDetail };
