import { Button, Card, Group, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { StatusBadge } from "../../components/status-badge";
import { formatTime, relativeTime } from "../../components/dates";
import { Link, linkClick } from "../../router";
import { scheduleWords, type Job } from "../jobs/schedule";
import { chainStages, type Stage } from "./loop";

/** A chain as the loop it is: each stage's last run, result, records written and notices, then the next run. */
export function LoopPanel(props: { chain: Job; byId: Map<string, Job> }) {
  const c = props.chain;
  const stages = chainStages(c, props.byId);
  const push = stages.find((s) => s.job.kind === "sync" && s.job.params["push"] === true && s.run?.status === "success");
  return (
    <Card withBorder component="section" aria-label={`The loop: ${c.name}`} data-testid="loop-panel" mb="md">
      <Group justify="space-between" align="flex-start" mb="xs" gap="xs">
        <Stack gap={2} style={{ minWidth: 0 }}>
          <Group gap="sm">
            <Title order={2} size="h4">
              {c.name}
            </Title>
            <StatusBadge status={c.lastRun?.status ?? null} />
            {!c.enabled && <StatusBadge kind="plain" status="Paused" />}
          </Group>
          <Text size="sm" c="dimmed">
            {scheduleWords(c.schedule, c.timeZone)}
            {c.lastRun ? ` · last run ${formatTime(c.lastRun.startedAt)} (${relativeTime(c.lastRun.startedAt)})` : " · never run"}
            {c.enabled && c.nextRunAt ? ` · next run ${formatTime(c.nextRunAt)} (${relativeTime(c.nextRunAt)})` : ""}
          </Text>
          {push?.run && (
            <Text size="sm" data-testid="freshness">
              CRM fields from events up to {formatTime(push.run.startedAt)}, {relativeTime(push.run.startedAt).replace(" ago", " old")}.
            </Text>
          )}
        </Stack>
        <Button component="a" href="/jobs" variant="default" size="xs" onClick={linkClick("/jobs")}>
          Open jobs
        </Button>
      </Group>
      <SimpleGrid cols={{ base: 2, md: Math.min(5, Math.max(1, stages.length)) }} spacing="xs" component="ol" style={{ listStyle: "none", padding: 0, margin: 0 }}>
        {stages.map((s, i) => (
          <li key={`${s.job.id}-${i}`}>
            <StageCard stage={s} index={i} last={i === stages.length - 1} />
          </li>
        ))}
      </SimpleGrid>
    </Card>
  );
}

function StageCard(props: { stage: Stage; index: number; last: boolean }) {
  const { job, run, written, read, notices, link } = props.stage;
  return (
    <Card withBorder padding="xs" radius="md" h="100%" data-testid={`loop-stage-${props.index + 1}`}>
      <Text size="xs" c="dimmed" fw={600}>
        {props.index + 1}. {job.kind === "sync" ? (job.params["push"] === true ? "Push" : "Pull") : job.kind === "rule" ? "Rule" : job.kind}
        {props.last ? "" : " →"}
      </Text>
      <Text size="sm" fw={600} lineClamp={2} title={job.name}>
        {job.name.replace(/^Loop \d+: /, "")}
      </Text>
      <Group gap={6} mt={4}>
        <StatusBadge status={run?.status ?? null} />
      </Group>
      {run && (
        <Text size="xs" mt={4}>
          {run.finishedAt ? relativeTime(run.finishedAt) : `started ${relativeTime(run.startedAt)}`}
          {written !== null ? ` · ${written.toLocaleString("en-US")} written` : ""}
          {read !== null ? ` of ${read.toLocaleString("en-US")} read` : ""}
        </Text>
      )}
      {notices.map((n) => (
        <Text key={n} size="xs" c="red.9" mt={2} lineClamp={3}>
          {n}
        </Text>
      ))}
      {link && (
        <Text size="xs" mt={4}>
          <Link to={link}>See the run</Link>
        </Text>
      )}
    </Card>
  );
}
