import { Autocomplete, Button, Group, NativeSelect, NumberInput, Paper, Stack, Text, TextInput } from "@mantine/core";
import { useState, type ReactNode } from "react";
import type { ApiError } from "../../../api";
import { fieldError, useApi } from "../../../use-api";
import { ACTION_TYPES, actionLabel, type ActionType, type RuleAction } from "../rule-model";
import { OwnerPicker } from "../pickers";
import { PRIORITIES, type CustomObject, type Scorecard } from "../shared";
import { useTargets } from "./field-suggestions";
import { MappingsEditor, ValueSourceInput } from "./mappings-editor";

/** The type picker and button that add an action. */
export function AddAction(props: { onAdd(t: ActionType): void }) {
  const [type, setType] = useState<ActionType>("loadToUsage");
  return (
    <Group align="flex-end">
      <NativeSelect label="New action" data={ACTION_TYPES} value={type} onChange={(e) => setType(e.currentTarget.value as ActionType)} />
      <Button variant="light" onClick={() => props.onAdd(type)}>
        Add action
      </Button>
    </Group>
  );
}

/** One action of the rule: its settings by type and, for load actions, its field mappings. */
export function ActionEditor(props: { index: number; action: RuleAction; show: string[]; account: string; error: ApiError | undefined; onChange(a: RuleAction): void; onRemove(): void }) {
  const { action: a, index: i } = props;
  const at = `actions[${i}]`;
  const fe = (k: string) => fieldError(props.error, `${at}.${k}`);
  const targets = useTargets(a);
  const objects = useApi<{ objects: CustomObject[] }>(a.type === "loadToObject" ? "/success/objects" : null);
  const card = useApi<Scorecard>(a.type === "setScore" ? "/success/scorecard" : null);
  let body: ReactNode = null;
  const operation = (ops: string[], value: string, set: (v: string) => void) => <NativeSelect label="Operation" data={ops.map((o) => ({ value: o, label: o }))} value={value} onChange={(e) => set(e.currentTarget.value)} error={fe("operation")} />;
  const accountField = (value: string | undefined, set: (v: string) => void) => (
    <Autocomplete label="Customer field" description={`Empty for ${props.account}`} data={props.show} value={value ?? ""} onChange={set} error={fe("accountField")} />
  );
  switch (a.type) {
    case "loadToCrm":
      body = (
        <Group align="flex-start">
          <Autocomplete label="CRM object" data={["Account", "Contact", "Opportunity"]} value={a.object} onChange={(object) => props.onChange({ ...a, object })} error={fe("object")} required />
          {operation(["update", "upsert", "insert"], a.operation, (v) => props.onChange({ ...a, operation: v as "update" }))}
        </Group>
      );
      break;
    case "loadToObject":
      body = (
        <Group align="flex-start">
          <NativeSelect label="Custom object" data={[{ value: "", label: "Choose an object" }, ...(objects.data?.objects ?? []).map((o) => ({ value: o.name, label: o.label }))]} value={a.object} onChange={(e) => props.onChange({ ...a, object: e.currentTarget.value })} error={fe("object")} />
          {operation(["insert", "update", "upsert"], a.operation, (v) => props.onChange({ ...a, operation: v as "insert" }))}
        </Group>
      );
      break;
    case "loadToCustomers":
      body = operation(["update", "upsert"], a.operation, (v) => props.onChange({ ...a, operation: v as "update" }));
      break;
    case "setScore":
      body = (
        <Group align="flex-start">
          <NativeSelect label="Scorecard measure" data={[{ value: "", label: "Choose a measure" }, ...(card.data?.measures ?? []).map((m) => ({ value: m.name, label: m.label }))]} value={a.measure} onChange={(e) => props.onChange({ ...a, measure: e.currentTarget.value })} error={fe("measure")} />
          <ValueSourceInput label="Score" value={a.score} show={props.show} onChange={(score) => props.onChange({ ...a, score })} error={fe("score")} />
          {accountField(a.accountField, (v) => props.onChange({ ...a, accountField: v }))}
          <TextInput label="Comment" value={a.comment ?? ""} onChange={(e) => props.onChange({ ...a, comment: e.currentTarget.value })} error={fe("comment")} />
        </Group>
      );
      break;
    case "createCta":
      body = (
        <Group align="flex-start">
          <TextInput label="CTA type" required value={a.ctaType} onChange={(e) => props.onChange({ ...a, ctaType: e.currentTarget.value })} error={fe("ctaType")} w={140} />
          <TextInput label="Reason" required value={a.reason} onChange={(e) => props.onChange({ ...a, reason: e.currentTarget.value })} error={fe("reason")} />
          <NativeSelect label="Priority" data={[...PRIORITIES]} value={a.priority} onChange={(e) => props.onChange({ ...a, priority: e.currentTarget.value as (typeof PRIORITIES)[number] })} error={fe("priority")} />
          <NumberInput label="Due in days" min={0} max={3650} value={a.dueInDays} onChange={(v) => props.onChange({ ...a, dueInDays: Number(v) || 0 })} error={fe("dueInDays")} w={120} />
          <OwnerPicker label="Owner" value={a.owner ?? ""} onChange={(owner) => props.onChange({ ...a, owner: owner || undefined })} error={fe("owner")} />
          {accountField(a.accountField, (v) => props.onChange({ ...a, accountField: v }))}
          <TextInput label="Comment" value={a.comment ?? ""} onChange={(e) => props.onChange({ ...a, comment: e.currentTarget.value })} error={fe("comment")} />
        </Group>
      );
      break;
    case "closeCta":
      body = (
        <Group align="flex-start">
          <TextInput label="CTA type" required value={a.ctaType} onChange={(e) => props.onChange({ ...a, ctaType: e.currentTarget.value })} error={fe("ctaType")} w={140} />
          <TextInput label="Reason" required value={a.reason} onChange={(e) => props.onChange({ ...a, reason: e.currentTarget.value })} error={fe("reason")} />
          <NativeSelect label="Close as" data={["Closed Success", "Closed Lost"]} value={a.status ?? "Closed Success"} onChange={(e) => props.onChange({ ...a, status: e.currentTarget.value as "Closed Success" })} />
          {accountField(a.accountField, (v) => props.onChange({ ...a, accountField: v }))}
          <TextInput label="Comment" value={a.comment ?? ""} onChange={(e) => props.onChange({ ...a, comment: e.currentTarget.value })} error={fe("comment")} />
        </Group>
      );
      break;
    case "loadToUsage":
      break;
  }
  return (
    <Paper withBorder p="sm" radius="sm" role="group" aria-label={`Action ${i + 1}: ${actionLabel(a.type)}`}>
      <Group justify="space-between" mb="xs">
        <Text fw={600}>
          {i + 1}. {actionLabel(a.type)}
        </Text>
        <Button size="compact-xs" variant="subtle" color="red" onClick={props.onRemove} aria-label={`Remove action ${i + 1}`}>
          Remove
        </Button>
      </Group>
      <Stack gap="xs">
        {body}
        {"mappings" in a && (
          <MappingsEditor
            mappings={a.mappings}
            targets={targets}
            show={props.show}
            error={props.error}
            at={at}
            identifiers={a.type === "loadToCrm" || a.type === "loadToObject"}
            onChange={(mappings) => props.onChange({ ...a, mappings } as RuleAction)}
          />
        )}
      </Stack>
    </Paper>
  );
}

