import { Autocomplete, Group, NativeSelect, Stack, Switch, TagsInput, TextInput } from "@mantine/core";
import type { ApiError } from "../../../api";
import { fieldError, useApi } from "../../../use-api";
import type { RuleInput, RuleSource } from "../rule-model";
import { Panel, type CustomObject } from "../shared";
import { useSourceFields } from "./field-suggestions";
import { FiltersEditor } from "./filters-editor";
import { accountFieldOf } from "./model";

/** Where a rule reads from: the source, the fields shown to actions, filters and "customers only". */
export function SourcePanel(props: { draft: RuleInput; onChange(d: RuleInput): void; error: ApiError | undefined }) {
  const { draft, error } = props;
  const fields = useSourceFields(draft.source);
  const objects = useApi<{ objects: CustomObject[] }>(draft.source.kind === "object" ? "/success/objects" : null);
  const setSource = (source: RuleSource) => props.onChange({ ...draft, source });
  const s = draft.source;
  return (
    <Panel title="Source" testId="rule-source">
      <Stack>
        <Group align="flex-start">
          <NativeSelect
            label="Read from"
            data={[
              { value: "crm", label: "CRM object (SOQL)" },
              { value: "customers", label: "Customer Info" },
              { value: "usage", label: "Usage data" },
              { value: "object", label: "Custom object" },
            ]}
            value={s.kind}
            onChange={(e) => {
              const kind = e.currentTarget.value;
              const next: RuleSource = kind === "crm" ? { kind: "crm", object: "Account" } : kind === "customers" ? { kind: "customers" } : kind === "usage" ? { kind: "usage", aggregationLevel: "ACCOUNTLEVEL" } : { kind: "object", object: "" };
              props.onChange({ ...draft, source: next, show: [], filters: [] });
            }}
            error={fieldError(error, "source.kind")}
          />
          {s.kind === "crm" && (
            <>
              <Autocomplete label="CRM object" description="API name, e.g. Account" data={["Account", "Contact", "Opportunity", "Case"]} value={s.object} onChange={(v) => setSource({ ...s, object: v })} required error={fieldError(error, "source.object", "source")} />
              <TextInput label="Customer link field" description={`Empty for ${s.object === "Account" ? "Id" : "AccountId"}`} value={s.accountField ?? ""} onChange={(e) => setSource({ ...s, accountField: e.currentTarget.value })} error={fieldError(error, "source.accountField")} />
            </>
          )}
          {s.kind === "usage" && (
            <NativeSelect
              label="Aggregation level"
              data={[
                { value: "ACCOUNTLEVEL", label: "Account level" },
                { value: "INSTANCELEVEL", label: "Instance level" },
                { value: "USERLEVEL", label: "User level" },
              ]}
              value={s.aggregationLevel ?? "ACCOUNTLEVEL"}
              onChange={(e) => setSource({ kind: "usage", aggregationLevel: e.currentTarget.value as "ACCOUNTLEVEL" })}
            />
          )}
          {s.kind === "object" && (
            <>
              <NativeSelect
                label="Custom object"
                data={[{ value: "", label: "Choose an object" }, ...(objects.data?.objects ?? []).map((o) => ({ value: o.name, label: o.label }))]}
                value={s.object}
                onChange={(e) => setSource({ ...s, object: e.currentTarget.value })}
                error={fieldError(error, "source.object", "source")}
              />
              <TextInput label="Customer link field" description="Empty for accountId" value={s.accountField ?? ""} onChange={(e) => setSource({ ...s, accountField: e.currentTarget.value })} />
            </>
          )}
        </Group>
        <TagsInput
          label="Show fields"
          description={`The source fields actions can map; press Enter after each. ${fields.note ?? ""}`}
          data={fields.fields}
          value={draft.show}
          onChange={(show) => props.onChange({ ...draft, show })}
          error={fieldError(error, "show")}
          splitChars={[",", " "]}
          limit={50}
          clearable
        />
        <FiltersEditor filters={draft.filters} fields={[...new Set([...draft.show, ...fields.fields])]} error={error} onChange={(filters) => props.onChange({ ...draft, filters })} />
        <Switch
          label="Apply to customers only"
          description={`Keep only the rows whose ${accountFieldOf(s)} is a customer in Customer Info`}
          checked={draft.customersOnly}
          onChange={(e) => props.onChange({ ...draft, customersOnly: e.currentTarget.checked })}
        />
      </Stack>
    </Panel>
  );
}

