import { ActionIcon, Autocomplete, Button, Checkbox, Group, NativeSelect, NumberInput, Stack, Text, TextInput } from "@mantine/core";
import type { ApiError } from "../../../api";
import { fieldError } from "../../../use-api";
import type { Mapping, ValueSource } from "../rule-model";
import { parseScalar, scalarText } from "../shared";

/** Where a value comes from: a shown field, a constant or the rule date ± days. */
export function ValueSourceInput(props: { label: string; value: ValueSource; show: string[]; onChange(v: ValueSource): void; error?: string }) {
  const v = props.value;
  const kind = "field" in v ? "field" : "constant" in v ? "constant" : "ruleDate";
  return (
    <Group gap={6} align="flex-start" wrap="wrap">
      <NativeSelect
        label={`${props.label} from`}
        data={[
          { value: "field", label: "Source field" },
          { value: "constant", label: "Constant" },
          { value: "ruleDate", label: "Rule date ± days" },
        ]}
        value={kind}
        onChange={(e) => {
          const k = e.currentTarget.value;
          props.onChange(k === "field" ? { field: "" } : k === "constant" ? { constant: "" } : { ruleDate: 0 });
        }}
      />
      {"field" in v && <Autocomplete label={props.label} data={props.show} value={v.field} onChange={(field) => props.onChange({ field })} error={props.error} w={260} maw="100%" />}
      {"constant" in v && <TextInput label={props.label} value={scalarText(v.constant)} onChange={(e) => props.onChange({ constant: parseScalar(e.currentTarget.value) })} error={props.error} w={200} maw="100%" />}
      {"ruleDate" in v && <NumberInput label={`${props.label} (days)`} value={v.ruleDate} onChange={(n) => props.onChange({ ruleDate: Number(n) || 0 })} error={props.error} w={140} maw="100%" />}
    </Group>
  );
}

/** An action's field mappings: target field ← source field, constant or rule date; identifiers for CRM and object writes. */
export function MappingsEditor(props: { mappings: Mapping[]; targets: string[]; show: string[]; error: ApiError | undefined; at: string; identifiers: boolean; onChange(m: Mapping[]): void }) {
  const set = (i: number, m: Mapping) => props.onChange(props.mappings.map((x, j) => (j === i ? m : x)));
  const whole = props.error?.field === `${props.at}.mappings` ? props.error.message : undefined;
  return (
    <Stack gap={6}>
      <Text fw={600} size="sm">
        Field mappings
      </Text>
      {props.mappings.map((m, i) => {
        const at = `${props.at}.mappings[${i}]`;
        const { to, identifier, ...source } = m;
        return (
          <Group key={i} align="flex-start" wrap="wrap" role="group" aria-label={`Mapping ${i + 1}`}>
            <Autocomplete label="Target field" data={props.targets} value={to} onChange={(v) => set(i, { to: v, ...source, ...(identifier ? { identifier } : {}) } as Mapping)} error={fieldError(props.error, `${at}.to`)} w={260} maw="100%" />
            <ValueSourceInput label="Value" value={source as ValueSource} show={props.show} onChange={(v) => set(i, { to, ...v, ...(identifier ? { identifier } : {}) } as Mapping)} error={fieldError(props.error, `${at}.field`, `${at}.constant`, `${at}.ruleDate`)} />
            {props.identifiers && <Checkbox label="Identifier" mt={32} checked={identifier ?? false} onChange={(e) => set(i, { ...m, identifier: e.currentTarget.checked })} />}
            <ActionIcon variant="subtle" color="red" mt={28} aria-label={`Remove mapping ${i + 1}`} onClick={() => props.onChange(props.mappings.filter((_, j) => j !== i))} disabled={props.mappings.length === 1}>
              ✕
            </ActionIcon>
          </Group>
        );
      })}
      {whole && (
        <Text c="red.8" size="sm" role="alert">
          {whole}
        </Text>
      )}
      <Button variant="light" size="xs" w="fit-content" onClick={() => props.onChange([...props.mappings, { to: "", field: "" }])}>
        Add a mapping
      </Button>
    </Stack>
  );
}

