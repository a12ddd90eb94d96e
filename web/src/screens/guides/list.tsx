import { Button, Group, Pagination, Select, Text, TextInput } from "@mantine/core";
import { useEffect, useMemo, useState } from "react";
import { api } from "../../api";
import { useCanEdit } from "../../auth";
import { DataTable, ErrorNotice, PageHeader, formatTime, Loaded } from "../../components/common";
import { StatusBadge } from "../../components/status-badge";
import { Link, navigate } from "../../router";
import { useApi, useMutation } from "../../use-api";
import { STATUSES, layoutLabel, percent, type Guide, type GuideMetrics, type Segment, type Status } from "./model";

const PAGE = 10;

/** Metrics of the guides on the visible page only (one request per visible row, never for the whole list). */
function useVisibleMetrics(ids: string[]): Map<string, GuideMetrics | "error"> {
  const [metrics, setMetrics] = useState(new Map<string, GuideMetrics | "error">());
  const key = ids.join(",");
  useEffect(() => {
    const controller = new AbortController();
    const wanted = key === "" ? [] : key.split(",");
    for (const id of wanted) {
      api<GuideMetrics>(`/guides/${encodeURIComponent(id)}/metrics`, { signal: controller.signal })
        .then((m) => setMetrics((prev) => new Map(prev).set(id, m)))
        .catch(() => {
          if (!controller.signal.aborted) setMetrics((prev) => new Map(prev).set(id, "error"));
        });
    }
    return () => controller.abort();
  }, [key]);
  return metrics;
}

/** Every guide with its layout, status (changeable), segment and last-30-day metrics. */
export function GuidesList() {
  const guides = useApi<{ guides: Guide[] }>("/guides");
  const segments = useApi<{ segments: Segment[] }>("/segments");
  const canEdit = useCanEdit();
  const [page, setPage] = useState(1);
  const [filter, setFilter] = useState("");
  const setStatus = useMutation((a: { id: string; status: Status }) => api<Guide>(`/guides/${encodeURIComponent(a.id)}/status`, { method: "PATCH", body: { status: a.status } }));
  const segmentName = useMemo(() => new Map((segments.data?.segments ?? []).map((s) => [s.id, s.name])), [segments.data]);
  const all = useMemo(() => {
    const f = filter.trim().toLowerCase();
    return [...(guides.data?.guides ?? [])].filter((g) => !f || g.name.toLowerCase().includes(f)).sort((a, b) => b.updatedAt - a.updatedAt);
  }, [guides.data, filter]);
  const pages = Math.max(1, Math.ceil(all.length / PAGE));
  const visible = all.slice((Math.min(page, pages) - 1) * PAGE, Math.min(page, pages) * PAGE);
  const metrics = useVisibleMetrics(visible.map((g) => g.id));
  const metric = (id: string): GuideMetrics | undefined => {
    const m = metrics.get(id);
    return m === "error" ? undefined : m;
  };
  const loading = (id: string): boolean => !metrics.has(id);

  return (
    <>
      <PageHeader
        title="Guides"
        description="In-app guides shown to visitors by segment and page. Metrics cover the last 30 days."
        actions={
          canEdit && (
            <Button component="a" href="/guides/new" onClick={(e) => { e.preventDefault(); navigate("/guides/new"); }}>
              New guide
            </Button>
          )
        }
      />
      <ErrorNotice error={guides.error ?? segments.error} onRetry={() => { guides.reload(); segments.reload(); }} />
      <ErrorNotice error={setStatus.error} title="The status was not changed" />
      <TextInput label="Find a guide" placeholder="Name contains…" value={filter} onChange={(e) => { setFilter(e.currentTarget.value); setPage(1); }} mb="sm" maw={320} />
      <Loaded state={guides} label="Loading guides…">{() => (
        <DataTable
          testId="guides-table"
          rows={visible}
          rowKey={(g) => g.id}
          empty={filter ? "No guide has that name." : "No guides yet. Create one with “New guide”."}
          columns={[
            { key: "name", label: "Name", render: (g) => <Link to={`/guides/${encodeURIComponent(g.id)}`}>{g.name}</Link> },
            { key: "layout", label: "Layout", render: (g) => layoutLabel(g), sortValue: (g) => layoutLabel(g) },
            {
              key: "status",
              label: "Status",
              render: (g) =>
                canEdit ? (
                  <Select
                    aria-label={`Status of ${g.name}`}
                    size="xs"
                    w={130}
                    data={STATUSES}
                    value={g.status}
                    allowDeselect={false}
                    disabled={setStatus.busy}
                    onChange={(v) => {
                      if (v && v !== g.status) void setStatus.run({ id: g.id, status: v as Status }).then((r) => r && guides.reload());
                    }}
                  />
                ) : (
                  <StatusBadge kind="guide" status={g.status} />
                ),
            },
            { key: "segment", label: "Segment", render: (g) => segmentName.get(g.targeting.segment) ?? g.targeting.segment, sortValue: (g) => segmentName.get(g.targeting.segment) ?? g.targeting.segment },
            { key: "views", label: "Views", align: "right", render: (g) => (loading(g.id) ? "…" : (metric(g.id)?.views ?? 0).toLocaleString("en-US")), sortValue: (g) => metric(g.id)?.views ?? null },
            { key: "visitors", label: "Unique visitors", align: "right", render: (g) => (loading(g.id) ? "…" : (metric(g.id)?.uniqueVisitors ?? 0).toLocaleString("en-US")), sortValue: (g) => metric(g.id)?.uniqueVisitors ?? null },
            { key: "completion", label: "Completion", align: "right", render: (g) => (loading(g.id) ? "…" : percent(metric(g.id)?.completionRate)), sortValue: (g) => metric(g.id)?.completionRate ?? null },
            { key: "updatedAt", label: "Updated", render: (g) => formatTime(g.updatedAt) },
          ]}
        />
      )}</Loaded>
      {pages > 1 && (
        <Group justify="space-between" mt="sm">
          <Text size="sm" c="dimmed">
            {all.length} guides
          </Text>
          <Pagination total={pages} value={Math.min(page, pages)} onChange={setPage} getControlProps={(c) => ({ "aria-label": `${c} page` })} getItemProps={(p) => ({ "aria-label": `Page ${p}` })} />
        </Group>
      )}
    </>
  );
}
