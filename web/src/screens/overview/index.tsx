import { Card, SimpleGrid, Text, Title, Group, Badge, Stack, Anchor } from "@mantine/core";
import { ErrorNotice, Loading, PageHeader, formatTime } from "../../components/common";
import { Link } from "../../router";
import { useApi } from "../../use-api";
import type { ScreenRoute } from "../types";

type Connection = { status: string; instanceUrl?: string; username?: string };
type Job = { id: string; name: string; kind: string; enabled: boolean; lastRun?: { status: string; finishedAt?: number | null; startedAt?: number } | null; nextRunAt?: number | null };

/** The first screen: the loop's parts at a glance, each a link to its screen. */
function Overview() {
  const accounts = useApi<{ total: number }>("/accounts?limit=1");
  const connection = useApi<Connection>("/sync/connection");
  const jobs = useApi<{ jobs: Job[] }>("/jobs");
  const guides = useApi<{ guides: { status: string }[] }>("/guides");
  const customers = useApi<{ total?: number; customers?: unknown[] }>("/success/customers?limit=1");
  const error = accounts.error ?? connection.error ?? jobs.error ?? guides.error ?? customers.error;
  return (
    <>
      <PageHeader title="Overview" description="Product usage flows to the CRM's Account, success data flows back to segments and guides." />
      <ErrorNotice error={error} />
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }} mb="lg">
        <Stat label="Accounts seen" value={accounts.data?.total} to="/accounts" loading={accounts.loading} />
        <Stat label="Customers" value={customers.data?.total ?? customers.data?.customers?.length} to="/success/customers" loading={customers.loading} />
        <Stat label="Public guides" value={guides.data?.guides.filter((g) => g.status === "public").length} to="/guides" loading={guides.loading} />
        <Card withBorder>
          <Text size="sm" c="dimmed">
            CRM connection
          </Text>
          {connection.loading && !connection.data ? (
            <Loading />
          ) : (
            <Group gap="xs" mt={4}>
              <Badge color={connection.data?.status === "connected" ? "green" : connection.data?.status === "reconnect" ? "orange" : "gray"}>{connection.data?.status ?? "unknown"}</Badge>
              <Link to="/crm">Set up</Link>
            </Group>
          )}
        </Card>
      </SimpleGrid>
      <Title order={2} size="h4" mb="xs">
        Scheduled jobs
      </Title>
      {jobs.loading && !jobs.data ? (
        <Loading />
      ) : (
        <Stack gap="xs">
          {(jobs.data?.jobs ?? []).length === 0 && (
            <Text size="sm" c="dimmed">
              No jobs yet. The loop's chain is created by the demo or on the <Link to="/jobs">Jobs</Link> screen.
            </Text>
          )}
          {(jobs.data?.jobs ?? []).map((j) => (
            <Group key={j.id} gap="sm">
              <Anchor href="/jobs" size="sm">
                {j.name}
              </Anchor>
              <Badge variant="light" color={j.lastRun?.status === "succeeded" ? "green" : j.lastRun?.status === "failed" ? "red" : "gray"}>
                {j.lastRun?.status ?? "never run"}
              </Badge>
              <Text size="xs" c="dimmed">
                next {formatTime(j.nextRunAt ?? null)}
              </Text>
            </Group>
          ))}
        </Stack>
      )}
    </>
  );
}

function Stat(props: { label: string; value: number | undefined; to: string; loading: boolean }) {
  return (
    <Card withBorder>
      <Text size="sm" c="dimmed">
        {props.label}
      </Text>
      <Text size="xl" fw={700} data-testid={`stat-${props.label}`}>
        {props.loading && props.value === undefined ? "…" : (props.value ?? 0).toLocaleString("en-US")}
      </Text>
      <Link to={props.to}>Open</Link>
    </Card>
  );
}

export const overviewRoutes: ScreenRoute[] = [{ path: "/", component: Overview, nav: { label: "Overview", section: "Overview" } }];
