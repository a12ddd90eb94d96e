import { Alert, Button, Card, Checkbox, Code, Grid, Group, NumberInput, Select, SimpleGrid, Stack, Tabs, Text, TextInput, Title } from "@mantine/core";
import { useEffect, useMemo, useState, type FormEvent, type ReactNode } from "react";
import { ApiError, api } from "../../api";
import { useCanEdit } from "../../auth";
import { ErrorNotice, Loading, PageHeader, formatTime } from "../../components/common";
import { StatusBadge } from "../../components/status-badge";
import { useUnsavedChanges } from "../../components/unsaved";
import { navigate } from "../../router";
import { fieldError, useApi, useMutation } from "../../use-api";
import { GuideMetricsPanel } from "./metrics";
import { ACTIVATIONS, FREQUENCIES, STATUSES, toWire, type ActivationType, type Frequency, type Guide, type GuideInput, type Segment, type Status, type Step } from "./model";
import { GuidePreview } from "./preview";
import { StepEditor } from "./step-editor";

const NEW_STEP: Step = { layout: "lightbox", title: "", content: "", format: "markdown" };
const BLANK: GuideInput = { name: "", steps: [NEW_STEP], activation: { type: "automatic" }, targeting: { segment: "everyone" }, frequency: "untilDismissed", priority: 0 };
const ZONES = (() => {
  try {
    return Intl.supportedValuesOf("timeZone");
  } catch {
    return ["UTC"];
  }
})();

/** A stored guide as the editor's draft (content is stored sanitised, as HTML). */
function toDraft(g: Guide): GuideInput {
  return {
    name: g.name,
    status: g.status,
    ...(g.schedule ? { schedule: g.schedule } : {}),
    steps: g.steps,
    activation: g.activation,
    targeting: { segment: g.targeting.segment, ...(g.targeting.page ? { page: g.targeting.page } : {}) },
    frequency: g.frequency,
    priority: g.priority,
  };
}

/** The body to save: empty optional fields dropped, poll options trimmed. */
function toBody(d: GuideInput): GuideInput {
  return {
    ...d,
    steps: d.steps.map((s) => {
      const out: Step = { ...s };
      if (!out.title) delete out.title;
      if (!out.selector) delete out.selector;
      if (out.poll?.options) out.poll = { ...out.poll, options: out.poll.options.map((o) => o.trim()).filter(Boolean) };
      return out;
    }),
    activation: d.activation?.type === "element" || d.activation?.type === "badge" ? d.activation : { type: d.activation?.type ?? "automatic" },
    targeting: { ...(d.targeting?.segment ? { segment: d.targeting.segment } : {}), ...(d.targeting?.page?.trim() ? { page: d.targeting.page.trim() } : {}) },
  };
}

/** What the server does not check but a visitor would miss: a name and content in every step. */
function localCheck(d: GuideInput): ApiError | undefined {
  if (!d.name.trim()) return new ApiError(400, "NAME_REQUIRED", "Give the guide a name", "name");
  for (const [i, s] of d.steps.entries()) {
    if (s.layout !== "poll" && !s.content.trim()) return new ApiError(400, "CONTENT_REQUIRED", "Write the content visitors will read in this step", `steps[${i}].content`);
  }
  return undefined;
}

/** `/guides/new` and `/guides/:id`: the editor with a live preview, and for saved guides their metrics. */
export function GuideScreen(props: { params: Record<string, string> }) {
  const id = props.params.id;
  const loaded = useApi<Guide>(id ? `/guides/${encodeURIComponent(id)}` : null);
  const [tab, setTab] = useState<string | null>("edit");
  if (id && !loaded.data) {
    return (
      <>
        <PageHeader title="Guide" back={{ to: "/guides", label: "All guides" }} />
        <ErrorNotice error={loaded.error} onRetry={loaded.reload} />
        {loaded.loading && <Loading label="Loading the guide…" />}
      </>
    );
  }
  const guide = loaded.data;
  if (!guide) return <GuideEditor key="new" onSaved={(g) => navigate(`/guides/${encodeURIComponent(g.id)}`, { replace: true })} />;
  return (
    <Tabs value={tab} onChange={setTab} keepMounted={false}>
      <GuideEditor
        key={guide.id}
        guide={guide}
        onSaved={() => loaded.reload()}
        tabs={
          <Tabs.List mb="md">
            <Tabs.Tab value="edit">Editor</Tabs.Tab>
            <Tabs.Tab value="metrics">Metrics</Tabs.Tab>
          </Tabs.List>
        }
        metrics={
          <Tabs.Panel value="metrics">
            <GuideMetricsPanel guide={guide} />
          </Tabs.Panel>
        }
        tab={tab ?? "edit"}
      />
    </Tabs>
  );
}

function GuideEditor(props: { guide?: Guide; onSaved(g: Guide): void; tabs?: ReactNode; metrics?: ReactNode; tab?: string }) {
  const g = props.guide;
  const canEdit = useCanEdit();
  const segments = useApi<{ segments: Segment[] }>("/segments");
  const [draft, setDraft] = useState<GuideInput>(() => (g ? toDraft(g) : BLANK));
  const [local, setLocal] = useState<ApiError | undefined>(undefined);
  const [savedAt, setSavedAt] = useState<number | undefined>(undefined);
  const unsaved = useUnsavedChanges(draft, "This guide");
  const save = useMutation((body: GuideInput) => (g ? api<Guide>(`/guides/${encodeURIComponent(g.id)}`, { method: "PUT", body: { ...body, status: g.status } }) : api<Guide>("/guides", { body: { ...body, status: "draft" } })));
  const setStatus = useMutation((status: Status) => api<Guide>(`/guides/${encodeURIComponent(g?.id ?? "")}/status`, { method: "PATCH", body: { status } }));
  const error = local ?? save.error;
  const disabled = !canEdit || save.busy;
  const wire = useMemo(() => toWire(g?.id ?? "draft", toBody(draft)), [draft, g?.id]);
  const segmentOptions = useMemo(() => {
    const list = segments.data?.segments ?? [];
    const opts = list.map((s) => ({ value: s.id, label: s.name }));
    if (!list.some((s) => s.id === "everyone")) opts.unshift({ value: "everyone", label: "Everyone" });
    const current = draft.targeting?.segment;
    if (current && !opts.some((o) => o.value === current)) opts.push({ value: current, label: `${current} (not found)` });
    return opts;
  }, [segments.data, draft.targeting?.segment]);

  /** Every change applies to the latest draft (so quick successive edits never undo each other). */
  const change = (f: (d: GuideInput) => GuideInput): void => {
    setDraft(f);
    setLocal(undefined);
    save.clear();
  };
  const update = (patch: Partial<GuideInput>): void => change((d) => ({ ...d, ...patch }));
  const setStep = (i: number, f: (s: Step) => Step): void => change((d) => ({ ...d, steps: d.steps.map((x, j) => (j === i ? f(x) : x)) }));
  const moveStep = (i: number, by: -1 | 1): void =>
    change((d) => {
      const steps = [...d.steps];
      const [s] = steps.splice(i, 1);
      if (s) steps.splice(i + by, 0, s);
      return { ...d, steps };
    });
  const activation = draft.activation ?? { type: "automatic" as const };
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const problem = localCheck(draft);
    setLocal(problem);
    if (problem) {
      focusField(problem.field);
      return;
    }
    const saved = await save.run(toBody(draft));
    if (saved) {
      // The stored version (content sanitised) becomes the draft; a status change alone keeps unsaved edits.
      setDraft(toDraft(saved));
      unsaved.markSaved();
      setSavedAt(Date.now());
      props.onSaved(saved);
    }
  };
  useEffect(() => {
    if (save.error?.field) focusField(save.error.field);
  }, [save.error]);

  const title = g ? g.name : "New guide";
  const editing = !props.tab || props.tab === "edit";
  return (
    <>
      <PageHeader
        title={title}
        badge={unsaved.mark}
        back={{ to: "/guides", label: "All guides" }}
        description={g ? <>Guide id <Code>{g.id}</Code> · updated {formatTime(g.updatedAt)}</> : "Write the content, choose who sees it and where, and check it in the preview."}
        actions={
          <>
            {g && (
              <StatusBadge kind="guide" status={g.status} size="lg" testId="guide-status" />
            )}
          </>
        }
      />
      {props.tabs}
      {props.metrics}
      {editing && (
        <form onSubmit={(e) => void submit(e)} noValidate aria-label="Guide editor">
          {error && (
            <Alert color="red" role="alert" mb="md" title="The guide was not saved">
              <Text size="sm">{error.message}</Text>
              <Text size="xs" c="dimmed">
                {error.code}
                {error.field ? ` · field ${error.field}` : ""}
              </Text>
            </Alert>
          )}
          <ErrorNotice error={setStatus.error} title="The status was not changed" />
          {savedAt && !error && (
            <Alert color="green" mb="md" role="status" title="Saved">
              The guide was saved {g ? `as ${g.status}` : "as a draft"}. Content is stored sanitised.
            </Alert>
          )}
          <Grid gap="lg">
            <Grid.Col span={{ base: 12, lg: 7 }}>
              <Stack gap="md">
                <Card withBorder component="section" aria-labelledby="guide-basics">
                  <Title order={2} size="h4" id="guide-basics" mb="xs">
                    Basics
                  </Title>
                  <SimpleGrid cols={{ base: 1, sm: 2 }}>
                    <TextInput label="Name" required data-field="name" value={draft.name} maxLength={200} disabled={disabled} onChange={(e) => update({ name: e.currentTarget.value })} error={fieldError(error, "name")} />
                    {g && canEdit && (
                      <Select
                        label="Status"
                        description="Changes at once; saving keeps it."
                        data={STATUSES}
                        value={g.status}
                        allowDeselect={false}
                        disabled={setStatus.busy}
                        onChange={(v) => {
                          if (v && v !== g.status) void setStatus.run(v as Status).then((r) => r && props.onSaved(r));
                        }}
                      />
                    )}
                  </SimpleGrid>
                </Card>

                <section aria-labelledby="guide-steps">
                  <Group justify="space-between" mb="xs">
                    <Title order={2} size="h4" id="guide-steps">
                      Steps
                    </Title>
                    <Button size="xs" variant="light" disabled={disabled || draft.steps.length >= 50} onClick={() => change((d) => ({ ...d, steps: [...d.steps, { ...NEW_STEP, layout: d.steps[d.steps.length - 1]?.layout === "tooltip" ? "tooltip" : "lightbox" }] }))}>
                      Add step
                    </Button>
                  </Group>
                  <Text size="xs" c="dimmed" mb="xs">
                    One step is a single lightbox, banner, tooltip or poll; more steps make a walkthrough.
                  </Text>
                  <ErrorNotice error={fieldError(error, "steps") && error?.field === "steps" ? error : undefined} />
                  {draft.steps.map((s, i) => (
                    <StepEditor key={i} step={s} index={i} count={draft.steps.length} error={error} disabled={disabled} onChange={(f) => setStep(i, f)} onMove={(by) => moveStep(i, by)} onRemove={() => change((d) => ({ ...d, steps: d.steps.filter((_, j) => j !== i) }))} />
                  ))}
                </section>

                <Card withBorder component="section" aria-labelledby="guide-activation">
                  <Title order={2} size="h4" id="guide-activation" mb="xs">
                    Activation
                  </Title>
                  <SimpleGrid cols={{ base: 1, sm: 2 }}>
                    <Select label="Show the guide" data={ACTIVATIONS} value={activation.type} allowDeselect={false} disabled={disabled} onChange={(v) => v && update({ activation: { ...activation, type: v as ActivationType } })} error={fieldError(error, "activation.type")} />
                    {(activation.type === "element" || activation.type === "badge") && (
                      <TextInput
                        label={activation.type === "badge" ? "Badge beside (CSS selector)" : "Clicked element (CSS selector)"}
                        required
                        data-field="activation.selector"
                        placeholder="#help"
                        value={activation.selector ?? ""}
                        disabled={disabled}
                        onChange={(e) => update({ activation: { ...activation, selector: e.currentTarget.value || undefined } })}
                        error={fieldError(error, "activation.selector")}
                      />
                    )}
                  </SimpleGrid>
                  {activation.type === "api" && (
                    <Text size="sm" mt="xs">
                      Call <Code>{`pendulum.showGuide(${JSON.stringify(g?.id ?? "<guide id after saving>")})`}</Code> from the page.
                    </Text>
                  )}
                </Card>

                <Card withBorder component="section" aria-labelledby="guide-targeting">
                  <Title order={2} size="h4" id="guide-targeting" mb="xs">
                    Targeting and delivery
                  </Title>
                  <SimpleGrid cols={{ base: 1, sm: 2 }}>
                    <Select
                      label="Segment"
                      description="Who may see it."
                      searchable
                      data={segmentOptions}
                      value={draft.targeting?.segment ?? "everyone"}
                      allowDeselect={false}
                      disabled={disabled}
                      nothingFoundMessage="No segment by that name"
                      onChange={(v) => v && update({ targeting: { ...draft.targeting, segment: v } })}
                      error={fieldError(error, "targeting.segment") ?? (segments.error ? `Segments could not be loaded: ${segments.error.message}` : undefined)}
                    />
                    <TextInput
                      label="Page rule"
                      description="URL rule, e.g. /app/billing or /app/*/settings; empty for every page."
                      data-field="targeting.page"
                      value={draft.targeting?.page ?? ""}
                      disabled={disabled}
                      onChange={(e) => update({ targeting: { ...draft.targeting, page: e.currentTarget.value || undefined } })}
                      error={fieldError(error, "targeting.page")}
                    />
                    <Select label="Frequency" data={FREQUENCIES} value={draft.frequency ?? "untilDismissed"} allowDeselect={false} disabled={disabled} onChange={(v) => v && update({ frequency: v as Frequency })} error={fieldError(error, "frequency")} />
                    <NumberInput label="Priority" description="0–1000; higher shows first." min={0} max={1000} value={draft.priority ?? 0} disabled={disabled} onChange={(v) => update({ priority: typeof v === "number" ? v : 0 })} error={fieldError(error, "priority")} />
                  </SimpleGrid>
                </Card>

                <Card withBorder component="section" aria-labelledby="guide-schedule">
                  <Title order={2} size="h4" id="guide-schedule" mb="xs">
                    Schedule
                  </Title>
                  <Checkbox
                    label="Show only between a start and an optional end"
                    checked={Boolean(draft.schedule)}
                    disabled={disabled}
                    onChange={(e) => update({ schedule: e.currentTarget.checked ? { start: new Date(Date.now() + 3_600_000).toISOString().slice(0, 14) + "00", timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC" } : undefined })}
                  />
                  <ErrorNotice error={error?.field === "schedule" ? error : undefined} />
                  {draft.schedule && (
                    <SimpleGrid cols={{ base: 1, sm: 3 }} mt="sm">
                      <TextInput type="datetime-local" label="Start" required value={draft.schedule.start} disabled={disabled} onChange={(e) => draft.schedule && update({ schedule: { ...draft.schedule, start: e.currentTarget.value } })} error={fieldError(error, "schedule.start")} />
                      <TextInput
                        type="datetime-local"
                        label="End"
                        value={draft.schedule.end ?? ""}
                        disabled={disabled}
                        onChange={(e) => {
                          if (!draft.schedule) return;
                          const { end: _end, ...rest } = draft.schedule;
                          update({ schedule: e.currentTarget.value ? { ...rest, end: e.currentTarget.value } : rest });
                        }}
                        error={fieldError(error, "schedule.end")}
                      />
                      <Select label="Time zone" searchable data={ZONES} value={draft.schedule.timeZone} allowDeselect={false} disabled={disabled} onChange={(v) => v && draft.schedule && update({ schedule: { ...draft.schedule, timeZone: v } })} error={fieldError(error, "schedule.timeZone")} />
                    </SimpleGrid>
                  )}
                  {draft.schedule && g && g.status !== "scheduled" && (
                    <Text size="xs" c="dimmed" mt="xs">
                      Save, then set the status to Scheduled for the schedule to take effect.
                    </Text>
                  )}
                </Card>

                {canEdit && (
                  <Group>
                    <Button type="submit" loading={save.busy}>
                      {g ? "Save changes" : "Save as draft"}
                    </Button>
                    <Button variant="subtle" onClick={() => navigate("/guides")}>
                      Cancel
                    </Button>
                  </Group>
                )}
              </Stack>
            </Grid.Col>
            <Grid.Col span={{ base: 12, lg: 5 }}>
              <Card withBorder component="section" aria-labelledby="guide-preview" style={{ position: "sticky", top: 72 }}>
                <Title order={2} size="h4" id="guide-preview" mb="xs">
                  Live preview
                </Title>
                <GuidePreview guide={wire} />
              </Card>
            </Grid.Col>
          </Grid>
        </form>
      )}
    </>
  );
}

/** Moves focus to the input the server blamed, when it is on the screen. */
function focusField(field: string | undefined): void {
  if (!field) return;
  window.setTimeout(() => {
    const byData = document.querySelector<HTMLElement>(`[data-field="${CSS.escape(field)}"]`);
    const invalid = document.querySelector<HTMLElement>("form [aria-invalid='true']");
    (byData ?? invalid)?.focus();
  }, 0);
}
