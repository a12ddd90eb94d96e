import { Badge, Button, SimpleGrid, Stack, Table, Text } from "@mantine/core";
import { useState } from "react";
import { query } from "../../api";
import { useCanEdit } from "../../auth";
import { DataTable, ErrorNotice, Loaded, Loading, PageHeader, formatCell, formatTime } from "../../components/common";
import { formatDay } from "../../components/dates";
import { HealthBadge } from "../../components/health";
import { StatusBadge } from "../../components/status-badge";
import { Link } from "../../router";
import { useApi, type Loaded as LoadedState } from "../../use-api";
import { AccountVisitors } from "../analytics/data/entities";
import type { Entity } from "../analytics/data/shared";
import { UsageCharts } from "../analytics/data/usage-charts";
import { CustomerHealth, type HistoryRow } from "./customer-health";
import { CustomerScorecard, type AccountCard } from "./customer-scorecard";
import { UsageByPeriod, type UsageSeries } from "./customer-usage";
import { NewCta } from "./new-cta";
import { FieldGrid, Panel, money, type Cta, type Customer, type Scorecard, type UsageMeasure } from "./shared";

type NpsRow = { id: string; score: number | null; responses: number; promoters: number; passives: number; detractors: number };

/**
 * The analytics account that is this customer: the one whose pulled CRM Id is the customer's
 * account id (the sync pulls `Id` with the Account's other fields). Null when none is linked.
 */
function useLinkedAccount(crmId: string): LoadedState<Entity | null> {
  const found = useApi<{ accounts: Entity[] }>(`/accounts${query({ q: crmId, limit: 5 })}`);
  return { ...found, data: found.data ? (found.data.accounts.find((a) => a.metadata.crm?.["Id"] === crmId) ?? null) : undefined };
}

/**
 * One customer on one page, in both roles: Customer Info, health over time with what moved it, the
 * scorecard, CTAs, the usage the rules loaded and the product usage behind it, NPS, the CRM fields
 * pulled and pushed, and the people using it.
 */
export function CustomerPage(props: { params: Record<string, string> }) {
  const id = props.params["accountId"] ?? "";
  const enc = encodeURIComponent(id);
  const customer = useApi<Customer>(`/success/customers/${enc}`);
  const history = useApi<{ history: HistoryRow[] }>(`/success/customers/${enc}/score-history?limit=1000`);
  const usage = useApi<{ series: UsageSeries }>(`/success/customers/${enc}/usage`);
  const measures = useApi<{ measures: UsageMeasure[] }>("/success/usage/measures");
  const card = useApi<AccountCard>(`/success/customers/${enc}/scorecard`);
  const scorecard = useApi<Scorecard>("/success/scorecard");
  const ctas = useApi<{ total: number; ctas: Cta[] }>(`/success/ctas${query({ accountId: id, limit: 50 })}`);
  const account = useLinkedAccount(id);
  const canEdit = useCanEdit();
  const [newCta, setNewCta] = useState(false);
  const c = customer.data;
  if (customer.error) return <ErrorNotice error={customer.error} title={customer.error.status === 404 ? "No such customer" : "This customer could not be loaded"} onRetry={customer.error.status === 404 ? undefined : customer.reload} />;
  if (!c) return <Loading label="Loading the customer…" />;
  const ranges = scorecard.data?.scheme.ranges ?? [];
  const labelOf = (score: number): string => ranges.find((r, i) => score >= r.from && (score < r.to || (i === ranges.length - 1 && score <= r.to)))?.label ?? "";
  const linked = account.data ?? null;
  return (
    <>
      <PageHeader
        title={c.name}
        back={{ to: "/success/customers", label: "All customers" }}
        badge={<HealthBadge score={c.healthScore} colour={c.healthColour} />}
        description={
          <>
            CRM Account {c.accountId}
            {linked && (
              <>
                {" · analytics account "}
                <Link to={`/accounts/${encodeURIComponent(linked.id)}`} testId="account-link">
                  {linked.id}
                </Link>
              </>
            )}
            {c.renewalDate ? ` · renews ${formatDay(c.renewalDate)}` : ""}
            {c.arr !== null ? ` · ARR ${money(c.arr)}` : ""}
          </>
        }
        actions={
          canEdit && (
            <Button variant="default" onClick={() => setNewCta(true)}>
              New CTA
            </Button>
          )
        }
      />
      {newCta && <NewCta customer={{ accountId: c.accountId, name: c.name }} onClose={() => setNewCta(false)} onCreated={ctas.reload} />}
      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="md">
        <Panel title="Health over time" testId="health-chart">
          <Loaded state={history}>{(h) => <CustomerHealth rows={h.history} current={c.healthScore} scheme={scorecard.data?.scheme} labelOf={labelOf} measureLabels={new Map((scorecard.data?.measures ?? []).map((m) => [m.name, m.label]))} />}</Loaded>
        </Panel>
        <Panel title="Scorecard" testId="customer-scorecard">
          <Loaded state={card}>
            {(d) => (
              <CustomerScorecard
                accountId={id}
                card={d}
                onChanged={() => {
                  card.reload();
                  history.reload();
                  customer.reload();
                }}
              />
            )}
          </Loaded>
        </Panel>
      </SimpleGrid>
      <Panel title={`CTAs${ctas.data ? ` (${ctas.data.total})` : ""}`} testId="customer-ctas" actions={<Link to="/success/ctas">CTA board</Link>}>
        <Loaded state={ctas}>
          {(d) => (
            <DataTable
              rows={d.ctas}
              rowKey={(x) => x.id}
              empty="No CTAs for this customer."
              columns={[
                { key: "type", label: "Type" },
                { key: "reason", label: "Reason" },
                { key: "priority", label: "Priority" },
                { key: "status", label: "Status", render: (x) => <StatusBadge kind="cta" status={x.status} /> },
                { key: "dueDate", label: "Due" },
                { key: "owner", label: "Owner" },
                { key: "source", label: "Opened by", render: (x) => (x.ruleId ? "a rule" : "a person"), sortValue: (x) => (x.ruleId ? 1 : 0) },
              ]}
            />
          )}
        </Loaded>
      </Panel>
      <Panel title="Usage the rules loaded" testId="usage-chart" actions={<Link to="/success/usage">All usage data</Link>}>
        <Loaded state={usage}>{(u) => (measures.data ? <UsageByPeriod series={u.series} measures={measures.data.measures} /> : <Loading />)}</Loaded>
      </Panel>
      {linked ? (
        <Stack gap="md" mb="md">
          <UsageCharts accountId={linked.id} title="Product usage, day by day" />
          <SimpleGrid cols={{ base: 1, lg: 3 }} spacing="md">
            <CrmFields account={linked} />
            <CustomerNps accountId={linked.id} />
            <AccountVisitors accountId={linked.id} limit={8} />
          </SimpleGrid>
        </Stack>
      ) : account.error ? (
        <ErrorNotice error={account.error} title="The analytics account could not be found" onRetry={account.reload} />
      ) : account.data === null ? (
        <Panel title="Product usage">
          <Text size="sm" c="dimmed">
            No analytics account is linked to this CRM Account yet: the CRM pull links them when it pulls the Account field Id (Connection → pull fields).
          </Text>
        </Panel>
      ) : (
        <Loading label="Finding the analytics account…" />
      )}
      <Panel title="Customer Info">
        <FieldGrid
          items={[
            { label: "Status", value: c.status },
            { label: "Stage", value: c.stage },
            { label: "ARR", value: money(c.arr) },
            { label: "MRR", value: money(c.mrr) },
            { label: "Renewal date", value: formatDay(c.renewalDate) },
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
    </>
  );
}

/** The CRM Account's fields as the last pull brought them, each marked by who writes it. */
function CrmFields(props: { account: Entity }) {
  const connection = useApi<{ status: string; fieldPrefix?: string }>("/sync/connection");
  const writable = useApi<{ objects: { object: string; fields: string[] }[] }>("/success/crm/writable");
  const prefix = (connection.data?.fieldPrefix ?? "Pendo_").toLowerCase();
  const bySuccess = new Set((writable.data?.objects.find((o) => o.object === "Account")?.fields ?? []).filter((f) => f !== "Id"));
  const fields = Object.entries(props.account.metadata.crm ?? {}).filter(([k]) => k !== "Id" && k !== "Name");
  const owner = (name: string): { word: string; colour: string } =>
    name.toLowerCase().startsWith(prefix) ? { word: "pushed by analytics", colour: "#1c5fb0" } : bySuccess.has(name) ? { word: "written by success", colour: "#5f3dc4" } : { word: "from the CRM", colour: "#495057" };
  return (
    <Panel title="CRM fields" testId="customer-crm-fields">
      {fields.length === 0 ? (
        <Text size="sm" c="dimmed">
          Nothing pulled from the CRM for this account yet.
        </Text>
      ) : (
        <Table verticalSpacing={4}>
          <Table.Tbody>
            {fields.map(([k, v]) => (
              <Table.Tr key={k}>
                <Table.Td>
                  <Text size="sm" ff="monospace" style={{ overflowWrap: "anywhere" }}>
                    {k}
                  </Text>
                  <Badge size="xs" variant="light" color={owner(k).colour} tt="none">
                    {owner(k).word}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{formatCell(v)}</Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Text size="xs" c="dimmed" mt="xs">
        As of the last CRM pull.
      </Text>
    </Panel>
  );
}

/** This account's Net Promoter Score over the last 90 days. */
function CustomerNps(props: { accountId: string }) {
  const from = new Date(Date.now() - 89 * 86_400_000).toISOString().slice(0, 10);
  const nps = useApi<{ rows: NpsRow[] }>(`/nps${query({ kind: "account", from })}`);
  return (
    <Panel title="NPS, last 90 days" testId="customer-nps">
      <Loaded state={nps}>
        {(d) => {
          const row = d.rows.find((r) => r.id === props.accountId);
          if (!row || row.responses === 0) return <Text size="sm" c="dimmed">No NPS answers from this account in the last 90 days.</Text>;
          return (
            <Stack gap={4}>
              <Text size="xl" fw={700} data-testid="customer-nps-score">
                {row.score === null ? "—" : Math.round(row.score)}
              </Text>
              <Text size="sm">
                {row.responses.toLocaleString("en-US")} answers: {row.promoters} promoters, {row.passives} passives, {row.detractors} detractors
              </Text>
              <Link to="/guides/nps" size="sm">
                NPS for everyone
              </Link>
            </Stack>
          );
        }}
      </Loaded>
    </Panel>
  );
}
