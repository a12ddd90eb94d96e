import { useUnsavedChanges } from "../../../components/unsaved";
import { Anchor, Badge, Button, Card, Group, MultiSelect, Select, SegmentedControl, Stack, Table, Text, TextInput, UnstyledButton } from "@mantine/core";
import { useMemo, useState, type FormEvent } from "react";
import { api, query } from "../../../api";
import { useCanEdit } from "../../../auth";
import { DataTable, ErrorNotice, Loading, PageHeader, formatCell, formatTime, Loaded } from "../../../components/common";
import { formatDay } from "../../../components/dates";
import { linkClick, navigate } from "../../../router";
import { fieldError, useApi, useMutation } from "../../../use-api";
import { CrmPushDialog } from "./crm-push";
import { ReportBars } from "./report-chart";
import { rangeLabel, type Report, type ReportColumn, type ReportResults } from "./report-model";
import { groupKeys, Pager, type Entity } from "./shared";

type Segment = { id: string; name: string };

/** Saved account and visitor reports. */
export function ReportsList() {
  const reports = useApi<{ reports: Report[] }>("/reports");
  const segments = useApi<{ segments: Segment[] }>("/segments");
  const canEdit = useCanEdit();
  const segmentName = (id: string) => segments.data?.segments.find((s) => s.id === id)?.name ?? id;
  return (
    <>
      <PageHeader
        title="Account reports"
        description="Saved reports of usage metrics and metadata per account or visitor; each can be downloaded as CSV and pushed to the CRM."
        actions={
          canEdit && (
            <Button component="a" href="/reports/new" onClick={linkClick("/reports/new")}>
              New report
            </Button>
          )
        }
      />
      <ErrorNotice error={segments.error} onRetry={segments.reload} />
      <Loaded state={reports} label="Loading reports…">{() => (
        <DataTable
          testId="reports-table"
          rows={reports.data?.reports ?? []}
          rowKey={(r) => r.id}
          empty="No reports yet. Create one to see usage per account and push it to the CRM."
          columns={[
            {
              key: "name",
              label: "Name",
              render: (r) => (
                <Anchor href={`/reports/${r.id}`} onClick={linkClick(`/reports/${r.id}`)}>
                  {r.name}
                </Anchor>
              ),
            },
            { key: "kind", label: "Kind", render: (r) => <Badge variant="light">{r.kind === "account" ? "Accounts" : "Visitors"}</Badge> },
            { key: "segmentId", label: "Segment", render: (r) => segmentName(r.segmentId), sortValue: (r) => segmentName(r.segmentId) },
            { key: "range", label: "Date range", render: (r) => `${rangeLabel(r.range)} (${r.timeZone})`, sortValue: (r) => rangeLabel(r.range) },
            { key: "columns", label: "Columns", render: (r) => r.columns.length, sortValue: (r) => r.columns.length, align: "right" },
            { key: "updatedAt", label: "Changed", render: (r) => formatTime(r.updatedAt) },
          ]}
        />
      )}</Loaded>
    </>
  );
}

const RANGES = [
  { value: "1", label: "Today" },
  { value: "7", label: "Last 7 days" },
  { value: "30", label: "Last 30 days" },
  { value: "90", label: "Last 90 days" },
  { value: "custom", label: "Custom dates" },
];

function timeZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
  const zones = intl.supportedValuesOf?.("timeZone") ?? [];
  return zones.includes("UTC") ? zones : ["UTC", ...zones];
}

/** The picker's choices: built-in metrics, per page and feature counts, and metadata keys seen on the first page of entities. */
function useColumnChoices(kind: "account" | "visitor", selected: string[]) {
  const metrics = useApi<{ columns: ReportColumn[]; patterns: string[] }>(`/reports/columns${query({ kind })}`);
  const pages = useApi<{ pages: { id: string; name: string }[] }>("/pages");
  const features = useApi<{ features: { id: string; name: string }[] }>("/features");
  const sample = useApi<{ accounts?: Entity[]; visitors?: Entity[] }>(`/${kind === "account" ? "accounts" : "visitors"}?limit=200`);
  const data = useMemo(() => {
    const rows = (kind === "account" ? sample.data?.accounts : sample.data?.visitors) ?? [];
    const groups: { group: string; items: { value: string; label: string }[] }[] = [
      { group: "Metrics", items: (metrics.data?.columns ?? []).map((c) => ({ value: c.id, label: c.label })) },
      { group: "Page views", items: (pages.data?.pages ?? []).map((p) => ({ value: `pageViews.${p.id}`, label: `Page views: ${p.name}` })) },
      { group: "Feature clicks", items: (features.data?.features ?? []).map((f) => ({ value: `featureClicks.${f.id}`, label: `Clicks: ${f.name}` })) },
      ...(["agent", "custom", "crm"] as const).map((g) => ({
        group: `${g === "crm" ? "CRM" : g[0]?.toUpperCase() + g.slice(1)} metadata`,
        items: groupKeys(rows, g, 100).map((k) => ({ value: `${g}.${k}`, label: `${g}: ${k}` })),
      })),
    ];
    // Columns already chosen that the lists above do not offer (track events, keys not on the sample).
    const offered = new Set(groups.flatMap((g) => g.items.map((i) => i.value)));
    const extra = selected.filter((s) => !offered.has(s)).map((s) => ({ value: s, label: s }));
    if (extra.length > 0) groups.push({ group: "Other", items: extra });
    return groups.filter((g) => g.items.length > 0);
  }, [metrics.data, pages.data, features.data, sample.data, kind, selected]);
  return { data, loading: metrics.loading && !metrics.data, error: metrics.error ?? pages.error ?? features.error ?? sample.error };
}

type Draft = { name: string; kind: "account" | "visitor"; segmentId: string; range: string; from: string; to: string; timeZone: string; columns: string[] };

/** Create (no id) or edit a report: name, kind, segment, range with time zone, and columns. */
export function ReportEditor(props: { params: Record<string, string> }) {
  const id = props.params["id"];
  const existing = useApi<Report>(id ? `/reports/${encodeURIComponent(id)}` : null);
  if (id && existing.loading && !existing.data) return <Loading label="Loading report…" />;
  if (id && !existing.data) return <ErrorNotice error={existing.error} onRetry={existing.reload} />;
  return <ReportEditorScreen report={existing.data} />;
}

/** Loads the app's time zone first, so a new report starts in it. */
function ReportEditorScreen(props: { report: Report | undefined }) {
  const apps = useApi<{ apps: { settings: { timeZone?: string } }[] }>(props.report ? null : "/apps");
  if (!props.report && apps.loading && !apps.data) return <Loading label="Loading…" />;
  return <ReportForm report={props.report} defaultTimeZone={apps.data?.apps[0]?.settings.timeZone ?? "UTC"} />;
}

function ReportForm(props: { report: Report | undefined; defaultTimeZone: string }) {
  const r = props.report;
  const [draft, setDraft] = useState<Draft>(() => ({
    name: r?.name ?? "",
    kind: r?.kind ?? "account",
    segmentId: r?.segmentId ?? "everyone",
    range: r ? ("last" in r.range ? String(r.range.last) : "custom") : "30",
    from: r && "from" in r.range ? r.range.from : "",
    to: r && "to" in r.range ? r.range.to : "",
    timeZone: r?.timeZone ?? props.defaultTimeZone,
    columns: r?.columns ?? ["visitors", "minutes", "lastVisit"],
  }));
  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));
  const unsaved = useUnsavedChanges(draft, "This report");
  const segments = useApi<{ segments: Segment[] }>("/segments");
  const choices = useColumnChoices(draft.kind, draft.columns);
  const zones = useMemo(timeZones, []);
  const [extra, setExtra] = useState("");
  const save = useMutation((body: Record<string, unknown>) => (r ? api<Report>(`/reports/${encodeURIComponent(r.id)}`, { method: "PUT", body }) : api<Report>("/reports", { body })));
  async function submit(e: FormEvent) {
    e.preventDefault();
    const range = draft.range === "custom" ? { from: draft.from, to: draft.to } : { last: Number(draft.range) };
    const saved = await save.run({ name: draft.name, kind: draft.kind, segmentId: draft.segmentId, range, timeZone: draft.timeZone, columns: draft.columns });
    if (!saved) return;
    unsaved.markSaved();
    navigate(`/reports/${saved.id}`);
  }
  const columnError = fieldError(save.error, "columns");
  const placed = columnError ?? fieldError(save.error, "name", "kind", "segmentId", "range", "timeZone");
  return (
    <>
      <PageHeader title={r ? `Edit ${r.name}` : "New report"} badge={unsaved.mark} back={r ? { to: `/reports/${encodeURIComponent(r.id)}`, label: r.name } : { to: "/reports", label: "All reports" }} description="Pick who the report lists, over which days, and which columns it shows." />
      <form onSubmit={submit}>
        <Stack maw={760}>
          {save.error && !placed && <ErrorNotice error={save.error} title="The report was not saved" />}
          <ErrorNotice error={segments.error ?? choices.error} />
          <TextInput label="Name" required value={draft.name} onChange={(e) => set({ name: e.currentTarget.value })} error={fieldError(save.error, "name")} placeholder="e.g. Usage last 30 days" />
          <Stack gap={4}>
            <Text size="sm" fw={500} id="report-kind-label">
              Report on
            </Text>
            <SegmentedControl
              aria-labelledby="report-kind-label"
              value={draft.kind}
              onChange={(v) => set({ kind: v as Draft["kind"], columns: draft.columns.filter((c) => v === "account" || (c !== "visitors" && c !== "visitorsEver")) })}
              data={[
                { value: "account", label: "Accounts" },
                { value: "visitor", label: "Visitors" },
              ]}
              w={260}
            />
          </Stack>
          <Select
            label="Segment"
            description="Only members of this segment are listed."
            data={(segments.data?.segments ?? [{ id: "everyone", name: "Everyone" }]).map((s) => ({ value: s.id, label: s.name }))}
            value={draft.segmentId}
            onChange={(v) => set({ segmentId: v ?? "everyone" })}
            allowDeselect={false}
            searchable
            error={fieldError(save.error, "segmentId")}
          />
          <Group grow align="flex-start">
            <Select label="Date range" description="Relative ranges end today." data={RANGES} value={draft.range} onChange={(v) => set({ range: v ?? "30" })} allowDeselect={false} error={draft.range !== "custom" ? fieldError(save.error, "range") : undefined} />
            <Select label="Time zone" description="Days start at midnight here." data={zones} value={draft.timeZone} onChange={(v) => set({ timeZone: v ?? "UTC" })} searchable allowDeselect={false} limit={50} error={fieldError(save.error, "timeZone")} />
          </Group>
          {draft.range === "custom" && (
            <Group grow align="flex-start">
              <TextInput label="From" type="date" required value={draft.from} onChange={(e) => set({ from: e.currentTarget.value })} error={fieldError(save.error, "range.from", "range")} />
              <TextInput label="To" type="date" required value={draft.to} onChange={(e) => set({ to: e.currentTarget.value })} error={fieldError(save.error, "range.to")} />
            </Group>
          )}
          <MultiSelect
            label="Columns"
            description="Search metrics, pages, features and metadata fields; the table shows them in this order."
            data={choices.data}
            value={draft.columns}
            onChange={(v) => set({ columns: v })}
            searchable
            clearable
            hidePickedOptions
            nothingFoundMessage="No column matches; add it by id below."
            maxDropdownHeight={320}
            error={columnError}
            disabled={choices.loading}
          />
          <Group align="flex-end" gap="xs">
            <TextInput
              label="Add a column by id"
              description="For example trackEvents.Report Exported or custom.tier"
              value={extra}
              onChange={(e) => setExtra(e.currentTarget.value)}
              onKeyDown={(e) => {
                if (e.key === "Enter") {
                  e.preventDefault();
                  if (extra.trim() && !draft.columns.includes(extra.trim())) set({ columns: [...draft.columns, extra.trim()] });
                  setExtra("");
                }
              }}
              w={360}
            />
            <Button
              variant="default"
              disabled={!extra.trim()}
              onClick={() => {
                if (!draft.columns.includes(extra.trim())) set({ columns: [...draft.columns, extra.trim()] });
                setExtra("");
              }}
            >
              Add column
            </Button>
          </Group>
          <Group>
            <Button type="submit" loading={save.busy}>
              {r ? "Save report" : "Create report"}
            </Button>
            <Button variant="default" component="a" href={r ? `/reports/${r.id}` : "/reports"} onClick={linkClick(r ? `/reports/${r.id}` : "/reports")}>
              Cancel
            </Button>
          </Group>
        </Stack>
      </form>
    </>
  );
}

const PAGE_SIZE = 50;

/** One report: its results table (server-side paging and sort), CSV download and the CRM push. */
export function ReportDetail(props: { params: Record<string, string> }) {
  const id = props.params["id"] ?? "";
  const canEdit = useCanEdit();
  const report = useApi<Report>(`/reports/${encodeURIComponent(id)}`);
  const segments = useApi<{ segments: Segment[] }>("/segments");
  const [page, setPage] = useState(1);
  const [sort, setSort] = useState<{ key: string; order: "asc" | "desc" }>({ key: "id", order: "asc" });
  const [pushOpen, setPushOpen] = useState(false);
  const results = useApi<ReportResults>(`/reports/${encodeURIComponent(id)}/results${query({ limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE, sort: sort.key, order: sort.order })}`);
  const remove = useMutation(() => api(`/reports/${encodeURIComponent(id)}`, { method: "DELETE" }));
  const pin = useMutation((pinned: boolean) => api<Report>(`/reports/${encodeURIComponent(id)}/pin`, { method: "PUT", body: { pinned } }));
  const r = report.data;
  const idLabel = r?.kind === "visitor" ? "Visitor" : "Account";
  const headers = [{ id: "id", label: idLabel, type: "text" as const }, ...(results.data?.columns ?? [])];
  const toggle = (key: string) => {
    setPage(1);
    setSort((s) => (s.key === key ? { key, order: s.order === "asc" ? "desc" : "asc" } : { key, order: key === "id" ? "asc" : "desc" }));
  };
  const segmentName = r ? (segments.data?.segments.find((s) => s.id === r.segmentId)?.name ?? r.segmentId) : "";
  const csvHref = `/api/v1/reports/${encodeURIComponent(id)}/results.csv${query({ sort: sort.key, order: sort.order })}`;
  return (
    <>
      <PageHeader
        title={r?.name ?? "Report"}
        back={{ to: "/reports", label: "All reports" }}
        description={
          r && results.data
            ? `${r.kind === "account" ? "Accounts" : "Visitors"} in ${segmentName} · ${rangeLabel(r.range)}: ${formatDay(results.data.range.from)} to ${formatDay(results.data.range.to)} (${results.data.range.timeZone})`
            : undefined
        }
        actions={
          <>
            <Button component="a" variant="default" href={csvHref} download>
              Download CSV
            </Button>
            {canEdit && r && (
              <>
                <Button variant="default" component="a" href={`/reports/${id}/edit`} onClick={linkClick(`/reports/${id}/edit`)}>
                  Edit
                </Button>
                <Button variant="default" loading={pin.busy} onClick={() => void pin.run(!r.pinned).then((x) => x && report.reload())} aria-pressed={r.pinned}>
                  {r.pinned ? "Unpin from overview" : "Pin to overview"}
                </Button>
                <Button onClick={() => setPushOpen(true)}>CRM push</Button>
              </>
            )}
          </>
        }
      />
      <ErrorNotice error={report.error ?? remove.error ?? pin.error} onRetry={report.error ? report.reload : undefined} />
      {r && results.data && <ReportChartCard report={r} columns={results.data.columns} />}
      <Loaded state={results} label="Running the report…">{() => (
        <Card withBorder padding="xs" style={{ opacity: results.loading ? 0.6 : 1 }} aria-busy={results.loading}>
          <Table.ScrollContainer minWidth={600}>
            <Table striped highlightOnHover data-testid="report-results" aria-label={`Results of ${r?.name ?? "the report"}`}>
              <Table.Thead>
                <Table.Tr>
                  {headers.map((c) => {
                    const active = sort.key === c.id;
                    return (
                      <Table.Th key={c.id} ta={c.type === "number" ? "right" : undefined} aria-sort={active ? (sort.order === "asc" ? "ascending" : "descending") : "none"}>
                        <UnstyledButton onClick={() => toggle(c.id)} style={{ fontWeight: 600, fontSize: "inherit" }}>
                          {c.label}
                          {active ? (sort.order === "asc" ? " ▲" : " ▼") : ""}
                        </UnstyledButton>
                      </Table.Th>
                    );
                  })}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {(results.data?.rows ?? []).length === 0 ? (
                  <Table.Tr>
                    <Table.Td colSpan={headers.length}>
                      <Text size="sm" c="dimmed">
                        No {r?.kind === "visitor" ? "visitors" : "accounts"} in this segment yet.
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ) : (
                  results.data?.rows.map((row) => (
                    <Table.Tr key={row.id}>
                      <Table.Td>
                        <Anchor href={`/${r?.kind === "visitor" ? "visitors" : "accounts"}/${encodeURIComponent(row.id)}`} onClick={linkClick(`/${r?.kind === "visitor" ? "visitors" : "accounts"}/${encodeURIComponent(row.id)}`)} size="sm">
                          {typeof row.values["crm.Name"] === "string" && row.values["crm.Name"] ? row.values["crm.Name"] : row.id}
                        </Anchor>
                      </Table.Td>
                      {(results.data?.columns ?? []).map((c) => (
                        <Table.Td key={c.id} ta={c.type === "number" ? "right" : undefined}>
                          {c.type === "date" ? formatTime(row.values[c.id] as string | null) : formatCell(row.values[c.id])}
                        </Table.Td>
                      ))}
                    </Table.Tr>
                  ))
                )}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Card>
      )}</Loaded>
      <Pager total={results.data?.total ?? 0} page={page} pageSize={PAGE_SIZE} onChange={setPage} label="Result pages" />
      {canEdit && r && (
        <Group mt="xl">
          <Button
            variant="subtle"
            color="red"
            size="xs"
            loading={remove.busy}
            onClick={() => {
              if (window.confirm(`Delete the report "${r.name}"?`)) void remove.run(undefined).then((x) => x && navigate("/reports"));
            }}
          >
            Delete report
          </Button>
        </Group>
      )}
      {r && results.data && <CrmPushDialog opened={pushOpen} onClose={() => setPushOpen(false)} report={r} columns={results.data.columns} />}
    </>
  );
}

/** A chart of the report's top rows by one of its number columns (its main column first). */
function ReportChartCard(props: { report: Report; columns: ReportColumn[] }) {
  const numeric = props.columns.filter((c) => c.type === "number");
  const [column, setColumn] = useState<string | null>(numeric[0]?.id ?? null);
  const top = useApi<ReportResults>(column ? `/reports/${encodeURIComponent(props.report.id)}/results${query({ limit: 15, sort: column, order: "desc" })}` : null);
  const chosen = numeric.find((c) => c.id === column);
  if (!chosen) return null;
  return (
    <Card withBorder mb="md" data-testid="report-chart">
      <Group justify="space-between" mb="xs">
        <Text fw={600}>Top 15 by {chosen.label.toLowerCase()}</Text>
        {numeric.length > 1 && <Select aria-label="Chart column" data={numeric.map((c) => ({ value: c.id, label: c.label }))} value={column} onChange={setColumn} allowDeselect={false} w={240} size="xs" />}
      </Group>
      <Loaded state={top} label="Drawing the chart…">
        {(d) => <ReportBars results={d} column={chosen} height={Math.max(180, d.rows.length * 22 + 24)} />}
      </Loaded>
    </Card>
  );
}
