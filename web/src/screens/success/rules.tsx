import { Button, Code, Group, Pagination, SimpleGrid, Stack, Text } from "@mantine/core";
import { useEffect, useState } from "react";
import { api, type ApiError } from "../../api";
import { useCanEdit } from "../../auth";
import { DataTable, ErrorNotice, Loading, PageHeader, formatCell, formatTime, Loaded } from "../../components/common";
import { Link, navigate } from "../../router";
import { useApi } from "../../use-api";
import { CrmWritableCard } from "./crm-writable";
import { actionLabel, actionTarget, sourceLabel, type Rule, type RuleRun } from "./rule-model";
import { ruleSchedule } from "./rule-schedule";
import { RunRows } from "./run-rows";
import { formatDay } from "../../components/dates";
import { StatusBadge } from "../../components/status-badge";
import { FieldGrid, Panel, type Job } from "./shared";

/** The last run of each listed rule: one small request per rule on the page (never more than a page). */
function useLastRuns(ids: string[]): { runs: Map<string, RuleRun | null>; error: ApiError | undefined } {
  const [runs, setRuns] = useState(new Map<string, RuleRun | null>());
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const key = ids.join(",");
  useEffect(() => {
    if (!key) return;
    const controller = new AbortController();
    Promise.all(key.split(",").map(async (id) => [id, (await api<{ runs: RuleRun[] }>(`/success/rules/${encodeURIComponent(id)}/runs?limit=1`, { signal: controller.signal })).runs[0] ?? null] as const))
      .then((pairs) => setRuns(new Map(pairs)))
      .catch((e: unknown) => {
        if (!controller.signal.aborted) setError(e as ApiError);
      });
    return () => controller.abort();
  }, [key]);
  return { runs, error };
}

const PAGE = 25;

/** The rules engine: every rule with its source, actions, schedule and last run. */
export function RulesScreen() {
  const rules = useApi<{ rules: Rule[] }>("/success/rules");
  const jobs = useApi<{ jobs: Job[] }>("/jobs");
  const canEdit = useCanEdit();
  const [page, setPage] = useState(1);
  const all = rules.data?.rules ?? [];
  const shown = all.slice((page - 1) * PAGE, page * PAGE);
  const last = useLastRuns(shown.map((r) => r.id));
  return (
    <>
      <PageHeader
        title="Rules"
        description="Rules read a source (CRM objects, Customer Info, usage data, custom objects), filter it and act on every row: load data, set scores, open CTAs."
        actions={canEdit && <Button onClick={() => navigate("/success/rules/new")}>New rule</Button>}
      />
      <ErrorNotice error={jobs.error ?? last.error} />
      <Loaded state={rules} label="Loading rules…">{() => (
        <DataTable
          testId="rules-table"
          rows={shown}
          rowKey={(r) => r.id}
          empty="No rules yet. Create one to move data between the CRM, usage and Customer Info."
          columns={[
            { key: "name", label: "Rule", render: (r) => <Link to={`/success/rules/${encodeURIComponent(r.id)}`}>{r.name}</Link> },
            { key: "source", label: "Source", render: (r) => sourceLabel(r.source), sortValue: (r) => sourceLabel(r.source) },
            { key: "actions", label: "Actions", render: (r) => r.actions.map(actionTarget).join(", "), sortValue: (r) => r.actions.length },
            { key: "schedule", label: "Schedule", render: (r) => (jobs.data ? ruleSchedule(r, jobs.data.jobs).text : "…") },
            {
              key: "lastRun",
              label: "Last run",
              render: (r) => {
                const run = last.runs.get(r.id);
                if (run === undefined) return "…";
                if (run === null) return <StatusBadge status={null} />;
                return (
                  <Group gap={6} wrap="nowrap">
                    <StatusBadge status={run.status} notices={run.notices} />
                    <Link to={`/success/rules/${encodeURIComponent(r.id)}/runs/${encodeURIComponent(run.id)}`}>{formatTime(run.startedAt)}</Link>
                  </Group>
                );
              },
              sortValue: (r) => last.runs.get(r.id)?.startedAt ?? 0,
            },
            { key: "history", label: "History", render: (r) => <Link to={`/success/rules/${encodeURIComponent(r.id)}/runs`} aria-label={`Runs of ${r.name}`}>Runs</Link> },
          ]}
        />
      )}</Loaded>
      {all.length > PAGE && (
        <Group justify="center" mt="md">
          <Pagination total={Math.ceil(all.length / PAGE)} value={page} onChange={setPage} getControlProps={(c) => ({ "aria-label": c === "previous" ? "Previous page" : c === "next" ? "Next page" : c })} getItemProps={(p) => ({ "aria-label": `Page ${p}` })} />
        </Group>
      )}
      {canEdit && (
        <Stack mt="lg">
          <CrmWritableCard />
        </Stack>
      )}
    </>
  );
}

const duration = (r: RuleRun): string => (r.finishedAt === null ? "running" : `${((r.finishedAt - r.startedAt) / 1000).toFixed(1)} s`);

/** A rule's runs, newest first. */
export function RuleRunsScreen(props: { params: Record<string, string> }) {
  const id = props.params["id"] ?? "";
  const rule = useApi<Rule>(`/success/rules/${encodeURIComponent(id)}`);
  const runs = useApi<{ runs: RuleRun[] }>(`/success/rules/${encodeURIComponent(id)}/runs?limit=100`);
  return (
    <>
      <PageHeader
        title="Run history"
        back={{ to: `/success/rules/${encodeURIComponent(id)}`, label: rule.data ? rule.data.name : "The rule" }}
        description="Every run of this rule, newest first."
        actions={<Button variant="default" onClick={runs.reload} loading={runs.loading}>Refresh</Button>}
      />
      <ErrorNotice error={rule.error} onRetry={rule.reload} />
      <Loaded state={runs}>{() => (
        <DataTable
          testId="runs-table"
          rows={runs.data?.runs ?? []}
          rowKey={(r) => r.id}
          empty="This rule has not run yet."
          columns={[
            { key: "startedAt", label: "Started", render: (r) => <Link to={`/success/rules/${encodeURIComponent(id)}/runs/${encodeURIComponent(r.id)}`}>{formatTime(r.startedAt)}</Link> },
            { key: "status", label: "Status", render: (r) => <StatusBadge status={r.status} notices={r.notices} /> },
            { key: "ruleDate", label: "Rule date" },
            { key: "rowsRead", label: "Rows read", align: "right" },
            { key: "rowsWritten", label: "Written", align: "right" },
            // A run that succeeded lists its skipped rows as notices; a partial or failed run's rows are errors (ADR 0012).
            { key: "notices", label: "Notices", align: "right", render: (r) => (r.status === "success" ? formatCell(r.notices) : "—"), sortValue: (r) => (r.status === "success" ? r.notices : 0) },
            { key: "errorCount", label: "Row errors", align: "right", render: (r) => (r.status === "success" ? "—" : formatCell(r.errorCount)), sortValue: (r) => (r.status === "success" ? 0 : r.errorCount) },
            { key: "duration", label: "Took", render: duration, sortValue: (r) => (r.finishedAt ?? r.startedAt) - r.startedAt },
            { key: "message", label: "Message" },
          ]}
        />
      )}</Loaded>
    </>
  );
}

/** One run: what each action did, how long each step took, and every row error. */
export function RuleRunDetail(props: { params: Record<string, string> }) {
  const id = props.params["id"] ?? "";
  const runId = props.params["runId"] ?? "";
  const run = useApi<RuleRun>(`/success/rules/${encodeURIComponent(id)}/runs/${encodeURIComponent(runId)}`);
  const r = run.data;
  if (run.error) return <ErrorNotice error={run.error} title="This run could not be loaded" onRetry={run.reload} />;
  if (!r) return <Loading />;
  // Rows skipped in a run that succeeded are its notices; in a partial or failed run they are errors.
  const notices = r.status === "success";
  return (
    <>
      <PageHeader
        title={`Run of ${formatTime(r.startedAt)}`}
        back={{ to: `/success/rules/${encodeURIComponent(id)}/runs`, label: "Run history" }}
        description={<>A run of <Link to={`/success/rules/${encodeURIComponent(id)}`}>{r.ruleName}</Link></>}
        badge={<StatusBadge status={r.status} notices={r.notices} />}
      />
      <Panel title="Summary">
        <FieldGrid
          items={[
            { label: "Status", value: <StatusBadge status={r.status} notices={r.notices} /> },
            { label: "Rule date", value: formatDay(r.ruleDate) },
            { label: "Rows read", value: formatCell(r.rowsRead) },
            { label: "Records written", value: formatCell(r.rowsWritten) },
            notices ? { label: "Notices", value: formatCell(r.notices) } : { label: "Row errors", value: formatCell(r.errorCount) },
            { label: "Took", value: duration(r) },
            { label: "Finished", value: formatTime(r.finishedAt) },
            { label: "Run id", value: r.id },
          ]}
        />
        {r.message && (
          <Text size="sm" mt="sm" c={r.status === "failure" ? "red.8" : undefined}>
            {r.message}
          </Text>
        )}
      </Panel>
      <SimpleGrid cols={{ base: 1, lg: 2 }}>
        <Panel title="Actions">
          <DataTable
            rows={r.actions}
            rowKey={(a) => String(a.action)}
            empty="No action ran."
            columns={[
              { key: "action", label: "#" },
              { key: "type", label: "Action", render: (a) => actionLabel(a.type) },
              { key: "target", label: "Target" },
              { key: "written", label: "Written", align: "right" },
              { key: "unchanged", label: "Unchanged", align: "right" },
              { key: "failed", label: "Failed", align: "right" },
            ]}
          />
        </Panel>
        <Panel title="Timings">
          <Stack gap={4}>
            {Object.entries(r.timings).map(([step, ms]) => (
              <Group key={step} justify="space-between">
                <Text size="sm">{step}</Text>
                <Text size="sm" ff="monospace">
                  {ms.toLocaleString("en-US")} ms
                </Text>
              </Group>
            ))}
            {Object.keys(r.timings).length === 0 && <Text c="dimmed" size="sm">No timings recorded.</Text>}
          </Stack>
        </Panel>
      </SimpleGrid>
      <RunRows ruleId={id} runId={r.id} />
      {/* A run that did its work skipped these rows for data reasons and still succeeded: they are its notices (ADR 0012), as the API and CLI say. */}
      <Panel title={`${notices ? "Notices" : "Row errors"} (${r.errorCount.toLocaleString("en-US")})`} testId="run-errors">
        {notices && r.errorCount > 0 && (
          <Text size="sm" mb="xs" data-testid="run-notices-note">
            The run succeeded with {r.notices.toLocaleString("en-US")} notice{r.notices === 1 ? "" : "s"}: these rows were skipped for data reasons (a value the target refused) while the rest were written.
          </Text>
        )}
        {r.errorCount > r.errors.length && (
          <Text size="sm" c="dimmed" mb="xs">
            The first {r.errors.length.toLocaleString("en-US")} of {r.errorCount.toLocaleString("en-US")} {notices ? "notices" : "errors"} are kept.
          </Text>
        )}
        <DataTable
          rows={r.errors}
          rowKey={(e) => `${e.row}-${e.action}-${e.field ?? ""}-${e.code}`}
          empty="Every row was written."
          columns={[
            { key: "row", label: "Row", align: "right" },
            { key: "key", label: "Record" },
            { key: "action", label: "Action", render: (e) => `${e.action}. ${actionLabel(e.actionType)}` },
            { key: "field", label: "Field" },
            { key: "code", label: "Code", render: (e) => <Code>{e.code}</Code> },
            { key: "message", label: "Message" },
          ]}
        />
      </Panel>
    </>
  );
}

