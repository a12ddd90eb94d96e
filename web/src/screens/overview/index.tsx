import { Button, Card, Grid, Group, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { useMemo } from "react";
import type { ConnectionView } from "../../../../src/sync/index.js";
import type { HealthSummary } from "../../../../src/success/index.js";
import { ErrorNotice, Loaded, Loading, PageHeader } from "../../components/common";
import { relativeTime } from "../../components/dates";
import { StatusBadge } from "../../components/status-badge";
import { Link, linkClick } from "../../router";
import { useApi } from "../../use-api";
import { ReportChart } from "../analytics/data/report-chart";
import type { Report } from "../analytics/data/report-model";
import type { Job } from "../jobs/schedule";
import type { ScreenRoute } from "../types";
import { HealthPanel } from "./health-panel";
import { loopChains } from "./loop";
import { LoopPanel } from "./loop-panel";

/**
 * The first screen, and the one a success team comes back to: the loop stage by stage, the health
 * of the customers and who moved, the CRM connection, the counts, and the reports pinned here.
 */
function Overview() {
  const jobs = useApi<{ jobs: Job[] }>("/jobs");
  const health = useApi<HealthSummary>("/success/health?days=90&movedDays=7&limit=8");
  const connection = useApi<ConnectionView>("/sync/connection");
  const accounts = useApi<{ total: number }>("/accounts?limit=1");
  const customers = useApi<{ total: number }>("/success/customers?limit=1");
  const openCtas = useApi<{ total: number }>("/success/ctas?status=open&limit=1");
  const reports = useApi<{ reports: Report[] }>("/reports");
  const byId = useMemo(() => new Map((jobs.data?.jobs ?? []).map((j) => [j.id, j])), [jobs.data]);
  const chains = loopChains(jobs.data?.jobs ?? []);
  const pinned = (reports.data?.reports ?? []).filter((r) => r.pinned);
  return (
    <>
      <PageHeader title="Overview" description="Product usage flows to the CRM's Account, customer success works on it, and its health flows back to segments and guides." />
      <SimpleGrid cols={{ base: 2, md: 4 }} mb="md" spacing="sm">
        <Stat label="Accounts seen" value={accounts.data?.total} to="/accounts" failed={accounts.error !== undefined} />
        <Stat label="Customers" value={customers.data?.total} to="/success/customers" failed={customers.error !== undefined} />
        <Stat label="Open CTAs" value={openCtas.data?.total} to="/success/ctas" failed={openCtas.error !== undefined} />
        <ConnectionCard state={connection.data} failed={connection.error !== undefined} />
      </SimpleGrid>
      <ErrorNotice error={accounts.error ?? customers.error ?? openCtas.error ?? connection.error} title="Part of the overview could not be loaded" onRetry={() => [accounts, customers, openCtas, connection].forEach((x) => x.reload())} />
      <Loaded state={jobs} label="Loading the loop…" errorTitle="The loop could not be loaded">
        {() =>
          chains.length === 0 ? (
            <Card withBorder mb="md">
              <Text size="sm">
                No chain yet: the loop runs as a chain of jobs (pull → push → rule 1 → rule 2 → pull). Create it on the <Link to="/jobs">Jobs</Link> screen, or start Pendulum with --demo to see one.
              </Text>
            </Card>
          ) : (
            chains.filter((c, i) => c.enabled || i === 0).map((c) => <LoopPanel key={c.id} chain={c} byId={byId} />)
          )
        }
      </Loaded>
      <Loaded state={health} label="Loading customer health…" errorTitle="Customer health could not be loaded">
        {(h) =>
          h.customers === 0 ? (
            <Card withBorder mb="md">
              <Text size="sm">
                No customers yet. Add them on the <Link to="/success/customers">Customers</Link> screen or let a rule load them; their health shows here.
              </Text>
            </Card>
          ) : (
            <HealthPanel health={h} />
          )
        }
      </Loaded>
      <Loaded state={reports} label="Loading pinned reports…" errorTitle="The pinned reports could not be loaded">
        {() => <PinnedReports reports={pinned} />}
      </Loaded>
    </>
  );
}

function Stat(props: { label: string; value: number | undefined; to: string; failed: boolean }) {
  return (
    <Card withBorder padding="sm">
      <Text size="sm" c="dimmed">
        {props.label}
      </Text>
      <Text size="xl" fw={700} data-testid={`stat-${props.label}`}>
        {props.value !== undefined ? props.value.toLocaleString("en-US") : props.failed ? "—" : "…"}
      </Text>
      <Link to={props.to} size="sm">
        Open
      </Link>
    </Card>
  );
}

/** The CRM connection: who Pendulum acts as, its API budget, and the way back when it needs reconnecting. */
function ConnectionCard(props: { state: ConnectionView | undefined; failed: boolean }) {
  const c = props.state;
  return (
    <Card withBorder padding="sm" data-testid="connection-card">
      <Text size="sm" c="dimmed">
        CRM connection
      </Text>
      {!c ? (
        props.failed ? <Text fw={700}>—</Text> : <Loading />
      ) : (
        <Stack gap={4} mt={4}>
          <StatusBadge kind="connection" status={c.status} />
          {c.status !== "disconnected" && (
            <Text size="xs" c="dimmed" lineClamp={2}>
              {c.org?.displayName ?? c.username ?? c.loginUrl}
              {c.apiUsage ? ` · API ${c.apiUsage.used.toLocaleString("en-US")} of ${c.apiUsage.limit.toLocaleString("en-US")} today` : ""}
            </Text>
          )}
          {c.status === "reconnect" || c.status === "disconnected" ? (
            <Button component="a" href="/crm" onClick={linkClick("/crm")} size="compact-sm" color={c.status === "reconnect" ? "red.9" : undefined} w="fit-content">
              {c.status === "reconnect" ? "Reconnect" : "Connect"}
            </Button>
          ) : (
            <Link to="/crm" size="sm">
              {c.status === "connected" ? "Connection" : "Finish signing in"}
            </Link>
          )}
        </Stack>
      )}
    </Card>
  );
}

function PinnedReports(props: { reports: Report[] }) {
  return (
    <section aria-label="Pinned reports">
      <Group justify="space-between" mb="xs">
        <Title order={2} size="h4">
          Pinned reports
        </Title>
        <Link to="/reports">All reports</Link>
      </Group>
      {props.reports.length === 0 ? (
        <Text size="sm" c="dimmed">
          Pin an account report here from its page to watch its main column.
        </Text>
      ) : (
        <Grid>
          {props.reports.map((r) => (
            <Grid.Col key={r.id} span={{ base: 12, md: 6 }}>
              <Card withBorder data-testid={`pinned-${r.name}`}>
                <Group justify="space-between" mb={4} wrap="nowrap">
                  <Link to={`/reports/${encodeURIComponent(r.id)}`} fw={600}>
                    {r.name}
                  </Link>
                  <Text size="xs" c="dimmed">
                    updated {relativeTime(r.updatedAt)}
                  </Text>
                </Group>
                <ReportChart report={r} top={10} height={240} />
              </Card>
            </Grid.Col>
          ))}
        </Grid>
      )}
    </section>
  );
}

export const overviewRoutes: ScreenRoute[] = [{ path: "/", component: Overview, nav: { label: "Overview", section: "Overview" } }];

