import { Button, Group, Text, TextInput, Textarea } from "@mantine/core";
import { useEffect, useState, type FormEvent } from "react";
import { api } from "../../../api";
import { useCanEdit } from "../../../auth";
import { ErrorNotice, Loading, PageHeader } from "../../../components/common";
import { useUnsavedMark } from "../../../components/unsaved";
import { Link } from "../../../router";
import { fieldError, useApi, useMutation } from "../../../use-api";
import type { Rule, RuleInput, RulePreview, RuleRun } from "../rule-model";
import { ruleSchedule } from "../rule-schedule";
import { Panel, type Job } from "../shared";
import { ActionsPanel } from "./actions-panel";
import { DeleteRule } from "./delete-rule";
import { BLANK_RULE, cleanRule, placedField } from "./model";
import { PreviewView } from "./preview-view";
import { RunResult } from "./run-result";
import { SchedulePanel, type ScheduleDraft } from "./schedule-panel";
import { SourcePanel } from "./source-panel";

/** The rule builder: source, shown fields, filters, actions with mappings, schedule; preview and run. */
export function RuleBuilder(props: { params: Record<string, string> }) {
  const routeId = props.params["id"] ?? "new";
  const [ruleId, setRuleId] = useState<string | null>(routeId === "new" ? null : routeId);
  const loaded = useApi<Rule>(routeId === "new" ? null : `/success/rules/${encodeURIComponent(routeId)}`);
  const jobs = useApi<{ jobs: Job[] }>("/jobs");
  const canEdit = useCanEdit();
  const [draft, setDraft] = useState<RuleInput | null>(routeId === "new" ? BLANK_RULE : null);
  // What the server holds (or a blank rule): the draft differs from it while there are unsaved changes.
  const [base, setBase] = useState<RuleInput | null>(routeId === "new" ? BLANK_RULE : null);
  const [saved, setSaved] = useState<string | null>(null);
  const [schedule, setSchedule] = useState<ScheduleDraft | null>(null);
  const [preview, setPreview] = useState<RulePreview | null>(null);
  const [lastRun, setLastRun] = useState<RuleRun | null>(null);

  useEffect(() => {
    if (loaded.data && draft === null) {
      const { id: _id, createdAt: _c, updatedAt: _u, ...input } = loaded.data;
      setDraft(input);
      setBase(input);
    }
  }, [loaded.data, draft]);
  const current = ruleId && jobs.data ? ruleSchedule({ id: ruleId, name: loaded.data?.name ?? draft?.name ?? "" }, jobs.data.jobs) : null;
  useEffect(() => {
    if (schedule === null && jobs.data && (routeId === "new" || loaded.data)) {
      setSchedule({ text: current?.own?.schedule ?? "", timeZone: current?.own?.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? "UTC" });
    }
  }, [jobs.data, loaded.data, routeId, schedule, current?.own]);

  const savedSchedule = { text: current?.own?.schedule ?? "", timeZone: current?.own?.timeZone ?? schedule?.timeZone ?? "" };
  const ruleChanged = draft !== null && base !== null && JSON.stringify(draft) !== JSON.stringify(base);
  const scheduleChanged = schedule !== null && jobs.data !== undefined && (schedule.text.trim() !== savedSchedule.text || (schedule.text.trim() !== "" && schedule.timeZone !== savedSchedule.timeZone));
  const unsaved = ruleChanged || scheduleChanged;
  const mark = useUnsavedMark(unsaved, "This rule").mark;

  const change = (next: RuleInput) => {
    setDraft(next);
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
  const runner = useMutation(async (id: string) => api<RuleRun>(`/success/rules/${encodeURIComponent(id)}/run`, { body: {} }));
  // A preview runs the rule as it stands in the builder; nothing is saved, not even the rule.
  const previewer = useMutation(async (input: RuleInput) => api<RulePreview>(`/success/rules/preview?previewRows=10${ruleId ? `&ruleId=${encodeURIComponent(ruleId)}` : ""}`, { body: input }));

  /** Saves the rule when it changed, then its schedule; returns its id, or null when the server refused. */
  async function save(): Promise<string | null> {
    if (!draft) return null;
    let ref: { id: string; name: string } | null = ruleId ? { id: ruleId, name: draft.name } : null;
    if (ruleChanged || !ref) {
      const rule = await saveRule.run(cleanRule(draft));
      if (!rule) return null;
      ref = { id: rule.id, name: rule.name };
      setBase(draft);
      if (!ruleId) {
        setRuleId(rule.id);
        // Put the rule's address in the bar without remounting the screen (its state stays).
        window.history.replaceState(null, "", `/success/rules/${encodeURIComponent(rule.id)}`);
      }
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
    if (!draft) return;
    setLastRun(null);
    saveRule.clear();
    const r = await previewer.run(cleanRule(draft));
    if (r) setPreview(r);
  }
  async function doRun() {
    const id = await save();
    if (!id) return;
    previewer.clear();
    const r = await runner.run(id);
    if (r) setLastRun(r);
  }

  if (loaded.error) return <ErrorNotice error={loaded.error} title="This rule could not be loaded" onRetry={loaded.reload} />;
  if (!draft) return <Loading label="Loading the rule…" />;
  // A preview is refused under the same field names as a save, so both show by their inputs.
  const err = saveRule.error ?? previewer.error;
  const unplaced = err && !placedField(err) ? err : undefined;
  return (
    <>
      <PageHeader
        title={ruleId ? base?.name || draft.name || "Rule" : "New rule"}
        badge={mark}
        back={{ to: "/success/rules", label: "All rules" }}
        description={ruleId ? <Link to={`/success/rules/${encodeURIComponent(ruleId)}/runs`}>Run history</Link> : undefined}
      />
      <form onSubmit={onSubmit} aria-label="Rule">
        <fieldset disabled={!canEdit} style={{ border: 0, padding: 0, margin: 0, minWidth: 0 }}>
          <Panel title="Rule">
            <Group grow align="flex-start">
              <TextInput label="Rule name" required value={draft.name} onChange={(e) => change({ ...draft, name: e.currentTarget.value })} error={fieldError(err, "name")} />
              <Textarea label="Description" autosize minRows={1} value={draft.description ?? ""} onChange={(e) => change({ ...draft, description: e.currentTarget.value })} error={fieldError(err, "description")} />
            </Group>
          </Panel>
          <SourcePanel draft={draft} onChange={change} error={err} />
          <ActionsPanel draft={draft} onChange={change} error={err} />
          <SchedulePanel schedule={schedule} onChange={setSchedule} error={saveSchedule.error} chains={current?.chains ?? []} />
        </fieldset>
        {unplaced && <ErrorNotice error={unplaced} title={saveRule.error ? "The rule was not saved" : "The rule could not be previewed"} />}
        <ErrorNotice error={runner.error} title="The rule could not run" />
        {saved && (
          <Text size="sm" c="#1e6b2e" aria-live="polite" mb="xs">
            {saved}
          </Text>
        )}
        {canEdit && (
          <Group mb="lg">
            <Button type="submit" loading={saveRule.busy || saveSchedule.busy} variant={unsaved ? "filled" : "default"}>
              Save rule
            </Button>
            <Button variant="light" onClick={() => void doPreview()} loading={previewer.busy}>
              Preview
            </Button>
            <Button color="#1e6b2e" onClick={() => void doRun()} loading={runner.busy}>
              {unsaved ? "Save and run now" : "Run now"}
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
