import { Button, Group, NativeSelect, NumberInput, Pagination, SimpleGrid, Stack, Text, TextInput, Textarea } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useMemo, useState, type FormEvent } from "react";
import { api, query } from "../../api";
import { useCanEdit } from "../../auth";
import { Chart, type ChartOption } from "../../components/chart";
import { DataTable, ErrorNotice, Loading, PageHeader, formatCell, formatTime, Loaded } from "../../components/common";
import { StatusBadge } from "../../components/status-badge";
import { Link, navigate, useLocation } from "../../router";
import { fieldError, useApi, useMutation } from "../../use-api";
import { ImportCustomersModal, NewCustomerModal } from "./customer-forms";
import { FieldGrid, HealthBadge, Panel, money, type Cta, type Customer, type UsageMeasure } from "./shared";

const PAGE = 25;

/** Customer Info: every customer with health, ARR, renewal and stage, a page at a time. */
export function CustomersScreen() {
  const { search } = useLocation();
  const page = Math.max(1, Number(search.get("page") ?? "1") || 1);
  const [text, setText] = useState(search.get("q") ?? "");
  const [status, setStatus] = useState(search.get("status") ?? "");
  const [q] = useDebouncedValue(text, 300);
  const list = useApi<{ total: number; customers: Customer[] }>(`/success/customers${query({ search: q, status, limit: PAGE, offset: (page - 1) * PAGE })}`);
  const go = (p: number, over: { q?: string; status?: string } = {}) => navigate(`/success/customers${query({ q: over.q ?? q, status: over.status ?? status, page: p > 1 ? p : undefined })}`, { replace: true });
  const pages = Math.max(1, Math.ceil((list.data?.total ?? 0) / PAGE));
  const canEdit = useCanEdit();
  const [modal, setModal] = useState<"new" | "import" | null>(null);
  return (
    <>
      <PageHeader
        title="Customers"
        description="Customer Info: each CRM Account you manage, with its health, contract and stage."
        actions={
          canEdit && (
            <Group gap="xs">
              <Button variant="default" onClick={() => setModal("import")}>
                Import CSV
              </Button>
              <Button onClick={() => setModal("new")}>New customer</Button>
            </Group>
          )
        }
      />
      {modal === "new" && (
        <NewCustomerModal
          onClose={() => setModal(null)}
          onCreated={(c) => {
            setModal(null);
            navigate(`/success/customers/${encodeURIComponent(c.accountId)}`);
          }}
        />
      )}
      {modal === "import" && <ImportCustomersModal onClose={() => setModal(null)} onImported={list.reload} />}
      <ErrorNotice error={list.error} onRetry={list.reload} />
      <Group mb="sm" align="flex-end">
        <TextInput
          label="Search"
          placeholder="Name or account id"
          value={text}
          onChange={(e) => {
            setText(e.currentTarget.value);
            if (page > 1) go(1, { q: e.currentTarget.value });
          }}
          w={280}
        />
        <NativeSelect
          label="Status"
          data={[
            { value: "", label: "Any status" },
            { value: "Active", label: "Active" },
            { value: "Inactive", label: "Inactive" },
          ]}
          value={status}
          onChange={(e) => {
            setStatus(e.currentTarget.value);
            go(1, { status: e.currentTarget.value });
          }}
        />
        <Text size="sm" c="dimmed" ml="auto" aria-live="polite">
          {list.data ? `${list.data.total.toLocaleString("en-US")} customers` : ""}
        </Text>
      </Group>
      <Loaded state={list} label="Loading customers…">{() => (
        <DataTable
          testId="customers-table"
          rows={list.data?.customers ?? []}
          rowKey={(c) => c.accountId}
          empty={q || status ? "No customer matches." : "No customers yet: add one, import them as CSV, or let a rule load them."}
          columns={[
            { key: "name", label: "Customer", render: (c) => <Link to={`/success/customers/${encodeURIComponent(c.accountId)}`}>{c.name}</Link> },
            { key: "healthScore", label: "Health", render: (c) => <HealthBadge score={c.healthScore} colour={c.healthColour} /> },
            { key: "arr", label: "ARR", align: "right", render: (c) => money(c.arr) },
            { key: "renewalDate", label: "Renewal" },
            { key: "stage", label: "Stage" },
            { key: "onboardingStatus", label: "Onboarding" },
            { key: "status", label: "Status" },
          ]}
        />
      )}</Loaded>
      {pages > 1 && (
        <Group justify="center" mt="md">
          <Pagination total={pages} value={page} onChange={(p) => go(p)} getControlProps={(c) => ({ "aria-label": c === "previous" ? "Previous page" : c === "next" ? "Next page" : c })} getItemProps={(p) => ({ "aria-label": `Page ${p}` })} />
        </Group>
      )}
    </>
  );
}

type HistoryRow = { id: string; measure: string | null; measureBefore: number | null; measureAfter: number; overallBefore: number | null; overallAfter: number | null; comment: string | null; at: number; runId: string | null };
type AccountCard = {
  overall: number | null;
  label: string | null;
  colour: string | null;
  groups: { id: string; name: string; score: number | null }[];
  measures: { name: string; label: string; score: number | null; comment: string | null; updatedAt: number | null }[];
};
type UsageSeries = { periodStart: string; measures: Record<string, string | number | boolean | null> }[];

/** One customer: fields, health over time, usage over time, scorecard and CTAs. */
export function CustomerDetail(props: { params: Record<string, string> }) {
  const id = props.params["accountId"] ?? "";
  const enc = encodeURIComponent(id);
  const customer = useApi<Customer>(`/success/customers/${enc}`);
  const history = useApi<{ history: HistoryRow[] }>(`/success/customers/${enc}/score-history?limit=500`);
  const usage = useApi<{ series: UsageSeries }>(`/success/customers/${enc}/usage`);
  const measures = useApi<{ measures: UsageMeasure[] }>("/success/usage/measures");
  const card = useApi<AccountCard>(`/success/customers/${enc}/scorecard`);
  const ctas = useApi<{ total: number; ctas: Cta[] }>(`/success/ctas${query({ accountId: id, limit: 50 })}`);
  const c = customer.data;
  if (customer.error) return <ErrorNotice error={customer.error} title="This customer could not be loaded" onRetry={customer.reload} />;
  if (!c) return <Loading label="Loading the customer…" />;
  return (
    <>
      <PageHeader
        title={c.name}
        description={
          <>
            Account {c.accountId} · <Link to="/success/customers">All customers</Link>
          </>
        }
        actions={<HealthBadge score={c.healthScore} colour={c.healthColour} />}
      />
      <Panel title="Customer Info">
        <FieldGrid
          items={[
            { label: "Status", value: c.status },
            { label: "Stage", value: c.stage },
            { label: "ARR", value: money(c.arr) },
            { label: "MRR", value: money(c.mrr) },
            { label: "Renewal date", value: c.renewalDate },
            { label: "Users", value: formatCell(c.users) },
            { label: "Onboarding", value: c.onboardingStatus },
            { label: "Churn risk", value: c.churnRisk },
            { label: "Latest NPS", value: formatCell(c.latestNps) },
            { label: "Health colour", value: c.healthColour },
            { label: "Tags", value: c.tags.length ? c.tags.join(", ") : null },
            { label: "Updated", value: formatTime(c.updatedAt) },
            ...Object.entries(c.custom).map(([k, v]) => ({ label: k, value: formatCell(v) })),
          ]}
        />
      </Panel>
      <SimpleGrid cols={{ base: 1, lg: 2 }}>
        <Panel title="Health over time" testId="health-chart">
          <ErrorNotice error={history.error} onRetry={history.reload} />
          {history.data ? <HealthChart rows={history.data.history} current={c.healthScore} /> : <Loading />}
        </Panel>
        <Panel title="Usage over time" testId="usage-chart">
          <ErrorNotice error={usage.error ?? measures.error} onRetry={() => { usage.reload(); measures.reload(); }} />
          {usage.data && measures.data ? <UsageChart series={usage.data.series} measures={measures.data.measures} /> : <Loading />}
        </Panel>
      </SimpleGrid>
      <Panel title="Scorecard" testId="customer-scorecard">
        <ErrorNotice error={card.error} onRetry={card.reload} />
        {card.data ? <ScorecardView accountId={id} card={card.data} onChanged={() => { card.reload(); history.reload(); customer.reload(); }} /> : <Loading />}
      </Panel>
      <Panel title="CTAs" actions={<Link to="/success/ctas">Open the CTA board</Link>}>
        <ErrorNotice error={ctas.error} onRetry={ctas.reload} />
        {ctas.data ? (
          <DataTable
            rows={ctas.data.ctas}
            rowKey={(x) => x.id}
            empty="No CTAs for this customer."
            columns={[
              { key: "type", label: "Type" },
              { key: "reason", label: "Reason" },
              { key: "priority", label: "Priority" },
              { key: "status", label: "Status", render: (x) => <StatusBadge kind="cta" status={x.status} /> },
              { key: "dueDate", label: "Due" },
              { key: "owner", label: "Owner" },
            ]}
          />
        ) : (
          <Loading />
        )}
      </Panel>
    </>
  );
}

function HealthChart(props: { rows: HistoryRow[]; current: number | null }) {
  const points = useMemo(() => [...props.rows].reverse().filter((r) => r.overallAfter !== null).map((r) => [r.at, Math.round((r.overallAfter as number) * 10) / 10] as [number, number]), [props.rows]);
  // The step line runs on to today at the current score.
  const line = useMemo(() => (points.length > 0 && props.current !== null ? [...points, [Date.now(), Math.round(props.current * 10) / 10] as [number, number]] : points), [points, props.current]);
  const option = useMemo<ChartOption>(
    () => ({
      grid: { left: 40, right: 16, top: 16, bottom: 32 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "time", minInterval: 86_400_000, axisLabel: { formatter: "{MMM} {d}", hideOverlap: true } },
      yAxis: { type: "value", min: 0, max: 100 },
      series: [{ type: "line", name: "Overall health", data: line, step: "end", showSymbol: line.length < 40, areaStyle: { opacity: 0.08 } }],
    }),
    [line],
  );
  if (points.length === 0) return <Text size="sm" c="dimmed">No score changes yet{props.current !== null ? `; the health score is ${props.current}` : ""}.</Text>;
  const first = points[0] as [number, number];
  const last = points[points.length - 1] as [number, number];
  const summary = `${points.length} changes from ${new Date(first[0]).toLocaleDateString("en-US")} (${first[1]}) to ${new Date(last[0]).toLocaleDateString("en-US")} (${last[1]}).`;
  return (
    <>
      <Chart option={option} label="Overall health score over time" summary={summary} height={240} />
      <Text size="xs" c="dimmed" mt={4}>
        {summary}
      </Text>
    </>
  );
}

function UsageChart(props: { series: UsageSeries; measures: UsageMeasure[] }) {
  const numeric = props.measures.filter((m) => m.type === "number" || m.type === "integer");
  const rows = useMemo(() => [...props.series].sort((a, b) => a.periodStart.localeCompare(b.periodStart)), [props.series]);
  const option = useMemo<ChartOption>(
    () => ({
      grid: { left: 48, right: 16, top: 36, bottom: 32 },
      legend: { top: 0, type: "scroll" },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: rows.map((r) => r.periodStart) },
      yAxis: { type: "value" },
      series: numeric.map((m) => ({ type: "line", name: m.label, data: rows.map((r) => (typeof r.measures[m.name] === "number" ? r.measures[m.name] : null)), connectNulls: true })),
    }),
    [rows, numeric],
  );
  if (rows.length === 0 || numeric.length === 0) return <Text size="sm" c="dimmed">No usage data for this customer yet. A rule that loads to usage (such as “Pendo: Sync data from Account to Usage”) fills it.</Text>;
  const last = rows[rows.length - 1];
  const summary = `${rows.length} periods from ${rows[0]?.periodStart} to ${last?.periodStart}. Latest: ${numeric.map((m) => `${m.label} ${formatCell(last?.measures[m.name])}`).join(", ")}.`;
  return (
    <>
      <Chart option={option} label="Usage measures by period" summary={summary} height={240} />
      <Text size="xs" c="dimmed" mt={4}>
        {summary}
      </Text>
    </>
  );
}

function ScorecardView(props: { accountId: string; card: AccountCard; onChanged(): void }) {
  const canEdit = useCanEdit();
  const [measure, setMeasure] = useState(props.card.measures[0]?.name ?? "");
  const [score, setScore] = useState<string | number>("");
  const [comment, setComment] = useState("");
  const save = useMutation((body: { measure: string; score: number; comment: string }) => api(`/success/customers/${encodeURIComponent(props.accountId)}/scores`, { body }));
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (await save.run({ measure, score: Number(score), comment })) {
      setScore("");
      setComment("");
      props.onChanged();
    }
  }
  return (
    <Stack>
      <Group>
        <Text fw={600}>Overall</Text>
        <HealthBadge score={props.card.overall} colour={props.card.label} />
        {props.card.groups.map((g) => (
          <Text key={g.id} size="sm">
            {g.name}: <b>{g.score === null ? "—" : Math.round(g.score)}</b>
          </Text>
        ))}
      </Group>
      <DataTable
        rows={props.card.measures}
        rowKey={(m) => m.name}
        empty="The scorecard has no measures yet; add them under Scorecards."
        columns={[
          { key: "label", label: "Measure" },
          { key: "score", label: "Score", align: "right", render: (m) => formatCell(m.score) },
          { key: "comment", label: "Comment" },
          { key: "updatedAt", label: "Updated", render: (m) => formatTime(m.updatedAt) },
        ]}
      />
      {canEdit && props.card.measures.length > 0 && (
        <form onSubmit={submit} aria-label="Set a score">
          <ErrorNotice error={save.error && !save.error.field ? save.error : undefined} />
          <Group align="flex-start">
            <NativeSelect label="Measure" data={props.card.measures.map((m) => ({ value: m.name, label: m.label }))} value={measure} onChange={(e) => setMeasure(e.currentTarget.value)} error={fieldError(save.error, "measure")} />
            <NumberInput label="Score (0–100)" min={0} max={100} value={score} onChange={setScore} required w={140} error={fieldError(save.error, "score")} />
            <Textarea label="Comment" value={comment} onChange={(e) => setComment(e.currentTarget.value)} autosize minRows={1} w={320} error={fieldError(save.error, "comment")} />
            <Button type="submit" mt={24} loading={save.busy}>
              Set score
            </Button>
          </Group>
        </form>
      )}
    </Stack>
  );
}

