import { Alert, Group, Text } from "@mantine/core";
import { Link } from "../../../router";
import type { RuleRun } from "../rule-model";
import { StatusBadge } from "../../../components/status-badge";

/** What a run just did, with a link to the stored run. */
export function RunResult(props: { run: RuleRun; ruleId: string }) {
  const r = props.run;
  return (
    <Alert color={r.status === "success" ? "green" : r.status === "partial" ? "yellow" : "red"} title="Run finished" mb="md" data-testid="run-result">
      <Group gap="sm">
        <StatusBadge status={r.status} />
        <Text size="sm">
          Read {r.rowsRead.toLocaleString("en-US")} rows, wrote {r.rowsWritten.toLocaleString("en-US")} records, {r.errorCount.toLocaleString("en-US")} row errors. {r.message ?? ""}
        </Text>
        <Link to={`/success/rules/${encodeURIComponent(props.ruleId)}/runs/${encodeURIComponent(r.id)}`}>See the run</Link>
      </Group>
    </Alert>
  );
}

