import { ActionIcon, Autocomplete, Button, Checkbox, Group, NativeSelect, NumberInput, Stack, Text, TextInput } from "@mantine/core";
import type { ApiError } from "../../../api";
import { fieldError } from "../../../use-api";
import { OPERATORS, type Filter, type FilterValue, type Operator } from "../rule-model";
import { parseScalar, scalarText } from "../shared";

/** Edits a filter value: a constant, or "rule date ± N days". */
function ValueInput(props: { label: string; value: FilterValue | undefined; onChange(v: FilterValue): void; error?: string }) {
  const relative = props.value !== null && typeof props.value === "object";
  return (
    <Group gap={6} align="flex-start" wrap="wrap">
      {relative ? (
        <NumberInput label={`${props.label} (days from the rule date)`} value={(props.value as { ruleDate: number }).ruleDate} onChange={(v) => props.onChange({ ruleDate: Number(v) || 0 })} w={200} maw="100%" error={props.error} />
      ) : (
        <TextInput label={props.label} value={scalarText(props.value)} onChange={(e) => props.onChange(parseScalar(e.currentTarget.value))} w={200} maw="100%" error={props.error} />
      )}
      <Checkbox label="Rule date" mt={32} checked={relative} onChange={(e) => props.onChange(e.currentTarget.checked ? { ruleDate: 0 } : "")} />
    </Group>
  );
}

/** A rule's filters (all must hold), each a field, a condition and a value or rule date ± days. */
export function FiltersEditor(props: { filters: Filter[]; fields: string[]; error: ApiError | undefined; onChange(f: Filter[]): void }) {
  const set = (i: number, f: Filter) => props.onChange(props.filters.map((x, j) => (j === i ? f : x)));
  return (
    <Stack gap="xs">
      <Text fw={600} size="sm">
        Filters {props.filters.length > 0 && <Text span c="dimmed" size="xs">(all must hold)</Text>}
      </Text>
      {props.filters.map((f, i) => {
        const noValue = f.operator === "exists" || f.operator === "notExists";
        const e = fieldError(props.error, `filters[${i}]`);
        return (
          <Group key={i} align="flex-start" role="group" aria-label={`Filter ${i + 1}`} wrap="wrap">
            <Autocomplete label="Field" data={props.fields} value={f.field} onChange={(field) => set(i, { ...f, field })} error={e} w={240} maw="100%" />
            <NativeSelect
              label="Condition"
              data={OPERATORS.map((o) => ({ value: o.value, label: o.label }))}
              value={f.operator}
              onChange={(ev) => {
                const operator = ev.currentTarget.value as Operator;
                const next: Filter = { field: f.field, operator };
                if (operator !== "exists" && operator !== "notExists") next.value = f.value ?? "";
                if (operator === "between") next.to = f.to ?? "";
                set(i, next);
              }}
            />
            {!noValue && <ValueInput label="Value" value={f.value} onChange={(value) => set(i, { ...f, value })} />}
            {f.operator === "between" && <ValueInput label="And" value={f.to} onChange={(to) => set(i, { ...f, to })} />}
            <ActionIcon variant="subtle" color="red" mt={28} aria-label={`Remove filter ${i + 1}`} onClick={() => props.onChange(props.filters.filter((_, j) => j !== i))}>
              ✕
            </ActionIcon>
          </Group>
        );
      })}
      <Button variant="light" size="xs" w="fit-content" onClick={() => props.onChange([...props.filters, { field: "", operator: "equals", value: "" }])}>
        Add a filter
      </Button>
    </Stack>
  );
}

