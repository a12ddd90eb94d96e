import { Anchor, Badge, Card, Group, SegmentedControl, SimpleGrid, Stack, Table, Tabs, Text, Title } from "@mantine/core";
import { useMemo, useState } from "react";
import { api, query, type ApiError } from "../../../api";
import { useCanEdit } from "../../../auth";
import { Chart, type ChartOption } from "../../../components/chart";
import { axisDay, formatDay } from "../../../components/dates";
import { ErrorNotice, Loading, PageHeader, formatCell, formatTime, Loaded } from "../../../components/common";
import { linkClick, navigate } from "../../../router";
import { useApi, useMutation } from "../../../use-api";
import { CustomMetadataEditor, GROUPS, IdSearch, MetadataTable, Pager, groupKeys, plural, title, useDebounced, type Entity, type Kind, type MetadataGroup } from "./shared";

const PAGE_SIZE = 50;

type ListAnswer = { total: number; accounts?: Entity[]; visitors?: Entity[] };

/** Accounts or visitors, one page at a time, with one metadata group's fields as columns. */
function EntityList(props: { kind: Kind }) {
  const { kind } = props;
  const [page, setPage] = useState(1);
  const [group, setGroup] = useState<MetadataGroup>("agent");
  const [search, setSearch] = useState("");
  // The server searches ids and metadata values over every page; typing starts again at page 1.
  const filter = useDebounced(search.trim(), 250);
  const list = useApi<ListAnswer>(`/${plural(kind)}${query({ q: filter, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE })}`);
  const open = useMutation((id: string) => api<Entity>(`/${plural(kind)}/${encodeURIComponent(id)}`));
  const rows = useMemo(() => list.data?.[plural(kind)] ?? [], [list.data, kind]);
  const keys = useMemo(() => groupKeys(rows, group), [rows, group]);
  const notFound: ApiError | undefined = open.error?.status === 404 ? open.error : undefined;
  return (
    <>
      <PageHeader
        title={kind === "account" ? "Accounts" : "Visitors"}
        description={kind === "account" ? "Every account the agent has seen, with the metadata from the agent, admins and the CRM." : "Every visitor the agent has seen, with their metadata."}
      />
      <ErrorNotice error={list.error} onRetry={list.reload} />
      <Group justify="space-between" align="flex-end" mb="sm">
        <IdSearch
          kind={kind}
          value={search}
          onChange={(v) => {
            setSearch(v);
            setPage(1);
            open.clear();
          }}
          onOpen={(id) => void open.run(id).then((e) => e && navigate(`/${plural(kind)}/${encodeURIComponent(e.id)}`))}
          error={open.error}
          busy={open.busy}
        />
        <Tabs value={group} onChange={(v) => setGroup((v as MetadataGroup | null) ?? "agent")}>
          <Tabs.List aria-label="Metadata group shown as columns">
            {GROUPS.map((g) => (
              <Tabs.Tab key={g.id} value={g.id}>
                {g.label} metadata
              </Tabs.Tab>
            ))}
          </Tabs.List>
        </Tabs>
      </Group>
      {notFound && (
        <Text size="sm" c="red.9" mb="sm" role="alert">
          {notFound.message}
        </Text>
      )}
      <Loaded state={list} label={`Loading ${plural(kind)}…`}>{() => (
        <Table.ScrollContainer minWidth={700}>
          <Table striped highlightOnHover data-testid={`${kind}-table`} aria-label={kind === "account" ? "Accounts" : "Visitors"}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th rowSpan={2}>{title(kind)}</Table.Th>
                <Table.Th rowSpan={2}>First seen</Table.Th>
                <Table.Th rowSpan={2}>Last seen</Table.Th>
                <Table.Th colSpan={Math.max(1, keys.length)} ta="center" style={{ borderLeft: "1px solid var(--mantine-color-gray-3)" }}>
                  {GROUPS.find((g) => g.id === group)?.label} metadata
                </Table.Th>
              </Table.Tr>
              <Table.Tr>
                {keys.length === 0 ? (
                  <Table.Th style={{ borderLeft: "1px solid var(--mantine-color-gray-3)" }}>
                    <Text size="xs" c="dimmed">
                      none on this page
                    </Text>
                  </Table.Th>
                ) : (
                  keys.map((k, i) => (
                    <Table.Th key={k} style={i === 0 ? { borderLeft: "1px solid var(--mantine-color-gray-3)" } : undefined}>
                      <Text size="sm" ff="monospace" fw={600}>
                        {k}
                      </Text>
                    </Table.Th>
                  ))
                )}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.length === 0 ? (
                <Table.Tr>
                  <Table.Td colSpan={3 + Math.max(1, keys.length)}>
                    <Text size="sm" c="dimmed">
                      {filter ? `No ${plural(kind)} match "${filter}". Press Enter to open the ${kind} with exactly this id.` : `No ${plural(kind)} yet: they appear when the agent sends their first events.`}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ) : (
                rows.map((r) => (
                  <Table.Tr key={r.id}>
                    <Table.Td>
                      <InAppLink to={`/${plural(kind)}/${encodeURIComponent(r.id)}`}>{r.id}</InAppLink>
                    </Table.Td>
                    <Table.Td>{formatTime(r.firstSeen)}</Table.Td>
                    <Table.Td>{formatTime(r.lastSeen)}</Table.Td>
                    {keys.length === 0 ? <Table.Td>—</Table.Td> : keys.map((k) => <Table.Td key={k}>{formatCell(r.metadata[group]?.[k])}</Table.Td>)}
                  </Table.Tr>
                ))
              )}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}</Loaded>
      <Pager total={list.data?.total ?? 0} page={page} pageSize={PAGE_SIZE} onChange={setPage} label={`${title(kind)} pages`} />
    </>
  );
}

export function AccountsList() {
  return <EntityList kind="account" />;
}
export function VisitorsList() {
  return <EntityList kind="visitor" />;
}

/** The three metadata groups of one account or visitor; custom is editable by admins. */
function MetadataGroups(props: { kind: Kind; entity: Entity; onSaved(e: Entity): void }) {
  const canEdit = useCanEdit();
  return (
    <Card withBorder>
      <Title order={2} size="h4" mb="xs">
        Metadata
      </Title>
      <Tabs defaultValue="agent" keepMounted={false}>
        <Tabs.List aria-label="Metadata groups">
          {GROUPS.map((g) => (
            <Tabs.Tab key={g.id} value={g.id} rightSection={<Badge size="xs" variant="light" color="gray">{Object.keys(props.entity.metadata[g.id] ?? {}).length}</Badge>}>
              {g.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        {GROUPS.map((g) => (
          <Tabs.Panel key={g.id} value={g.id} pt="sm">
            <Text size="xs" c="dimmed" mb="xs">
              {g.note}
              {g.id === "custom" && !canEdit ? " Viewers cannot change it." : ""}
            </Text>
            {g.id === "custom" ? (
              <CustomMetadataEditor kind={props.kind} id={props.entity.id} values={props.entity.metadata.custom ?? {}} onSaved={props.onSaved} canEdit={canEdit} />
            ) : (
              <MetadataTable values={props.entity.metadata[g.id] ?? {}} empty={g.id === "crm" ? "Nothing pulled from the CRM yet (set up the CRM pull to fill it)." : "The agent sent no metadata."} caption={`${g.label} metadata`} />
            )}
          </Tabs.Panel>
        ))}
      </Tabs>
    </Card>
  );
}

/** `featureClicks`: clicks matching at least one feature; `clicks`: all clicks. */
type UsageDay = { date: string; visitors: number; minutes: number; featureClicks: number; clicks: number; pageViews: number; events: number };
type Usage = { accountId: string; timeZone: string; from: string; to: string; days: UsageDay[] };

const shortDate = axisDay;

function seriesOption(days: UsageDay[], name: string, pick: (d: UsageDay) => number, kind: "bar" | "line", color: string, summary: string): ChartOption {
  return {
    // ECharts writes its own aria-label on the chart; give it ours so the summary is what is read.
    aria: { enabled: true, label: { description: `${name}: ${summary}` } },
    color: [color],
    grid: { left: 44, right: 16, top: 16, bottom: 28 },
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: days.map((d) => shortDate(d.date)), axisLabel: { hideOverlap: true } },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ name, type: kind, data: days.map(pick), smooth: kind === "line", areaStyle: kind === "line" ? { opacity: 0.15 } : undefined, showSymbol: false }],
  };
}

function describeSeries(days: UsageDay[], pick: (d: UsageDay) => number, unit: string): string {
  const values = days.map(pick);
  const total = values.reduce((a, b) => a + b, 0);
  const active = values.filter((v) => v > 0).length;
  let best = 0;
  values.forEach((v, i) => {
    if (v > (values[best] ?? 0)) best = i;
  });
  if (total === 0) return `no ${unit} in these ${days.length} days`;
  return `${total.toLocaleString("en-US")} ${unit} in total over ${days.length} days, on ${active} active days; the busiest day was ${shortDate(days[best]?.date ?? "")} with ${(values[best] ?? 0).toLocaleString("en-US")}`;
}

/** Daily visitors, minutes and feature clicks of one account, last 30 or 90 days. */
function UsageCharts(props: { accountId: string }) {
  const [days, setDays] = useState("30");
  const usage = useApi<Usage>(`/accounts/${encodeURIComponent(props.accountId)}/usage${query({ days })}`);
  const d = usage.data?.days ?? [];
  const charts: { label: string; unit: string; pick: (x: UsageDay) => number; kind: "bar" | "line"; color: string; id: string }[] = [
    { id: "visitors", label: "Daily visitors", unit: "visitor-days", pick: (x) => x.visitors, kind: "bar", color: "#1864ab" },
    { id: "minutes", label: "Daily minutes", unit: "minutes", pick: (x) => x.minutes, kind: "line", color: "#087f5b" },
    { id: "clicks", label: "Daily feature clicks", unit: "clicks", pick: (x) => x.featureClicks, kind: "bar", color: "#862e9c" },
  ];
  return (
    <Card withBorder>
      <Group justify="space-between" mb="xs">
        <Stack gap={0}>
          <Title order={2} size="h4">
            Usage over time
          </Title>
          {usage.data && (
            <Text size="xs" c="dimmed">
              {formatDay(usage.data.from)} – {formatDay(usage.data.to)}, days in {usage.data.timeZone}
            </Text>
          )}
        </Stack>
        <SegmentedControl
          aria-label="Period"
          value={days}
          onChange={setDays}
          data={[
            { value: "30", label: "Last 30 days" },
            { value: "90", label: "Last 90 days" },
          ]}
        />
      </Group>
      <Loaded state={usage} label="Loading usage…">{() => (
        <SimpleGrid cols={{ base: 1, md: 3 }}>
          {charts.map((c) => {
            const summary = describeSeries(d, c.pick, c.unit);
            return (
              <Stack key={c.id} gap={4} data-testid={`usage-${c.id}`}>
                <Text size="sm" fw={600}>
                  {c.label}
                </Text>
                <Chart option={seriesOption(d, c.label, c.pick, c.kind, c.color, summary)} label={c.label} summary={summary} height={200} />
                <Text size="xs" c="dimmed" aria-hidden>
                  {summary[0]?.toUpperCase()}
                  {summary.slice(1)}.
                </Text>
              </Stack>
            );
          })}
        </SimpleGrid>
      )}</Loaded>
    </Card>
  );
}

function Facts(props: { items: { label: string; value: string }[] }) {
  return (
    <SimpleGrid cols={{ base: 2, sm: props.items.length }} mb="md">
      {props.items.map((i) => (
        <Card withBorder key={i.label} padding="sm">
          <Text size="xs" c="dimmed">
            {i.label}
          </Text>
          <Text fw={600}>{i.value}</Text>
        </Card>
      ))}
    </SimpleGrid>
  );
}

function useEntity(kind: Kind, id: string) {
  const loaded = useApi<Entity>(`/${plural(kind)}/${encodeURIComponent(id)}`);
  const [override, setOverride] = useState<Entity | undefined>(undefined);
  return { ...loaded, data: override ?? loaded.data, set: setOverride };
}

/** A Mantine-styled link that navigates inside the UI. */
function InAppLink(props: { to: string; children: string }) {
  return (
    <Anchor href={props.to} onClick={linkClick(props.to)} size="sm">
      {props.children}
    </Anchor>
  );
}

function BackLink(props: { to: string; label: string }) {
  return (
    <Anchor href={props.to} onClick={linkClick(props.to)} size="sm" mb="xs" display="inline-block">
      ← {props.label}
    </Anchor>
  );
}

export function AccountDetail(props: { params: Record<string, string> }) {
  const id = props.params["id"] ?? "";
  const account = useEntity("account", id);
  return (
    <>
      <BackLink to="/accounts" label="All accounts" />
      <PageHeader title={`Account ${id}`} description="Usage from the rollups and metadata by group." />
      <ErrorNotice error={account.error} title={account.error?.status === 404 ? "Account not found" : undefined} />
      {account.loading && !account.data ? (
        <Loading label="Loading account…" />
      ) : account.data ? (
        <Stack>
          <Facts
            items={[
              { label: "First seen", value: formatTime(account.data.firstSeen) },
              { label: "Last seen", value: formatTime(account.data.lastSeen) },
              { label: "Visitors ever", value: (account.data.visitorsEver ?? 0).toLocaleString("en-US") },
            ]}
          />
          <UsageCharts accountId={id} />
          <MetadataGroups kind="account" entity={account.data} onSaved={account.set} />
        </Stack>
      ) : null}
    </>
  );
}

export function VisitorDetail(props: { params: Record<string, string> }) {
  const id = props.params["id"] ?? "";
  const visitor = useEntity("visitor", id);
  const accounts = visitor.data?.accounts ?? [];
  return (
    <>
      <BackLink to="/visitors" label="All visitors" />
      <PageHeader title={`Visitor ${id}`} description="Metadata by group and the accounts this visitor was seen in." />
      <ErrorNotice error={visitor.error} title={visitor.error?.status === 404 ? "Visitor not found" : undefined} />
      {visitor.loading && !visitor.data ? (
        <Loading label="Loading visitor…" />
      ) : visitor.data ? (
        <Stack>
          <Facts
            items={[
              { label: "First seen", value: formatTime(visitor.data.firstSeen) },
              { label: "Last seen", value: formatTime(visitor.data.lastSeen) },
              { label: "Accounts", value: accounts.length.toLocaleString("en-US") },
            ]}
          />
          <Card withBorder>
            <Title order={2} size="h4" mb="xs">
              Accounts
            </Title>
            {accounts.length === 0 ? (
              <Text size="sm" c="dimmed">
                Not seen in any account.
              </Text>
            ) : (
              <Group gap="xs" component="ul" style={{ listStyle: "none", padding: 0, margin: 0 }}>
                {accounts.map((a) => (
                  <li key={a}>
                    <InAppLink to={`/accounts/${encodeURIComponent(a)}`}>{a}</InAppLink>
                  </li>
                ))}
              </Group>
            )}
          </Card>
          <MetadataGroups kind="visitor" entity={visitor.data} onSaved={visitor.set} />
        </Stack>
      ) : null}
    </>
  );
}
