import { ActionIcon, Alert, Autocomplete, Button, Checkbox, Code, Group, NativeSelect, NumberInput, Paper, Stack, Switch, TagsInput, Text, TextInput, Textarea } from "@mantine/core";
import { useEffect, useMemo, useState, type FormEvent, type ReactNode } from "react";
import { api, type ApiError } from "../../api";
import { useCanEdit } from "../../auth";
import { DataTable, ErrorNotice, Loading, PageHeader, formatCell } from "../../components/common";
import { Link, navigate } from "../../router";
import { fieldError, useApi, useMutation } from "../../use-api";
import { ruleSchedule } from "./rules";
import { ACTION_TYPES, OPERATORS, actionLabel, type ActionType, type Filter, type FilterValue, type Mapping, type Operator, type Rule, type RuleAction, type RuleInput, type RulePreview, type RuleRun, type RuleSource, type ValueSource } from "./rule-types";
import { CUSTOMER_FIELDS, PRIORITIES, Panel, RunStatusBadge, USAGE_KEY_TARGETS, parseScalar, scalarText, type CustomObject, type Job, type Scorecard, type UsageMeasure } from "./shared";

const BLANK: RuleInput = { name: "", type: "Custom", source: { kind: "crm", object: "Account" }, show: [], filters: [], customersOnly: false, actions: [] };
const CRM_DESCRIBED = ["Account", "Contact"];

/** The field that links a source row to a customer (as the server reads it). */
function accountFieldOf(s: RuleSource): string {
  if (s.kind === "crm") return s.accountField || (s.object === "Account" ? "Id" : "AccountId");
  if (s.kind === "object") return s.accountField || "accountId";
  return "accountId";
}

/** The fields a source offers, as far as the UI can know them. */
function useSourceFields(source: RuleSource): { fields: string[]; note?: string } {
  const crmObject = source.kind === "crm" && CRM_DESCRIBED.includes(source.object) ? source.object : null;
  const crm = useApi<{ fields: { name: string }[] }>(crmObject ? `/sync/fields?object=${crmObject}` : null);
  const measures = useApi<{ measures: UsageMeasure[] }>(source.kind === "usage" ? "/success/usage/measures" : null);
  const object = useApi<CustomObject>(source.kind === "object" && source.object ? `/success/objects/${encodeURIComponent(source.object)}` : null);
  switch (source.kind) {
    case "crm":
      if (!crmObject) return { fields: [], note: "Type the CRM field API names (relationships such as Owner.Name work too)." };
      if (crm.error) return { fields: [], note: `The CRM's field list is not available (${crm.error.message}); type the API names.` };
      return { fields: (crm.data?.fields ?? []).map((f) => f.name) };
    case "customers":
      return { fields: CUSTOMER_FIELDS, note: "Custom fields are custom.<key>." };
    case "usage":
      return { fields: ["accountId", "periodStart", "aggregationLevel", "instanceId", "userId", ...(measures.data?.measures ?? []).map((m) => m.name)] };
    case "object":
      return { fields: ["id", "createdAt", "updatedAt", ...(object.data?.fields ?? []).map((f) => f.name)] };
  }
}

function newAction(type: ActionType, account: string): RuleAction {
  switch (type) {
    case "loadToUsage":
      return { type, mappings: [{ to: "accountId", field: account }, { to: "date", ruleDate: 0 }, { to: "aggregationLevel", constant: "ACCOUNTLEVEL" }] };
    case "loadToCustomers":
      return { type, operation: "update", mappings: [{ to: "accountId", field: account }] };
    case "loadToCrm":
      return { type, object: "Account", operation: "update", mappings: [{ to: "Id", field: account, identifier: true }] };
    case "loadToObject":
      return { type, object: "", operation: "insert", mappings: [{ to: "", field: "" }] };
    case "setScore":
      return { type, measure: "", score: { field: "" } };
    case "createCta":
      return { type, ctaType: "Risk", reason: "", priority: "Medium", dueInDays: 7 };
    case "closeCta":
      return { type, ctaType: "Risk", reason: "" };
  }
}

/** The rule builder: source, shown fields, filters, actions with mappings, schedule; preview and run. */
export function RuleBuilder(props: { params: Record<string, string> }) {
  const routeId = props.params["id"] ?? "new";
  const [ruleId, setRuleId] = useState<string | null>(routeId === "new" ? null : routeId);
  const loaded = useApi<Rule>(routeId === "new" ? null : `/success/rules/${encodeURIComponent(routeId)}`);
  const jobs = useApi<{ jobs: Job[] }>("/jobs");
  const canEdit = useCanEdit();
  const [draft, setDraft] = useState<RuleInput | null>(routeId === "new" ? BLANK : null);
  const [dirty, setDirty] = useState(routeId === "new");
  const [saved, setSaved] = useState<string | null>(null);
  const [schedule, setSchedule] = useState<{ text: string; timeZone: string } | null>(null);
  const [preview, setPreview] = useState<RulePreview | null>(null);
  const [lastRun, setLastRun] = useState<RuleRun | null>(null);

  useEffect(() => {
    if (loaded.data && draft === null) {
      const { id: _id, createdAt: _c, updatedAt: _u, ...input } = loaded.data;
      setDraft(input);
    }
  }, [loaded.data, draft]);
  const current = ruleId && jobs.data ? ruleSchedule({ id: ruleId, name: loaded.data?.name ?? draft?.name ?? "" }, jobs.data.jobs) : null;
  useEffect(() => {
    if (schedule === null && jobs.data && (routeId === "new" || loaded.data)) {
      setSchedule({ text: current?.own?.schedule ?? "", timeZone: current?.own?.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? "UTC" });
    }
  }, [jobs.data, loaded.data, routeId, schedule, current?.own]);

  const change = (next: RuleInput) => {
    setDraft(next);
    setDirty(true);
    setSaved(null);
  };

  const saveRule = useMutation(async (input: RuleInput) => (ruleId ? api<Rule>(`/success/rules/${encodeURIComponent(ruleId)}`, { method: "PUT", body: input }) : api<Rule>("/success/rules", { body: input })));
  const saveSchedule = useMutation(async (args: { rule: { id: string; name: string }; text: string; timeZone: string }) => {
    const own = jobs.data ? ruleSchedule(args.rule, jobs.data.jobs).own : undefined;
    const text = args.text.trim();
    if (own) {
      if ((own.schedule ?? "") === text && own.timeZone === args.timeZone) return own;
      return api<Job>(`/jobs/${encodeURIComponent(own.id)}`, { method: "PUT", body: { name: own.name, kind: "rule", params: { ...own.params, rule: args.rule.id }, schedule: text || null, timeZone: args.timeZone, enabled: own.enabled } });
    }
    if (!text) return null;
    return api<Job>("/jobs", { body: { name: `Rule: ${args.rule.name}`, kind: "rule", params: { rule: args.rule.id }, schedule: text, timeZone: args.timeZone } });
  });
  const runner = useMutation(async (args: { id: string; preview: boolean }) => api<RulePreview | RuleRun>(`/success/rules/${encodeURIComponent(args.id)}/run`, { body: args.preview ? { preview: true, previewRows: 10 } : {} }));

  /** Saves the rule when it changed, then its schedule; returns its id, or null when the server refused. */
  async function save(): Promise<string | null> {
    if (!draft) return null;
    let ref: { id: string; name: string } | null = ruleId ? { id: ruleId, name: draft.name } : null;
    if (dirty || !ref) {
      const rule = await saveRule.run(cleanRule(draft));
      if (!rule) return null;
      ref = { id: rule.id, name: rule.name };
      if (!ruleId) {
        setRuleId(rule.id);
        // Put the rule's address in the bar without remounting the screen (its state stays).
        window.history.replaceState(null, "", `/success/rules/${encodeURIComponent(rule.id)}`);
      }
      setDirty(false);
    }
    if (schedule) {
      const job = await saveSchedule.run({ rule: ref, ...schedule });
      if (job === undefined) return null;
      if (job !== current?.own) jobs.reload();
    }
    setSaved(`Saved “${ref.name}”.`);
    return ref.id;
  }
  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    await save();
  }
  async function doPreview() {
    setLastRun(null);
    const id = await save();
    if (!id) return;
    const r = await runner.run({ id, preview: true });
    if (r && "preview" in r) setPreview(r);
  }
  async function doRun() {
    const id = await save();
    if (!id) return;
    const r = await runner.run({ id, preview: false });
    if (r && !("preview" in r)) setLastRun(r);
  }

  if (loaded.error) return <ErrorNotice error={loaded.error} title="This rule could not be loaded" />;
  if (!draft) return <Loading label="Loading the rule…" />;
  const err = saveRule.error;
  const unplaced = err && !placedField(err) ? err : undefined;
  const account = accountFieldOf(draft.source);
  return (
    <>
      <PageHeader
        title={ruleId ? draft.name || "Rule" : "New rule"}
        description={
          <>
            <Link to="/success/rules">All rules</Link>
            {ruleId && (
              <>
                {" · "}
                <Link to={`/success/rules/${encodeURIComponent(ruleId)}/runs`}>Run history</Link>
              </>
            )}
          </>
        }
      />
      <form onSubmit={onSubmit} aria-label="Rule">
        <fieldset disabled={!canEdit} style={{ border: 0, padding: 0, margin: 0 }}>
          <Panel title="Rule">
            <Group grow align="flex-start">
              <TextInput label="Rule name" required value={draft.name} onChange={(e) => change({ ...draft, name: e.currentTarget.value })} error={fieldError(err, "name")} />
              <Textarea label="Description" autosize minRows={1} value={draft.description ?? ""} onChange={(e) => change({ ...draft, description: e.currentTarget.value })} error={fieldError(err, "description")} />
            </Group>
          </Panel>
          <SourcePanel draft={draft} onChange={change} error={err} />
          <Panel title="Actions" testId="rule-actions">
            <Stack>
              {draft.actions.map((a, i) => (
                <ActionEditor
                  key={i}
                  index={i}
                  action={a}
                  show={draft.show}
                  account={account}
                  error={err}
                  onChange={(next) => change({ ...draft, actions: draft.actions.map((x, j) => (j === i ? next : x)) })}
                  onRemove={() => change({ ...draft, actions: draft.actions.filter((_, j) => j !== i) })}
                />
              ))}
              {draft.actions.length === 0 && (
                <Text size="sm" c="dimmed">
                  A rule needs at least one action.
                </Text>
              )}
              {fieldError(err, "actions") && err?.field === "actions" && (
                <Text c="red.8" size="sm" role="alert">
                  {err.message}
                </Text>
              )}
              <AddAction onAdd={(t) => change({ ...draft, actions: [...draft.actions, newAction(t, account)] })} />
            </Stack>
          </Panel>
          <Panel title="Schedule" testId="rule-schedule">
            {schedule ? (
              <Stack gap="xs">
                <Group align="flex-start">
                  <TextInput
                    label="Run on a schedule"
                    description="“daily at 00:30”, “weekdays at 07:00”, “weekly on monday at 02:00”, “every 15 minutes” or a cron expression; empty to run by hand only"
                    value={schedule.text}
                    onChange={(e) => setSchedule({ ...schedule, text: e.currentTarget.value })}
                    error={fieldError(saveSchedule.error, "schedule", "name")}
                    w={520}
                  />
                  <TextInput label="Time zone" value={schedule.timeZone} onChange={(e) => setSchedule({ ...schedule, timeZone: e.currentTarget.value })} w={200} error={fieldError(saveSchedule.error, "timeZone")} />
                </Group>
                {saveSchedule.error && !fieldError(saveSchedule.error, "schedule", "name", "timeZone") && <ErrorNotice error={saveSchedule.error} title="The schedule was not saved" />}
                {current && current.chains.length > 0 && (
                  <Text size="sm" c="dimmed">
                    Also runs as a step of {current.chains.map((c) => `“${c.name}” (${c.schedule ?? "by hand"}${c.enabled ? "" : ", paused"})`).join(", ")}.
                  </Text>
                )}
              </Stack>
            ) : (
              <Loading />
            )}
          </Panel>
        </fieldset>
        {unplaced && <ErrorNotice error={unplaced} title="The rule was not saved" />}
        <ErrorNotice error={runner.error} title="The rule could not run" />
        {saved && (
          <Text size="sm" c="#1e6b2e" aria-live="polite" mb="xs">
            {saved}
          </Text>
        )}
        {canEdit && (
          <Group mb="lg">
            <Button type="submit" loading={saveRule.busy || saveSchedule.busy}>
              Save rule
            </Button>
            <Button variant="light" onClick={() => void doPreview()} loading={runner.busy && !lastRun}>
              Preview
            </Button>
            <Button color="#1e6b2e" onClick={() => void doRun()} loading={runner.busy}>
              Run now
            </Button>
            {ruleId && <DeleteRule id={ruleId} name={draft.name} />}
          </Group>
        )}
      </form>
      {lastRun && ruleId && <RunResult run={lastRun} ruleId={ruleId} />}
      {preview && <PreviewView preview={preview} show={draft.show} />}
    </>
  );
}

/** Whether the builder shows this error next to an input (so no general notice is needed). */
function placedField(e: ApiError): boolean {
  const f = e.field ?? "";
  return /^(name|description|source|show|filters|customersOnly|actions\[)/.test(f) || f === "actions";
}

/** Drops empty optional bits the server would refuse (blank descriptions, blank account fields). */
function cleanRule(r: RuleInput): RuleInput {
  const source: RuleSource = (r.source.kind === "crm" || r.source.kind === "object") && !r.source.accountField ? (r.source.kind === "crm" ? { kind: "crm", object: r.source.object } : { kind: "object", object: r.source.object }) : r.source;
  const actions = r.actions.map((a): RuleAction => {
    const copy: Record<string, unknown> = { ...a };
    for (const k of ["accountField", "owner", "comment"]) if (copy[k] === "") delete copy[k];
    return copy as RuleAction;
  });
  return { ...r, source, actions, ...(r.description ? { description: r.description } : { description: undefined }) };
}

function SourcePanel(props: { draft: RuleInput; onChange(d: RuleInput): void; error: ApiError | undefined }) {
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

/** Edits a filter value: a constant, or "rule date ± N days". */
function ValueInput(props: { label: string; value: FilterValue | undefined; onChange(v: FilterValue): void; error?: string }) {
  const relative = props.value !== null && typeof props.value === "object";
  return (
    <Group gap={6} align="flex-start" wrap="nowrap">
      {relative ? (
        <NumberInput label={`${props.label} (days from the rule date)`} value={(props.value as { ruleDate: number }).ruleDate} onChange={(v) => props.onChange({ ruleDate: Number(v) || 0 })} w={200} error={props.error} />
      ) : (
        <TextInput label={props.label} value={scalarText(props.value)} onChange={(e) => props.onChange(parseScalar(e.currentTarget.value))} w={200} error={props.error} />
      )}
      <Checkbox label="Rule date" mt={32} checked={relative} onChange={(e) => props.onChange(e.currentTarget.checked ? { ruleDate: 0 } : "")} />
    </Group>
  );
}

function FiltersEditor(props: { filters: Filter[]; fields: string[]; error: ApiError | undefined; onChange(f: Filter[]): void }) {
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
          <Group key={i} align="flex-start" role="group" aria-label={`Filter ${i + 1}`} wrap="nowrap">
            <Autocomplete label="Field" data={props.fields} value={f.field} onChange={(field) => set(i, { ...f, field })} error={e} w={240} />
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

function AddAction(props: { onAdd(t: ActionType): void }) {
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

/** Target field suggestions for an action's mappings. */
function useTargets(action: RuleAction): string[] {
  const measures = useApi<{ measures: UsageMeasure[] }>(action.type === "loadToUsage" ? "/success/usage/measures" : null);
  const crmObject = action.type === "loadToCrm" && CRM_DESCRIBED.includes(action.object) ? action.object : null;
  const crm = useApi<{ fields: { name: string; updateable: boolean; createable: boolean }[] }>(crmObject ? `/sync/fields?object=${crmObject}` : null);
  const object = useApi<CustomObject>(action.type === "loadToObject" && action.object ? `/success/objects/${encodeURIComponent(action.object)}` : null);
  switch (action.type) {
    case "loadToUsage":
      return [...USAGE_KEY_TARGETS, ...(measures.data?.measures ?? []).map((m) => m.name)];
    case "loadToCustomers":
      return CUSTOMER_FIELDS;
    case "loadToCrm":
      return (crm.data?.fields ?? []).filter((f) => f.name === "Id" || f.updateable || f.createable).map((f) => f.name);
    case "loadToObject":
      return (object.data?.fields ?? []).map((f) => f.name);
    default:
      return [];
  }
}

function ActionEditor(props: { index: number; action: RuleAction; show: string[]; account: string; error: ApiError | undefined; onChange(a: RuleAction): void; onRemove(): void }) {
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
          <SourceInput label="Score" value={a.score} show={props.show} onChange={(score) => props.onChange({ ...a, score })} error={fe("score")} />
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
          <NativeSelect label="Priority" data={[...PRIORITIES]} value={a.priority} onChange={(e) => props.onChange({ ...a, priority: e.currentTarget.value })} error={fe("priority")} />
          <NumberInput label="Due in days" min={0} max={3650} value={a.dueInDays} onChange={(v) => props.onChange({ ...a, dueInDays: Number(v) || 0 })} error={fe("dueInDays")} w={120} />
          <TextInput label="Owner" value={a.owner ?? ""} onChange={(e) => props.onChange({ ...a, owner: e.currentTarget.value })} error={fe("owner")} />
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

/** Where a value comes from: a shown field, a constant or the rule date ± days. */
function SourceInput(props: { label: string; value: ValueSource; show: string[]; onChange(v: ValueSource): void; error?: string }) {
  const v = props.value;
  const kind = "field" in v ? "field" : "constant" in v ? "constant" : "ruleDate";
  return (
    <Group gap={6} align="flex-start" wrap="nowrap">
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
      {"field" in v && <Autocomplete label={props.label} data={props.show} value={v.field} onChange={(field) => props.onChange({ field })} error={props.error} w={260} />}
      {"constant" in v && <TextInput label={props.label} value={scalarText(v.constant)} onChange={(e) => props.onChange({ constant: parseScalar(e.currentTarget.value) })} error={props.error} w={200} />}
      {"ruleDate" in v && <NumberInput label={`${props.label} (days)`} value={v.ruleDate} onChange={(n) => props.onChange({ ruleDate: Number(n) || 0 })} error={props.error} w={140} />}
    </Group>
  );
}

function MappingsEditor(props: { mappings: Mapping[]; targets: string[]; show: string[]; error: ApiError | undefined; at: string; identifiers: boolean; onChange(m: Mapping[]): void }) {
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
          <Group key={i} align="flex-start" wrap="nowrap" role="group" aria-label={`Mapping ${i + 1}`}>
            <Autocomplete label="Target field" data={props.targets} value={to} onChange={(v) => set(i, { to: v, ...source, ...(identifier ? { identifier } : {}) } as Mapping)} error={fieldError(props.error, `${at}.to`)} w={260} />
            <SourceInput label="Value" value={source as ValueSource} show={props.show} onChange={(v) => set(i, { to, ...v, ...(identifier ? { identifier } : {}) } as Mapping)} error={fieldError(props.error, `${at}.field`, `${at}.constant`, `${at}.ruleDate`)} />
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

function DeleteRule(props: { id: string; name: string }) {
  const remove = useMutation(() => api(`/success/rules/${encodeURIComponent(props.id)}`, { method: "DELETE" }));
  return (
    <>
      <Button
        variant="subtle"
        color="red"
        ml="auto"
        loading={remove.busy}
        onClick={() => {
          if (window.confirm(`Delete the rule “${props.name}”? Its run history goes with it.`)) void remove.run(undefined).then((r) => r !== undefined && navigate("/success/rules"));
        }}
      >
        Delete rule
      </Button>
      <ErrorNotice error={remove.error} />
    </>
  );
}

function RunResult(props: { run: RuleRun; ruleId: string }) {
  const r = props.run;
  return (
    <Alert color={r.status === "success" ? "green" : r.status === "partial" ? "yellow" : "red"} title="Run finished" mb="md" data-testid="run-result">
      <Group gap="sm">
        <RunStatusBadge status={r.status} />
        <Text size="sm">
          Read {r.rowsRead.toLocaleString("en-US")} rows, wrote {r.rowsWritten.toLocaleString("en-US")} records, {r.errorCount.toLocaleString("en-US")} row errors. {r.message ?? ""}
        </Text>
        <Link to={`/success/rules/${encodeURIComponent(props.ruleId)}/runs/${encodeURIComponent(r.id)}`}>See the run</Link>
      </Group>
    </Alert>
  );
}

/** Spreads nested values (usage `measures`, CRM `attributes`) into their own columns. */
function flatten(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (v !== null && typeof v === "object" && !Array.isArray(v)) for (const [k2, v2] of Object.entries(v as Record<string, unknown>)) out[k2 in row ? `${k}.${k2}` : k2] = v2;
    else out[k] = v;
  }
  return out;
}

function PreviewView(props: { preview: RulePreview; show: string[] }) {
  const p = props.preview;
  const columns = useMemo(() => {
    const keys = [...new Set([...props.show, ...p.rows.flatMap((r) => Object.keys(r))])].filter((k) => k !== "attributes");
    return keys.map((k) => ({ key: k, label: k, render: (row: Record<string, unknown>) => formatCell(row[k]) }));
  }, [p.rows, props.show]);
  return (
    <Panel title={`Preview for ${p.ruleDate}`} testId="rule-preview">
      <Text size="sm" mb="xs" aria-live="polite" data-testid="preview-summary">
        The source gives {p.rowsRead.toLocaleString("en-US")} rows; the first {p.rows.length} are shown. Nothing was written.
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

