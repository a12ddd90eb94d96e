import { TitleWithMark, useUnsavedChanges } from "../../components/unsaved";
import { ActionIcon, Button, ColorSwatch, Group, Modal, NativeSelect, NumberInput, Progress, SimpleGrid, Stack, Text, TextInput } from "@mantine/core";
import type { HealthSummary } from "../../../../src/success/index.js";
import { useState, type FormEvent } from "react";
import { api } from "../../api";
import { useCanEdit } from "../../auth";
import { DataTable, ErrorNotice, Loaded, Loading, PageHeader } from "../../components/common";
import { HealthMovers, HealthSplit, HealthTrend } from "../overview/health-panel";
import { fieldError, useApi, useMutation } from "../../use-api";
import { Panel, type Scheme, type Scorecard, type ScorecardGroup, type ScorecardMeasure } from "./shared";

/** How the scorecard scores the customers: how many are in each range now, day by day, and who moved. */
function HealthAcross() {
  const health = useApi<HealthSummary>("/success/health?days=90&movedDays=7&limit=10");
  return (
    <Panel title="Customers by health" testId="scorecard-distribution">
      <Loaded state={health} label="Loading customer health…">
        {(h) => (
          <Stack>
            <HealthSplit health={h} />
            <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg">
              <Stack gap={4}>
                <Text size="sm" fw={600}>
                  Over the last {h.trend.length} days
                </Text>
                <HealthTrend health={h} />
              </Stack>
              <Stack gap={4}>
                <Text size="sm" fw={600}>
                  Moved in the last {h.movedDays} days
                </Text>
                <HealthMovers health={h} limit={10} />
              </Stack>
            </SimpleGrid>
          </Stack>
        )}
      </Loaded>
    </Panel>
  );
}

/** Normalised weights come as percentages (0–100). */
const pct = (n: number) => `${Math.round(n * 10) / 10}%`;

/** The health scorecard: the scoring scheme, groups and measures with their weights. */
export function ScorecardsScreen() {
  const card = useApi<Scorecard>("/success/scorecard");
  const canEdit = useCanEdit();
  const [group, setGroup] = useState<ScorecardGroup | "new" | null>(null);
  const [measure, setMeasure] = useState<ScorecardMeasure | "new" | null>(null);
  const removeGroup = useMutation((id: string) => api(`/success/scorecard/groups/${encodeURIComponent(id)}`, { method: "DELETE" }));
  const removeMeasure = useMutation((id: string) => api(`/success/scorecard/measures/${encodeURIComponent(id)}`, { method: "DELETE" }));
  const c = card.data;
  return (
    <>
      <PageHeader title="Scorecards" description="How a customer's overall health is computed: measures scored 0–100, weighted within groups, groups weighted into the overall score, shown by the scheme's ranges." />
      <HealthAcross />
      <ErrorNotice error={card.error ?? removeGroup.error ?? removeMeasure.error} onRetry={card.error ? card.reload : undefined} />
      {!c ? (
        <Loading />
      ) : (
        <>
          <Panel title="Scoring scheme">
            <SchemeForm scheme={c.scheme} onSaved={card.reload} />
          </Panel>
          <Panel title="Groups" actions={canEdit && <Button size="xs" onClick={() => setGroup("new")}>New group</Button>}>
            <DataTable
              testId="groups-table"
              rows={c.groups}
              rowKey={(g) => g.id}
              empty="No groups: measures then weigh directly into the overall score."
              columns={[
                { key: "name", label: "Group" },
                { key: "weight", label: "Weight", align: "right" },
                { key: "normalisedWeight", label: "Share of overall", render: (g) => <Share value={g.normalisedWeight} label={`${g.name} share of overall`} /> },
                {
                  key: "actions",
                  label: "Actions",
                  render: (g) =>
                    canEdit && (
                      <Group gap={4}>
                        <Button size="compact-xs" variant="subtle" aria-label={`Edit group ${g.name}`} onClick={() => setGroup(g)}>
                          Edit
                        </Button>
                        <Button size="compact-xs" variant="subtle" color="red" aria-label={`Delete group ${g.name}`} onClick={() => window.confirm(`Delete the group ${g.name}? Its measures stay, without a group.`) && void removeGroup.run(g.id).then((r) => r !== undefined && card.reload())}>
                          Delete
                        </Button>
                      </Group>
                    ),
                },
              ]}
            />
          </Panel>
          <Panel title="Measures" actions={canEdit && <Button size="xs" onClick={() => setMeasure("new")}>New measure</Button>}>
            <DataTable
              testId="scorecard-measures-table"
              rows={c.measures}
              rowKey={(m) => m.id}
              empty="No measures yet."
              columns={[
                { key: "label", label: "Measure" },
                { key: "name", label: "Name" },
                { key: "group", label: "Group" },
                { key: "weight", label: "Weight", align: "right" },
                { key: "normalisedWeight", label: "Share of its group", render: (m) => <Share value={m.normalisedWeight} label={`${m.label} share`} /> },
                {
                  key: "actions",
                  label: "Actions",
                  render: (m) =>
                    canEdit && (
                      <Group gap={4}>
                        <Button size="compact-xs" variant="subtle" aria-label={`Edit measure ${m.label}`} onClick={() => setMeasure(m)}>
                          Edit
                        </Button>
                        <Button size="compact-xs" variant="subtle" color="red" aria-label={`Delete measure ${m.label}`} onClick={() => window.confirm(`Delete the measure ${m.label} and its scores?`) && void removeMeasure.run(m.id).then((r) => r !== undefined && card.reload())}>
                          Delete
                        </Button>
                      </Group>
                    ),
                },
              ]}
            />
          </Panel>
          {group && <GroupForm key={group === "new" ? "new" : group.id} group={group} onClose={() => setGroup(null)} onSaved={card.reload} />}
          {measure && <MeasureForm key={measure === "new" ? "new" : measure.id} measure={measure} groups={c.groups} onClose={() => setMeasure(null)} onSaved={card.reload} />}
        </>
      )}
    </>
  );
}

function Share(props: { value: number; label: string }) {
  return (
    <Group gap="xs" wrap="nowrap">
      <Progress value={props.value} w={80} aria-label={props.label} />
      <Text size="sm">{pct(props.value)}</Text>
    </Group>
  );
}

function SchemeForm(props: { scheme: Scheme; onSaved(): void }) {
  const canEdit = useCanEdit();
  const [form, setForm] = useState<Scheme>(props.scheme);
  const [saved, setSaved] = useState(false);
  const unsaved = useUnsavedChanges(form, "The score scheme");
  const save = useMutation((body: Scheme) => api("/success/scorecard/scheme", { method: "PUT", body }));
  const setRange = (i: number, patch: Partial<Scheme["ranges"][number]>) => setForm({ ...form, ranges: form.ranges.map((r, j) => (j === i ? { ...r, ...patch } : r)) });
  async function submit(e: FormEvent) {
    e.preventDefault();
    setSaved(false);
    const body = { ...form, ranges: form.ranges.map((r) => ({ label: r.label, from: r.from, to: r.to, ...(r.colour ? { colour: r.colour } : {}) })) };
    if ((await save.run(body)) !== undefined) {
      setSaved(true);
      unsaved.markSaved();
      props.onSaved();
    }
  }
  return (
    <form onSubmit={submit}>
      <fieldset disabled={!canEdit} style={{ border: 0, padding: 0, margin: 0, minWidth: 0 }}>
        <Stack gap="xs">
          {save.error && !/^ranges\[/.test(save.error.field ?? "") && save.error.field !== "type" && <ErrorNotice error={save.error} />}
          <NativeSelect
            label="Show scores as"
            w={260}
            data={[
              { value: "numeric", label: "Numbers 0–100" },
              { value: "grade", label: "Grades (the range labels)" },
              { value: "colour", label: "Colours" },
            ]}
            value={form.type}
            onChange={(e) => setForm({ ...form, type: e.currentTarget.value as Scheme["type"] })}
            error={fieldError(save.error, "type")}
          />
          {form.ranges.map((r, i) => (
            <Group key={i} align="flex-start" role="group" aria-label={`Range ${i + 1}`} wrap="wrap" gap="xs">
              <TextInput label="Label" value={r.label} onChange={(e) => setRange(i, { label: e.currentTarget.value })} error={fieldError(save.error, `ranges[${i}].label`)} w={140} />
              <NumberInput label="From" min={0} max={100} value={r.from} onChange={(v) => setRange(i, { from: Number(v) })} error={fieldError(save.error, `ranges[${i}].from`)} w={100} />
              <NumberInput label="To" min={0} max={100} value={r.to} onChange={(v) => setRange(i, { to: Number(v) })} error={fieldError(save.error, `ranges[${i}].to`)} w={100} />
              <TextInput label="Colour" placeholder="optional" value={r.colour ?? ""} onChange={(e) => setRange(i, { colour: e.currentTarget.value || undefined })} error={fieldError(save.error, `ranges[${i}].colour`)} w={120} leftSection={r.colour && /^#[0-9a-f]{6}$/i.test(r.colour) ? <ColorSwatch color={r.colour} size={14} /> : null} />
              <ActionIcon variant="subtle" color="red" mt={28} aria-label={`Remove range ${i + 1}`} disabled={form.ranges.length <= 2} onClick={() => setForm({ ...form, ranges: form.ranges.filter((_, j) => j !== i) })}>
                ✕
              </ActionIcon>
            </Group>
          ))}
          {canEdit && (
            <Group>
              <Button variant="light" size="xs" disabled={form.ranges.length >= 12} onClick={() => setForm({ ...form, ranges: [...form.ranges, { label: "", from: form.ranges[form.ranges.length - 1]?.to ?? 0, to: 100 }] })}>
                Add a range
              </Button>
              <Button type="submit" size="xs" loading={save.busy}>
                Save scheme
              </Button>
              {unsaved.mark}
              {saved && (
                <Text size="sm" c="#1e6b2e" aria-live="polite">
                  Saved.
                </Text>
              )}
            </Group>
          )}
        </Stack>
      </fieldset>
    </form>
  );
}

function GroupForm(props: { group: ScorecardGroup | "new"; onClose(): void; onSaved(): void }) {
  const g = props.group === "new" ? null : props.group;
  const [name, setName] = useState(g?.name ?? "");
  const [weight, setWeight] = useState<string | number>(g?.weight ?? 1);
  const unsaved = useUnsavedChanges({ name, weight }, "This group");
  const cancel = () => unsaved.mayClose() && props.onClose();
  const save = useMutation((body: { name: string; weight: number }) => (g ? api(`/success/scorecard/groups/${encodeURIComponent(g.id)}`, { method: "PATCH", body }) : api("/success/scorecard/groups", { body })));
  async function submit(e: FormEvent) {
    e.preventDefault();
    if ((await save.run({ name, weight: Number(weight) })) !== undefined) {
      unsaved.markSaved();
      props.onSaved();
      props.onClose();
    }
  }
  return (
    <Modal opened onClose={cancel} title={<TitleWithMark title={g ? "Edit group" : "New group"} unsaved={unsaved} />}>
      <form onSubmit={submit}>
        <Stack>
          {save.error && !save.error.field && <ErrorNotice error={save.error} />}
          <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} error={fieldError(save.error, "name")} />
          <NumberInput label="Weight" description="Relative to the other groups" min={0} value={weight} onChange={setWeight} required error={fieldError(save.error, "weight")} />
          <Button type="submit" loading={save.busy}>
            {g ? "Save group" : "Create group"}
          </Button>
        </Stack>
      </form>
    </Modal>
  );
}

function MeasureForm(props: { measure: ScorecardMeasure | "new"; groups: ScorecardGroup[]; onClose(): void; onSaved(): void }) {
  const m = props.measure === "new" ? null : props.measure;
  const [name, setName] = useState(m?.name ?? "");
  const [label, setLabel] = useState(m?.label ?? "");
  const [weight, setWeight] = useState<string | number>(m?.weight ?? 1);
  const [group, setGroup] = useState(m?.groupId ?? props.groups[0]?.id ?? "");
  const unsaved = useUnsavedChanges({ name, label, weight, group }, "This measure");
  const cancel = () => unsaved.mayClose() && props.onClose();
  const save = useMutation(() => {
    const common = { label: label || undefined, weight: Number(weight), group: group || null };
    return m ? api(`/success/scorecard/measures/${encodeURIComponent(m.id)}`, { method: "PATCH", body: common }) : api("/success/scorecard/measures", { body: { name, ...common } });
  });
  async function submit(e: FormEvent) {
    e.preventDefault();
    if ((await save.run(undefined)) !== undefined) {
      unsaved.markSaved();
      props.onSaved();
      props.onClose();
    }
  }
  return (
    <Modal opened onClose={cancel} title={<TitleWithMark title={m ? "Edit measure" : "New scorecard measure"} unsaved={unsaved} />}>
      <form onSubmit={submit}>
        <Stack>
          {save.error && !save.error.field && <ErrorNotice error={save.error} />}
          <TextInput label="Name" description="Letters, digits and _; rules set scores by this name" required disabled={Boolean(m)} value={name} onChange={(e) => setName(e.currentTarget.value)} error={fieldError(save.error, "name")} />
          <TextInput label="Label" value={label} onChange={(e) => setLabel(e.currentTarget.value)} error={fieldError(save.error, "label")} />
          <NativeSelect label="Group" data={[{ value: "", label: "No group" }, ...props.groups.map((g) => ({ value: g.id, label: g.name }))]} value={group} onChange={(e) => setGroup(e.currentTarget.value)} error={fieldError(save.error, "group")} />
          <NumberInput label="Weight" description="Relative to the other measures of its group" min={0} value={weight} onChange={setWeight} required error={fieldError(save.error, "weight")} />
          <Button type="submit" loading={save.busy}>
            {m ? "Save measure" : "Create measure"}
          </Button>
        </Stack>
      </form>
    </Modal>
  );
}
