import { TitleWithMark, useUnsavedChanges } from "../../components/unsaved";
import { Alert, Button, Card, Checkbox, Group, Modal, MultiSelect, Select, Stack, Switch, Table, Text, TextInput, Textarea, Timeline, Title } from "@mantine/core";
import { useCallback, useEffect, useMemo, useState, type FormEvent } from "react";
import { api, ApiError } from "../../api";
import { useCanEdit } from "../../auth";
import { Chart, type ChartOption } from "../../components/chart";
import { DataTable, ErrorNotice, Loading, PageHeader, formatTime, Loaded } from "../../components/common";
import { StatusBadge, type RunState as StepState } from "../../components/status-badge";
import { fieldError, useApi, useMutation } from "../../use-api";
import { relative, SCHEDULE_EXAMPLES, scheduleWords, summaryWords, took, type Job, type JobRun } from "./schedule";

/** The loop's chains as timelines, every job with its schedule, runs and a way to run it now. */
function Jobs() {
  const canEdit = useCanEdit();
  const jobs = useApi<{ jobs: Job[]; kinds: string[] }>("/jobs");
  const [running, setRunning] = useState<Set<string>>(new Set());
  const [runError, setRunError] = useState<ApiError | undefined>(undefined);
  const [editing, setEditing] = useState<Job | null>(null);
  const [history, setHistory] = useState<Job | null>(null);
  const [creating, setCreating] = useState(false);
  const { reload } = jobs;
  const list = useMemo(() => jobs.data?.jobs ?? [], [jobs.data]);
  const byId = useMemo(() => new Map(list.map((j) => [j.id, j])), [list]);
  const busy = running.size > 0 || list.some((j) => j.lastRun?.status === "running");
  useEffect(() => {
    if (!busy) return;
    const t = window.setInterval(reload, 1000);
    return () => window.clearInterval(t);
  }, [busy, reload]);

  const runNow = useCallback(
    (job: Job) => {
      setRunError(undefined);
      setRunning((s) => new Set(s).add(job.id));
      // The server answers when the run (a chain: every step) has finished; the poll shows progress meanwhile.
      api<JobRun>(`/jobs/${encodeURIComponent(job.id)}/run`, { method: "POST", body: {} })
        .catch((e: unknown) => setRunError(e instanceof ApiError ? e : new ApiError(0, "CLIENT", String(e))))
        .finally(() => {
          setRunning((s) => {
            const n = new Set(s);
            n.delete(job.id);
            return n;
          });
          reload();
        });
    },
    [reload],
  );

  const chains = list.filter((j) => j.kind === "chain");
  return (
    <>
      <PageHeader
        title="Jobs"
        description="Scheduled work: the loop's chain runs pull → push → rules → pull, each step after the one before it succeeds."
        actions={canEdit ? <Button onClick={() => setCreating(true)}>New job</Button> : undefined}
      />
      <ErrorNotice error={runError} />
      <Loaded state={jobs} label="Loading jobs…">{() => (
        <Stack gap="lg">
          {chains.length === 0 && (
            <Alert color="gray" title="No chain yet" styles={{ title: { color: "var(--mantine-color-text)" } }}>
              <Text size="sm">A chain runs jobs in order. Create the sync and rule jobs, then a chain of them with a schedule such as “daily at 00:30”.</Text>
            </Alert>
          )}
          {chains.map((c) => (
            <ChainCard key={c.id} chain={c} byId={byId} running={running.has(c.id)} canEdit={canEdit} onRun={() => runNow(c)} onEdit={() => setEditing(c)} onHistory={() => setHistory(c)} />
          ))}
          <div>
            <Title order={2} size="h4" mb="xs">
              All jobs
            </Title>
            <DataTable
              testId="jobs-table"
              rows={list}
              rowKey={(j) => j.id}
              empty="No jobs yet."
              columns={[
                { key: "name", label: "Name" },
                { key: "kind", label: "Kind" },
                { key: "schedule", label: "Schedule", render: (j) => scheduleWords(j.schedule, j.timeZone), sortValue: (j) => j.schedule ?? "" },
                { key: "enabled", label: "Enabled", render: (j) => (j.enabled ? "yes" : "paused") },
                {
                  key: "lastRun",
                  label: "Last run",
                  sortValue: (j) => j.lastRun?.startedAt ?? 0,
                  render: (j) =>
                    j.lastRun ? (
                      <Group gap={6}>
                        <StatusBadge status={j.lastRun.status} notices={j.lastRun.notices} />
                        <Text size="xs" c="dimmed">
                          {relative(j.lastRun.startedAt)}
                        </Text>
                      </Group>
                    ) : (
                      <StatusBadge status={null} />
                    ),
                },
                { key: "nextRunAt", label: "Next run", render: (j) => (j.nextRunAt ? formatTime(j.nextRunAt) : "—"), sortValue: (j) => j.nextRunAt ?? Number.MAX_SAFE_INTEGER },
                {
                  key: "actions",
                  label: "Actions",
                  render: (j) => (
                    <Group gap={4} wrap="nowrap">
                      {canEdit && (
                        <Button size="compact-xs" variant="light" loading={running.has(j.id)} aria-label={`Run now: ${j.name}`} onClick={() => runNow(j)}>
                          Run now
                        </Button>
                      )}
                      {canEdit && (
                        <Button size="compact-xs" variant="subtle" aria-label={`Schedule: ${j.name}`} onClick={() => setEditing(j)}>
                          Schedule
                        </Button>
                      )}
                      <Button size="compact-xs" variant="subtle" aria-label={`History: ${j.name}`} onClick={() => setHistory(j)}>
                        History
                      </Button>
                    </Group>
                  ),
                },
              ]}
            />
          </div>
        </Stack>
      )}</Loaded>
      {editing && (
        <ScheduleModal
          job={editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            reload();
          }}
        />
      )}
      {history && <HistoryModal job={history} onClose={() => setHistory(null)} />}
      {creating && jobs.data && (
        <CreateJobModal
          kinds={jobs.data.kinds}
          jobs={list}
          onClose={() => setCreating(false)}
          onSaved={() => {
            setCreating(false);
            reload();
          }}
        />
      )}
    </>
  );
}

/** Each step's state in the chain's latest run (or its own last run when the chain never ran). */
function stepState(chain: Job, step: Job | undefined): StepState {
  if (!step) return "skipped";
  const cr = chain.lastRun;
  // A chain that never ran has no step states of its own (its steps may have run elsewhere).
  if (!cr) return "never";
  if (cr.status === "running") {
    const lr = step.lastRun;
    return lr && lr.startedAt >= cr.startedAt ? lr.status : "waiting";
  }
  const steps = Array.isArray(cr.summary["steps"]) ? (cr.summary["steps"] as { job: string; status: StepState }[]) : [];
  return steps.find((s) => s.job === step.name)?.status ?? "skipped";
}

function ChainCard(props: { chain: Job; byId: Map<string, Job>; running: boolean; canEdit: boolean; onRun(): void; onEdit(): void; onHistory(): void }) {
  const c = props.chain;
  const ids = Array.isArray(c.params["steps"]) ? (c.params["steps"] as unknown[]).map(String) : [];
  const steps = ids.map((id) => ({ id, job: props.byId.get(id) }));
  const states = steps.map((s) => stepState(c, s.job));
  const chainState: StepState = props.running && c.lastRun?.status !== "running" ? "running" : (c.lastRun?.status ?? "never");
  const reached = states.reduce((n, s, i) => (s === "success" || s === "partial" || s === "failure" || s === "running" ? i + 1 : n), 0);
  return (
    <Card withBorder data-testid={`chain-${c.name}`} component="section" aria-label={`Chain ${c.name}`}>
      <Group justify="space-between" align="flex-start" mb="sm">
        <Stack gap={2}>
          <Group gap="sm">
            <Title order={2} size="h4">
              {c.name}
            </Title>
            <StatusBadge status={chainState} notices={chainState === c.lastRun?.status ? c.lastRun.notices : undefined} />
            {!c.enabled && (
              <StatusBadge kind="plain" status="Paused" />
            )}
          </Group>
          <Text size="sm">
            {scheduleWords(c.schedule, c.timeZone)} · next run {c.enabled && c.nextRunAt ? `${formatTime(c.nextRunAt)} (${relative(c.nextRunAt)})` : "none"}
          </Text>
          {c.lastRun && (
            <Text size="xs" c="dimmed">
              Last run {formatTime(c.lastRun.startedAt)} ({c.lastRun.trigger}), took {took(c.lastRun)}
            </Text>
          )}
        </Stack>
        <Group gap="xs">
          {props.canEdit && (
            <Button onClick={props.onRun} loading={props.running} aria-label={`Run now: the chain ${c.name}`}>
              Run now
            </Button>
          )}
          {props.canEdit && (
            <Button variant="default" onClick={props.onEdit}>
              Edit schedule
            </Button>
          )}
          <Button variant="subtle" onClick={props.onHistory}>
            History
          </Button>
        </Group>
      </Group>
      <Timeline active={reached - 1} bulletSize={22} lineWidth={2} color="blue">
        {steps.map((s, i) => {
          const state = states[i] ?? "never";
          const j = s.job;
          const lr = j?.lastRun ?? null;
          return (
            <Timeline.Item key={`${s.id}-${i}`} bullet={<Text size="xs" fw={700} c={i < reached ? "white" : undefined}>{i + 1}</Text>} title={j ? j.name : `Missing job ${s.id}`}>
              <Group gap="sm" mt={2} data-testid={`stage-${i + 1}`}>
                <Text size="xs" c="dimmed">
                  {j?.kind ?? "—"}
                </Text>
                <StatusBadge status={state} notices={state === lr?.status ? lr.notices : undefined} />
                {lr && state !== "waiting" && state !== "skipped" && state !== "never" && (
                  <Text size="xs" c="dimmed">
                    {lr.finishedAt ? `took ${took(lr)}, ${relative(lr.finishedAt)}` : `started ${relative(lr.startedAt)}`}
                  </Text>
                )}
                {lr && state === "never" && (
                  <Text size="xs" c="dimmed">
                    not run by this chain yet; the job itself last ran {relative(lr.startedAt)}
                  </Text>
                )}
                {j?.schedule && (
                  <Text size="xs" c="dimmed">
                    own schedule: {scheduleWords(j.schedule, j.timeZone)}
                  </Text>
                )}
              </Group>
              {lr && state !== "waiting" && state !== "skipped" && state !== "never" && j && summaryWords(j.kind, lr) && (
                <Text size="xs" mt={2}>
                  {summaryWords(j.kind, lr)}
                </Text>
              )}
            </Timeline.Item>
          );
        })}
        <Timeline.Item bullet={<Text size="xs" fw={700}>↻</Text>} title="Next run">
          <Text size="xs" c="dimmed">
            {c.enabled && c.nextRunAt ? `${formatTime(c.nextRunAt)}, ${relative(c.nextRunAt)}` : "Not scheduled: runs when started by hand."}
          </Text>
        </Timeline.Item>
      </Timeline>
    </Card>
  );
}

type JobBody = { name: string; kind: string; params: Record<string, unknown>; schedule: string | null; timeZone: string; enabled: boolean };

function zones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
  const list = intl.supportedValuesOf?.("timeZone") ?? [];
  return list.includes("UTC") ? list : ["UTC", ...list];
}

function ScheduleFields(props: { schedule: string; setSchedule(v: string): void; timeZone: string; setTimeZone(v: string): void; enabled: boolean; setEnabled(v: boolean): void; error: ApiError | undefined }) {
  const allZones = useMemo(zones, []);
  return (
    <>
      <TextInput
        label="Schedule"
        description={`Cron (like 30 0 * * *) or words: ${SCHEDULE_EXAMPLES.join(", ")}. Empty: only when started by hand or by a chain.`}
        value={props.schedule}
        onChange={(e) => props.setSchedule(e.currentTarget.value)}
        error={fieldError(props.error, "schedule")}
      />
      <Group gap={6}>
        {["daily at 00:30", "weekdays at 07:00", "every 15 minutes", "hourly"].map((ex) => (
          <Button key={ex} size="compact-xs" variant="light" onClick={() => props.setSchedule(ex)}>
            {ex}
          </Button>
        ))}
      </Group>
      {props.schedule.trim() && (
        <Text size="sm" c="dimmed">
          Reads as: {scheduleWords(props.schedule, props.timeZone)}
        </Text>
      )}
      <Select label="Time zone" searchable data={allZones} value={props.timeZone} onChange={(v) => props.setTimeZone(v ?? "UTC")} allowDeselect={false} error={fieldError(props.error, "timeZone")} limit={50} />
      <Switch label="Enabled (runs on its schedule)" checked={props.enabled} onChange={(e) => props.setEnabled(e.currentTarget.checked)} />
    </>
  );
}

function ScheduleModal(props: { job: Job; onClose(): void; onSaved(): void }) {
  const j = props.job;
  const [schedule, setSchedule] = useState(j.schedule ?? "");
  const [timeZone, setTimeZone] = useState(j.timeZone);
  const [enabled, setEnabled] = useState(j.enabled);
  const unsaved = useUnsavedChanges({ schedule: schedule.trim(), timeZone, enabled }, "This schedule");
  const cancel = () => unsaved.mayClose() && props.onClose();
  const save = useMutation((body: JobBody) => api<Job>(`/jobs/${encodeURIComponent(j.id)}`, { method: "PUT", body }));
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!(await save.run({ name: j.name, kind: j.kind, params: j.params, schedule: schedule.trim() || null, timeZone, enabled }))) return;
    unsaved.markSaved();
    props.onSaved();
  }
  return (
    <Modal opened onClose={cancel} title={<TitleWithMark title={`Schedule of ${j.name}`} unsaved={unsaved} />} closeButtonProps={{ "aria-label": "Close" }} size="lg">
      <form onSubmit={submit}>
        <Stack>
          {save.error && !save.error.field && <ErrorNotice error={save.error} />}
          <ScheduleFields schedule={schedule} setSchedule={setSchedule} timeZone={timeZone} setTimeZone={setTimeZone} enabled={enabled} setEnabled={setEnabled} error={save.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={cancel}>
              Cancel
            </Button>
            <Button type="submit" loading={save.busy}>
              Save schedule
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

type Rule = { id: string; name: string };

function CreateJobModal(props: { kinds: string[]; jobs: Job[]; onClose(): void; onSaved(): void }) {
  const [name, setName] = useState("");
  const [kind, setKind] = useState<string | null>(props.kinds.includes("sync") ? "sync" : (props.kinds[0] ?? null));
  const [pull, setPull] = useState(true);
  const [push, setPush] = useState(true);
  const [rule, setRule] = useState<string | null>(null);
  const [steps, setSteps] = useState<string[]>([]);
  const [otherParams, setOtherParams] = useState("{}");
  const [paramsProblem, setParamsProblem] = useState<string | undefined>(undefined);
  const [schedule, setSchedule] = useState("");
  const [timeZone, setTimeZone] = useState("UTC");
  const [enabled, setEnabled] = useState(true);
  const rules = useApi<{ rules: Rule[] }>(kind === "rule" ? "/success/rules" : null);
  const save = useMutation((body: JobBody) => api<Job>("/jobs", { body }));
  const stepError = save.error?.field?.startsWith("params.steps") ? save.error.message : undefined;

  async function submit(e: FormEvent) {
    e.preventDefault();
    let params: Record<string, unknown> = {};
    if (kind === "sync") params = { pull, push };
    else if (kind === "rule") params = rule ? { rule } : {};
    else if (kind === "chain") params = { steps };
    else {
      try {
        params = JSON.parse(otherParams) as Record<string, unknown>;
        setParamsProblem(undefined);
      } catch {
        setParamsProblem("Parameters must be a JSON object");
        return;
      }
    }
    if (await save.run({ name: name.trim(), kind: kind ?? "", params, schedule: schedule.trim() || null, timeZone, enabled })) props.onSaved();
  }
  const kindWords: Record<string, string> = { sync: "Sync with the CRM (pull, push)", rule: "Run a customer-success rule", chain: "Chain: run other jobs in order" };
  return (
    <Modal opened onClose={props.onClose} title="New job" closeButtonProps={{ "aria-label": "Close" }} size="lg">
      <form onSubmit={submit}>
        <Stack>
          {save.error && !save.error.field && <ErrorNotice error={save.error} />}
          <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} error={fieldError(save.error, "name")} data-autofocus />
          <Select label="Kind" data={props.kinds.map((k) => ({ value: k, label: kindWords[k] ?? k }))} value={kind} onChange={setKind} allowDeselect={false} error={fieldError(save.error, "kind")} />
          {kind === "sync" && (
            <Group>
              <Checkbox label="Pull CRM fields" checked={pull} onChange={(e) => setPull(e.currentTarget.checked)} />
              <Checkbox label="Push report values (daily-sync mappings)" checked={push} onChange={(e) => setPush(e.currentTarget.checked)} />
            </Group>
          )}
          {kind === "rule" && (
            <Select
              label="Rule"
              placeholder={rules.loading ? "Loading rules…" : "Choose a rule"}
              data={(rules.data?.rules ?? []).map((r) => ({ value: r.name, label: r.name }))}
              value={rule}
              onChange={setRule}
              searchable
              error={fieldError(save.error, "params.rule", "params")}
              nothingFoundMessage="No rules yet"
            />
          )}
          {kind === "chain" && (
            <MultiSelect
              label="Steps, in the order they run"
              description="Each step starts when the one before it has succeeded"
              data={props.jobs.filter((j) => j.kind !== "chain").map((j) => ({ value: j.id, label: j.name }))}
              value={steps}
              onChange={setSteps}
              searchable
              error={stepError}
            />
          )}
          {kind && !["sync", "rule", "chain"].includes(kind) && (
            <Textarea label="Parameters (JSON)" autosize minRows={3} value={otherParams} onChange={(e) => setOtherParams(e.currentTarget.value)} error={paramsProblem ?? fieldError(save.error, "params")} styles={{ input: { fontFamily: "monospace" } }} />
          )}
          <ScheduleFields schedule={schedule} setSchedule={setSchedule} timeZone={timeZone} setTimeZone={setTimeZone} enabled={enabled} setEnabled={setEnabled} error={save.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={props.onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.busy}>
              Create job
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function HistoryModal(props: { job: Job; onClose(): void }) {
  const j = props.job;
  const runs = useApi<{ runs: JobRun[] }>(`/jobs/${encodeURIComponent(j.id)}/runs?limit=30`);
  const list = runs.data?.runs ?? [];
  const option = useMemo<ChartOption>(() => {
    const ordered = [...list].reverse().filter((r) => r.finishedAt !== null);
    const colour: Record<string, string> = { success: "#2b8a3e", partial: "#e67700", failure: "#c92a2a" };
    return {
      tooltip: { trigger: "axis" },
      grid: { left: 48, right: 16, top: 16, bottom: 28 },
      xAxis: { type: "category", data: ordered.map((r) => new Date(r.startedAt).toLocaleString("en-US", { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" })) },
      yAxis: { type: "value", name: "seconds" },
      series: [{ name: "Duration (s)", type: "bar", data: ordered.map((r) => ({ value: ((r.finishedAt ?? r.startedAt) - r.startedAt) / 1000, itemStyle: { color: colour[r.status] ?? "#495057" } })) }],
    };
  }, [list]);
  const ok = list.filter((r) => r.status === "success").length;
  return (
    <Modal opened onClose={props.onClose} title={`Runs of ${j.name}`} closeButtonProps={{ "aria-label": "Close" }} size="xl">
      <ErrorNotice error={runs.error} onRetry={runs.reload} />
      {runs.loading && !runs.data ? (
        <Loading label="Loading runs…" />
      ) : !runs.data ? null : list.length === 0 ? (
        <Text size="sm" c="dimmed">
          No runs yet.
        </Text>
      ) : (
        <Stack>
          {list.length > 1 && <Chart label={`Duration of the last ${list.length} runs of ${j.name}`} summary={`${ok} of ${list.length} runs succeeded; the latest took ${took(list[0] as JobRun)}.`} option={option} height={180} />}
          <Table.ScrollContainer minWidth={600}>
            <Table striped data-testid="job-runs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Started</Table.Th>
                  <Table.Th>Trigger</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Took</Table.Th>
                  <Table.Th>What it did</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.map((r) => (
                  <Table.Tr key={r.id}>
                    <Table.Td>{formatTime(r.startedAt)}</Table.Td>
                    <Table.Td>{r.trigger}</Table.Td>
                    <Table.Td>
                      <StatusBadge status={r.status} notices={r.notices} />
                    </Table.Td>
                    <Table.Td>{took(r)}</Table.Td>
                    <Table.Td>{summaryWords(j.kind, r)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Stack>
      )}
    </Modal>
  );
}

export { Jobs };
