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
import type { CustomerPage as CustomerPageData } from "../../../../src/success/index.js";
import { CustomerHealth } from "./customer-health";
import { CustomerScorecard } from "./customer-scorecard";
import { UsageByPeriod } from "./customer-usage";
import { NewCta } from "./new-cta";
import { FieldGrid, Panel, money } from "./shared";

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
  // What customer success knows comes in one answer; the analytics side is found through the CRM Id.
  const page = useApi<CustomerPageData>(`/success/customers/${enc}/page?historyLimit=1000`);
  const account = useLinkedAccount(id);
  // Asked at once with the rest (they do not depend on which analytics account this is).
  const crm = useCrmOwners();
  const nps = useApi<{ rows: NpsRow[] }>(`/nps${query({ kind: "account", from: new Date(Date.now() - 89 * 86_400_000).toISOString().slice(0, 10) })}`);
  const canEdit = useCanEdit();
  const [newCta, setNewCta] = useState(false);
  const d = page.data;
  if (page.error && !d) return <ErrorNotice error={page.error} title={page.error.status === 404 ? "No such customer" : "This customer could not be loaded"} onRetry={page.error.status === 404 ? undefined : page.reload} />;
  if (!d) return <Loading label="Loading the customer…" />;
  const c = d.customer;
  const ranges = d.scorecard.scheme.ranges;
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
      {newCta && <NewCta customer={{ accountId: c.accountId, name: c.name }} onClose={() => setNewCta(false)} onCreated={page.reload} />}
      <ErrorNotice error={page.error} title="The customer could not be reloaded" onRetry={page.reload} />
      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="md">
        <Panel title="Health over time" testId="health-chart">
          <CustomerHealth rows={d.history} current={c.healthScore} scheme={d.scorecard.scheme} labelOf={labelOf} measureLabels={new Map(d.scorecard.measures.map((m) => [m.name, m.label]))} />
        </Panel>
        <Panel title="Scorecard" testId="customer-scorecard">
          <CustomerScorecard accountId={id} card={d.card} onChanged={page.reload} />
        </Panel>
      </SimpleGrid>
      <Panel title={`CTAs (${d.ctas.total})`} testId="customer-ctas" actions={<Link to="/success/ctas">CTA board</Link>}>
        <DataTable
          rows={d.ctas.ctas}
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
      </Panel>
      <Panel title="Usage the rules loaded" testId="usage-chart" actions={<Link to="/success/usage">All usage data</Link>}>
        <UsageByPeriod series={d.usage.series} measures={d.usage.measures} />
      </Panel>
      {linked ? (
        <Stack gap="md" mb="md">
          <UsageCharts accountId={linked.id} title="Product usage, day by day" />
          <SimpleGrid cols={{ base: 1, lg: 3 }} spacing="md">
            <CrmFields account={linked} owners={crm} />
            <CustomerNps accountId={linked.id} nps={nps} />
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

/** Who writes which CRM field: analytics its prefixed fields, success the fields rules may write. */
function useCrmOwners(): { prefix: string; bySuccess: Set<string> } {
  const connection = useApi<{ status: string; fieldPrefix?: string }>("/sync/connection");
  const writable = useApi<{ objects: { object: string; fields: string[] }[] }>("/success/crm/writable");
  return { prefix: (connection.data?.fieldPrefix ?? "Pendo_").toLowerCase(), bySuccess: new Set((writable.data?.objects.find((o) => o.object === "Account")?.fields ?? []).filter((f) => f !== "Id")) };
}

/** The CRM Account's fields as the last pull brought them, each marked by who writes it. */
function CrmFields(props: { account: Entity; owners: { prefix: string; bySuccess: Set<string> } }) {
  const { prefix, bySuccess } = props.owners;
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
function CustomerNps(props: { accountId: string; nps: LoadedState<{ rows: NpsRow[] }> }) {
  const { nps } = props;
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
