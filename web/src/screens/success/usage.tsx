import { TitleWithMark, useUnsavedChanges, useUnsavedMark } from "../../components/unsaved";
import { Button, Group, Modal, NativeSelect, Stack, Text, TextInput } from "@mantine/core";
import { useEffect, useState, type FormEvent } from "react";
import { api } from "../../api";
import { useCanEdit } from "../../auth";
import { DataTable, ErrorNotice, Loading, PageHeader, Loaded } from "../../components/common";
import { fieldError, useApi, useMutation } from "../../use-api";
import { Panel, type UsageConfig, type UsageMeasure } from "./shared";
import { UsagePeriods } from "./usage-periods";

const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const TYPES = [
  { value: "integer", label: "Whole number" },
  { value: "number", label: "Number" },
  { value: "date", label: "Date" },
  { value: "string", label: "Text" },
];
const AGGREGATIONS = [
  { value: "sum", label: "Sum" },
  { value: "avg", label: "Average" },
  { value: "max", label: "Maximum" },
  { value: "min", label: "Minimum" },
  { value: "latest", label: "Latest" },
];

/** Usage data: how it is kept (level and period) and its measures. */
export function UsageScreen() {
  const config = useApi<UsageConfig>("/success/usage/config");
  const measures = useApi<{ measures: UsageMeasure[] }>("/success/usage/measures");
  const canEdit = useCanEdit();
  const [editing, setEditing] = useState<UsageMeasure | "new" | null>(null);
  const remove = useMutation((name: string) => api(`/success/usage/measures/${encodeURIComponent(name)}`, { method: "DELETE" }));
  return (
    <>
      <PageHeader title="Usage data" description="The time series rules load product usage into, one row per account and period, and the measures each row holds." />
      <UsagePeriods />
      <Panel title="Configuration">{config.data ? <ConfigForm config={config.data} onSaved={config.reload} /> : config.error ? <ErrorNotice error={config.error} onRetry={config.reload} /> : <Loading />}</Panel>
      <Panel
        title="Measures"
        actions={
          canEdit && (
            <Button size="xs" onClick={() => setEditing("new")}>
              New measure
            </Button>
          )
        }
      >
        <ErrorNotice error={remove.error} />
        <Loaded state={measures}>{() => (
          <DataTable
            testId="measures-table"
            rows={measures.data?.measures ?? []}
            rowKey={(m) => m.name}
            empty="No measures yet. Add one per value a rule loads (visitors, time on site, last visit…)."
            columns={[
              { key: "label", label: "Label" },
              { key: "name", label: "Name" },
              { key: "type", label: "Type", render: (m) => TYPES.find((t) => t.value === m.type)?.label ?? m.type },
              { key: "aggregation", label: "Rolls up by", render: (m) => AGGREGATIONS.find((a) => a.value === m.aggregation)?.label ?? m.aggregation },
              {
                key: "actions",
                label: "Actions",
                render: (m) =>
                  canEdit && (
                    <Group gap={4}>
                      <Button size="compact-xs" variant="subtle" aria-label={`Edit measure ${m.label}`} onClick={() => setEditing(m)}>
                        Edit
                      </Button>
                      <Button
                        size="compact-xs"
                        variant="subtle"
                        color="red"
                        aria-label={`Delete measure ${m.label}`}
                        onClick={() => {
                          if (window.confirm(`Delete the measure ${m.label}? Its stored values stay in old rows.`)) void remove.run(m.name).then((r) => r !== undefined && measures.reload());
                        }}
                      >
                        Delete
                      </Button>
                    </Group>
                  ),
              },
            ]}
          />
        )}</Loaded>
      </Panel>
      {editing && <MeasureForm key={editing === "new" ? "new" : editing.name} measure={editing} onClose={() => setEditing(null)} onSaved={measures.reload} />}
    </>
  );
}

function ConfigForm(props: { config: UsageConfig; onSaved(): void }) {
  const canEdit = useCanEdit();
  const [form, setForm] = useState(props.config);
  const [saved, setSaved] = useState(false);
  useEffect(() => setForm(props.config), [props.config]);
  const unsaved = useUnsavedMark(JSON.stringify(form) !== JSON.stringify(props.config), "The usage configuration");
  const save = useMutation((body: UsageConfig) => api<UsageConfig>("/success/usage/config", { method: "PUT", body }));
  async function submit(e: FormEvent) {
    e.preventDefault();
    setSaved(false);
    if (await save.run(form)) {
      setSaved(true);
      props.onSaved();
    }
  }
  return (
    <form onSubmit={submit}>
      {save.error && !save.error.field && <ErrorNotice error={save.error} />}
      <Group align="flex-start">
        <NativeSelect
          label="Level of data"
          description="What one usage row describes"
          data={[
            { value: "account", label: "Account" },
            { value: "instance", label: "Instance" },
            { value: "user", label: "User" },
          ]}
          value={form.dataGranularity}
          onChange={(e) => setForm({ ...form, dataGranularity: e.currentTarget.value as UsageConfig["dataGranularity"] })}
          error={fieldError(save.error, "dataGranularity")}
          disabled={!canEdit}
        />
        <NativeSelect
          label="Period"
          description="Rows are kept per week or per month"
          data={[
            { value: "week", label: "Week" },
            { value: "month", label: "Month" },
          ]}
          value={form.timeGranularity}
          onChange={(e) => setForm({ ...form, timeGranularity: e.currentTarget.value as UsageConfig["timeGranularity"] })}
          error={fieldError(save.error, "timeGranularity")}
          disabled={!canEdit}
        />
        <NativeSelect
          label="Week starts on"
          description="Used when the period is a week"
          data={DAYS.map((d, i) => ({ value: String(i), label: d }))}
          value={String(form.weekStartDay)}
          onChange={(e) => setForm({ ...form, weekStartDay: Number(e.currentTarget.value) })}
          error={fieldError(save.error, "weekStartDay")}
          disabled={!canEdit || form.timeGranularity !== "week"}
        />
        {canEdit && (
          <Button type="submit" mt={42} loading={save.busy}>
            Save configuration
          </Button>
        )}
        {unsaved.mark && <div style={{ marginTop: 46 }}>{unsaved.mark}</div>}
        {saved && (
          <Text size="sm" c="#1e6b2e" mt={48} aria-live="polite">
            Saved.
          </Text>
        )}
      </Group>
    </form>
  );
}

function MeasureForm(props: { measure: UsageMeasure | "new"; onClose(): void; onSaved(): void }) {
  const isNew = props.measure === "new";
  const [form, setForm] = useState<UsageMeasure>(props.measure === "new" ? { name: "", label: "", type: "number", aggregation: "sum" } : props.measure);
  const save = useMutation((m: UsageMeasure) =>
    isNew ? api("/success/usage/measures", { body: m }) : api(`/success/usage/measures/${encodeURIComponent(m.name)}`, { method: "PATCH", body: { label: m.label, type: m.type, aggregation: m.aggregation } }),
  );
  const unsaved = useUnsavedChanges(form, "This measure");
  const close = () => {
    save.clear();
    props.onClose();
  };
  // Cancel, the close button and Escape ask first when the form has changes; a save closes at once.
  const cancel = () => unsaved.mayClose() && close();
  async function submit(e: FormEvent) {
    e.preventDefault();
    if ((await save.run(form)) !== undefined) {
      unsaved.markSaved();
      props.onSaved();
      close();
    }
  }
  return (
    <Modal opened onClose={cancel} title={<TitleWithMark title={isNew ? "New usage measure" : "Edit usage measure"} unsaved={unsaved} />}>
      <form onSubmit={submit}>
        <Stack>
          {save.error && !save.error.field && <ErrorNotice error={save.error} />}
          <TextInput label="Name" description="Letters, digits and _; rules map to this name" required value={form.name} disabled={!isNew} onChange={(e) => setForm({ ...form, name: e.currentTarget.value })} error={fieldError(save.error, "name")} />
          <TextInput label="Label" required value={form.label} onChange={(e) => setForm({ ...form, label: e.currentTarget.value })} error={fieldError(save.error, "label")} />
          <NativeSelect label="Type" data={TYPES} value={form.type} onChange={(e) => setForm({ ...form, type: e.currentTarget.value as UsageMeasure["type"] })} error={fieldError(save.error, "type")} />
          <NativeSelect
            label="Roll up by"
            description="How user- or instance-level rows add up to the account"
            data={AGGREGATIONS}
            value={form.aggregation}
            onChange={(e) => setForm({ ...form, aggregation: e.currentTarget.value as UsageMeasure["aggregation"] })}
            error={fieldError(save.error, "aggregation")}
          />
          <Button type="submit" loading={save.busy}>
            {isNew ? "Create measure" : "Save measure"}
          </Button>
        </Stack>
      </form>
    </Modal>
  );
}
