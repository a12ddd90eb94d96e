import { Group, Stack, Text, TextInput } from "@mantine/core";
import type { ApiError } from "../../../api";
import { ErrorNotice, Loading } from "../../../components/common";
import { fieldError } from "../../../use-api";
import { Panel, type Job } from "../shared";

export type ScheduleDraft = { text: string; timeZone: string };

/** The rule's own schedule (a `rule` job) and the chains it also runs in. */
export function SchedulePanel(props: { schedule: ScheduleDraft | null; onChange(s: ScheduleDraft): void; error: ApiError | undefined; chains: Job[] }) {
  const { schedule, error } = props;
  return (
    <Panel title="Schedule" testId="rule-schedule">
      {schedule ? (
        <Stack gap="xs">
          <Group align="flex-start">
            <TextInput
              label="Run on a schedule"
              description="“daily at 00:30”, “weekdays at 07:00”, “weekly on monday at 02:00”, “every 15 minutes” or a cron expression; empty to run by hand only"
              value={schedule.text}
              onChange={(e) => props.onChange({ ...schedule, text: e.currentTarget.value })}
              error={fieldError(error, "schedule", "name")}
              w={520} maw="100%"
            />
            <TextInput label="Time zone" value={schedule.timeZone} onChange={(e) => props.onChange({ ...schedule, timeZone: e.currentTarget.value })} w={200} maw="100%" error={fieldError(error, "timeZone")} />
          </Group>
          {error && !fieldError(error, "schedule", "name", "timeZone") && <ErrorNotice error={error} title="The schedule was not saved" />}
          {props.chains.length > 0 && (
            <Text size="sm" c="dimmed">
              Also runs as a step of {props.chains.map((c) => `“${c.name}” (${c.schedule ?? "by hand"}${c.enabled ? "" : ", paused"})`).join(", ")}.
            </Text>
          )}
        </Stack>
      ) : (
        <Loading />
      )}
    </Panel>
  );
}
