import { Code, Stack, Text } from "@mantine/core";
import { useMemo } from "react";
import { DataTable, formatCell } from "../../../components/common";
import { formatDay } from "../../../components/dates";
import { actionLabel, type RulePreview } from "../rule-model";
import { Panel } from "../shared";
import { flatten } from "./model";

/** A preview: the rows the source gives, what each action would write, and the rows that would fail. */
export function PreviewView(props: { preview: RulePreview; show: string[] }) {
  const p = props.preview;
  const columns = useMemo(() => {
    const keys = [...new Set([...props.show, ...p.rows.flatMap((r) => Object.keys(r))])].filter((k) => k !== "attributes");
    return keys.map((k) => ({ key: k, label: k, render: (row: Record<string, unknown>) => formatCell(row[k]) }));
  }, [p.rows, props.show]);
  return (
    <Panel title={`Preview for ${formatDay(p.ruleDate)}`} testId="rule-preview">
      <Text size="sm" mb="xs" aria-live="polite" data-testid="preview-summary">
        The source gives {p.rowsRead.toLocaleString("en-US")} rows; the first {p.rows.length} are shown. This is the rule as it stands in the builder: nothing was written and the rule was not saved.
      </Text>
      {p.soql && (
        <Code block mb="sm">
          {p.soql}
        </Code>
      )}
      <Text fw={600} size="sm">
        Rows read
      </Text>
      <DataTable rows={p.rows} rowKey={(r) => JSON.stringify(r)} columns={columns} empty="No rows match the source and filters." testId="preview-rows" />
      {p.actions.map((a) => (
        <Stack key={a.action} gap={4} mt="md">
          <Text fw={600} size="sm">
            Action {a.action}: {actionLabel(a.type)} → {a.target}, what it would write{a.failed > 0 ? ` (${a.failed} rows would fail)` : ""}
          </Text>
          <DataTable
            rows={(a.wouldWrite ?? []).map(flatten)}
            rowKey={(r) => JSON.stringify(r)}
            columns={[...new Set((a.wouldWrite ?? []).map(flatten).flatMap((r) => Object.keys(r)))].map((k) => ({ key: k, label: k, render: (row: Record<string, unknown>) => formatCell(row[k]) }))}
            empty="Nothing to write for these rows."
            testId={`preview-action-${a.action}`}
          />
        </Stack>
      ))}
      {p.errors.length > 0 && (
        <Stack gap={4} mt="md">
          <Text fw={600} size="sm" c="red.8">
            Rows that would fail
          </Text>
          <DataTable
            rows={p.errors}
            rowKey={(e) => `${e.row}-${e.action}-${e.code}-${e.field ?? ""}`}
            columns={[
              { key: "row", label: "Row" },
              { key: "key", label: "Record" },
              { key: "action", label: "Action" },
              { key: "field", label: "Field" },
              { key: "message", label: "Message" },
            ]}
          />
        </Stack>
      )}
    </Panel>
  );
}

