import { Badge, Card, Group, SimpleGrid, Stack, Table, Tabs, Text, Title } from "@mantine/core";
import { useMemo, useState } from "react";
import { api, query, type ApiError } from "../../../api";
import { useCanEdit } from "../../../auth";
import { ErrorNotice, Loaded, Loading, PageHeader, formatCell, formatTime } from "../../../components/common";
import { formatDay, relativeTime } from "../../../components/dates";
import { Link, navigate } from "../../../router";
import { useApi, useMutation } from "../../../use-api";
import { UsageCharts } from "./usage-charts";
import { CustomMetadataEditor, GROUPS, IdSearch, MetadataTable, Pager, entityName, groupKeys, plural, title, useDebounced, type Entity, type Kind, type MetadataGroup } from "./shared";

const PAGE_SIZE = 50;

type ListAnswer = { total: number; accounts?: Entity[]; visitors?: Entity[] };

/** Accounts or visitors, one page at a time, with one metadata group's fields as columns. */
function EntityList(props: { kind: Kind }) {
  const { kind } = props;
  const [page, setPage] = useState(1);
  const [chosen, setChosen] = useState<MetadataGroup | null>(null);
  const [search, setSearch] = useState("");
  // The server searches ids and metadata values over every page; typing starts again at page 1.
  const filter = useDebounced(search.trim(), 250);
  const list = useApi<ListAnswer>(`/${plural(kind)}${query({ q: filter, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE })}`);
  const open = useMutation((id: string) => api<Entity>(`/${plural(kind)}/${encodeURIComponent(id)}`));
  const rows = useMemo(() => list.data?.[plural(kind)] ?? [], [list.data, kind]);
  // Until someone picks a group, the columns are the first group that has values (the CRM's, once pulled).
  const group: MetadataGroup = chosen ?? (["crm", "custom", "agent"] as const).find((g) => groupKeys(rows, g).length > 0) ?? "agent";
  // The CRM's Id and Name already show in the first column (its name, linking to the customer).
  const keys = useMemo(() => groupKeys(rows, group).filter((k) => group !== "crm" || (k !== "Id" && k !== "Name")), [rows, group]);
  const notFound: ApiError | undefined = open.error?.status === 404 ? open.error : undefined;
  return (
    <>
      <PageHeader
        title={kind === "account" ? "Accounts" : "Visitors"}
        description={kind === "account" ? "Every account the agent has seen, with the metadata from the agent, admins and the CRM." : "Every visitor the agent has seen, with their metadata."}
      />
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
        <Tabs value={group} onChange={(v) => setChosen((v as MetadataGroup | null) ?? "agent")}>
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
                    <Table.Td style={{ whiteSpace: "nowrap" }}>
                      <Link to={`/${plural(kind)}/${encodeURIComponent(r.id)}`} size="sm">
                        {entityName(r) ?? r.id}
                      </Link>
                      <Text size="xs" c="dimmed">
                        {entityName(r) ? r.id : ""}
                        {typeof r.metadata.crm?.["Id"] === "string" && (
                          <>
                            {entityName(r) ? " · " : ""}
                            <Link to={`/success/customers/${encodeURIComponent(r.metadata.crm["Id"])}`} size="xs" aria-label={`Customer page of ${entityName(r) ?? r.id}`}>
                              customer
                            </Link>
                          </>
                        )}
                      </Text>
                    </Table.Td>
                    <Table.Td style={{ whiteSpace: "nowrap" }}>{formatDay(r.firstSeen)}</Table.Td>
                    <Table.Td style={{ whiteSpace: "nowrap" }} title={formatTime(r.lastSeen)}>
                      {relativeTime(r.lastSeen)}
                    </Table.Td>
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
      <Tabs defaultValue={GROUPS.find((g) => Object.keys(props.entity.metadata[g.id] ?? {}).length > 0)?.id ?? "agent"} keepMounted={false}>
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

/** One account: its name and the customer it is, its usage, its visitors and its metadata by group. */
export function AccountDetail(props: { params: Record<string, string> }) {
  const id = props.params["id"] ?? "";
  const account = useEntity("account", id);
  const a = account.data;
  const name = a ? entityName(a) : null;
  const crmId = a && typeof a.metadata.crm?.["Id"] === "string" ? a.metadata.crm["Id"] : null;
  return (
    <>
      <PageHeader
        title={name ?? `Account ${id}`}
        back={{ to: "/accounts", label: "All accounts" }}
        description={
          <>
            Analytics account {id}
            {crmId ? (
              <>
                {" · "}
                <Link to={`/success/customers/${encodeURIComponent(crmId)}`} testId="customer-link">
                  Its customer page
                </Link>{" "}
                (CRM Account {crmId})
              </>
            ) : a ? (
              " · pull the CRM field Id to link this account to its customer page"
            ) : null}
          </>
        }
      />
      <ErrorNotice error={account.error} title={account.error?.status === 404 ? "Account not found" : "This account could not be loaded"} onRetry={account.error?.status === 404 ? undefined : account.reload} />
      {a ? (
        <Stack>
          <Facts
            items={[
              { label: "First seen", value: formatTime(a.firstSeen) },
              { label: "Last seen", value: formatTime(a.lastSeen) },
              { label: "Visitors ever", value: (a.visitorsEver ?? 0).toLocaleString("en-US") },
            ]}
          />
          <UsageCharts accountId={id} />
          <SimpleGrid cols={{ base: 1, lg: 2 }}>
            <AccountVisitors accountId={id} />
            <MetadataGroups kind="account" entity={a} onSaved={account.set} />
          </SimpleGrid>
        </Stack>
      ) : account.error ? null : (
        <Loading label="Loading account…" />
      )}
    </>
  );
}

type AccountVisitor = Entity & { firstSeenHere: number; lastSeenHere: number };

/** The people using an account, most recent first. */
export function AccountVisitors(props: { accountId: string; limit?: number }) {
  const visitors = useApi<{ total: number; visitors: AccountVisitor[] }>(`/accounts/${encodeURIComponent(props.accountId)}/visitors${query({ limit: props.limit ?? 10 })}`);
  return (
    <Card withBorder component="section" aria-label="Visitors" data-testid="account-visitors">
      <Group justify="space-between" mb="xs">
        <Title order={2} size="h4">
          Visitors{visitors.data ? ` (${visitors.data.total.toLocaleString("en-US")})` : ""}
        </Title>
      </Group>
      <Loaded state={visitors} label="Loading visitors…">
        {(v) =>
          v.visitors.length === 0 ? (
            <Text size="sm" c="dimmed">
              No visitor seen in this account yet.
            </Text>
          ) : (
            <Table verticalSpacing={4}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Visitor</Table.Th>
                  <Table.Th>Last seen here</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {v.visitors.map((x) => (
                  <Table.Tr key={x.id}>
                    <Table.Td>
                      <Link to={`/visitors/${encodeURIComponent(x.id)}`} size="sm">
                        {entityName(x) ?? x.id}
                      </Link>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" title={formatTime(x.lastSeenHere)}>
                        {relativeTime(x.lastSeenHere)}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )
        }
      </Loaded>
    </Card>
  );
}

/** One visitor: metadata by group and the accounts they were seen in. */
export function VisitorDetail(props: { params: Record<string, string> }) {
  const id = props.params["id"] ?? "";
  const visitor = useEntity("visitor", id);
  const accounts = visitor.data?.accounts ?? [];
  const name = visitor.data ? entityName(visitor.data) : null;
  return (
    <>
      <PageHeader title={name ?? `Visitor ${id}`} back={{ to: "/visitors", label: "All visitors" }} description={`Visitor ${id}: metadata by group and the accounts this visitor was seen in.`} />
      <ErrorNotice error={visitor.error} title={visitor.error?.status === 404 ? "Visitor not found" : "This visitor could not be loaded"} onRetry={visitor.error?.status === 404 ? undefined : visitor.reload} />
      {visitor.data ? (
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
                {accounts.map((acc) => (
                  <li key={acc}>
                    <Link to={`/accounts/${encodeURIComponent(acc)}`} size="sm">
                      {acc}
                    </Link>
                  </li>
                ))}
              </Group>
            )}
          </Card>
          <MetadataGroups kind="visitor" entity={visitor.data} onSaved={visitor.set} />
        </Stack>
      ) : visitor.error ? null : (
        <Loading label="Loading visitor…" />
      )}
    </>
  );
}
