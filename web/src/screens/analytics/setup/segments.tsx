import { Alert, Autocomplete, Badge, Button, Card, Group, Loader, Modal, NumberInput, SegmentedControl, Select, SimpleGrid, Stack, Text, TextInput, Title } from "@mantine/core";
import { useEffect, useMemo, useState, type FormEvent } from "react";
import { api, ApiError } from "../../../api";
import { useCanEdit } from "../../../auth";
import { DataTable, ErrorNotice, Loading, PageHeader, formatTime, Loaded } from "../../../components/common";
import { useUnsavedChanges } from "../../../components/unsaved";
import { Link, navigate } from "../../../router";
import { fieldError, useApi, useMutation } from "../../../use-api";
import type { FeatureDef, PageDef } from "./definitions";
import {
  CONDITIONS,
  OPERATORS,
  fromDefinition,
  isDayOperator,
  isGroupNode,
  missingFields,
  needsValue,
  newBehaviorRule,
  newGroup,
  newMetadataRule,
  newNpsRule,
  optionalDays,
  replaceNode,
  summarize,
  toDefinition,
  type ApiGroup,
  type GroupNode,
  type MetaGroup,
  type RuleDraft,
  type RuleNode,
  type Target,
  type TreeNode,
} from "./segment-model";
import { usePreview } from "./shared";

type Segment = { id: string; name: string; definition: ApiGroup | null; createdAt: number; updatedAt: number; counts?: { accounts: number; visitors: number } };
type Entity = { id: string; metadata: Record<MetaGroup, Record<string, unknown>> };
type Kind = "account" | "visitor";

/** Names of pages and features by id, for summaries and pickers. */
function useDefinitions() {
  const pages = useApi<{ pages: PageDef[] }>("/pages");
  const features = useApi<{ features: FeatureDef[] }>("/features");
  return useMemo(() => {
    const pageNames = new Map((pages.data?.pages ?? []).map((p) => [p.id, p.name]));
    const featureNames = new Map((features.data?.features ?? []).map((f) => [f.id, f.name]));
    return {
      pages: pages.data?.pages ?? [],
      features: features.data?.features ?? [],
      error: pages.error ?? features.error,
      names: { page: (id: string) => pageNames.get(id) ?? id, feature: (id: string) => featureNames.get(id) ?? id },
    };
  }, [pages.data, features.data, pages.error, features.error]);
}

/** Saved segments: who they select, in words. */
export function Segments() {
  // Member counts are evaluated now, for every segment: the list asks for them.
  const segments = useApi<{ segments: Segment[] }>("/segments?counts=true");
  const defs = useDefinitions();
  const canEdit = useCanEdit();
  return (
    <>
      <PageHeader
        title="Segments"
        description="Segments pick visitors or accounts by metadata (agent, custom, CRM) and behaviour. Reports, guides and the CRM push use them."
        actions={canEdit && <Button onClick={() => navigate("/segments/new")}>New segment</Button>}
      />
      <ErrorNotice error={defs.error} />
      <Loaded state={segments} label="Loading segments…">{() => (
        <DataTable
          testId="segments-table"
          rows={segments.data?.segments ?? []}
          rowKey={(s) => s.id}
          columns={[
            { key: "name", label: "Name", render: (s) => <Link to={`/segments/${encodeURIComponent(s.id)}`}>{s.name}</Link> },
            {
              key: "definition",
              label: "Who is in it",
              sortValue: (s) => summarize(s.definition, defs.names),
              render: (s) => (
                <Text size="sm" lineClamp={2}>
                  {summarize(s.definition, defs.names)}
                </Text>
              ),
            },
            { key: "accounts", label: "Accounts", align: "right", sortValue: (s) => s.counts?.accounts ?? 0, render: (s) => (s.counts?.accounts ?? 0).toLocaleString("en-US") },
            { key: "visitors", label: "Visitors", align: "right", sortValue: (s) => s.counts?.visitors ?? 0, render: (s) => (s.counts?.visitors ?? 0).toLocaleString("en-US") },
            { key: "updatedAt", label: "Updated", render: (s) => (s.definition === null ? <Badge variant="light">built in</Badge> : formatTime(s.updatedAt)) },
          ]}
        />
      )}</Loaded>
    </>
  );
}

/** Field names seen in a sample of visitor and account metadata, and the CRM fields pulled. */
function useFieldSuggestions(): (target: Target, group: MetaGroup) => string[] {
  const accounts = useApi<{ accounts: Entity[] }>("/accounts?limit=100");
  const visitors = useApi<{ visitors: Entity[] }>("/visitors?limit=100");
  const pull = useApi<{ accountFields?: string[]; visitorFields?: string[] }>("/sync/pull");
  return useMemo(() => {
    const keys = new Map<string, Set<string>>();
    const add = (target: Target, list: Entity[] | undefined) => {
      for (const e of list ?? [])
        for (const group of ["agent", "custom", "crm"] as const) {
          const k = `${target}.${group}`;
          const set = keys.get(k) ?? new Set<string>();
          for (const name of Object.keys(e.metadata[group] ?? {})) set.add(name);
          keys.set(k, set);
        }
    };
    add("account", accounts.data?.accounts);
    add("visitor", visitors.data?.visitors);
    const crmAccount = keys.get("account.crm") ?? new Set<string>();
    for (const f of pull.data?.accountFields ?? []) crmAccount.add(f);
    keys.set("account.crm", crmAccount);
    const crmVisitor = keys.get("visitor.crm") ?? new Set<string>();
    for (const f of pull.data?.visitorFields ?? []) crmVisitor.add(f);
    keys.set("visitor.crm", crmVisitor);
    return (target, group) => [...(keys.get(`${target}.${group}`) ?? [])].sort((a, b) => a.localeCompare(b));
  }, [accounts.data, visitors.data, pull.data]);
}

type BuilderContext = {
  fields(target: Target, group: MetaGroup): string[];
  pages: PageDef[];
  features: FeatureDef[];
  nps: boolean;
  /** The error to place beside the field it names. */
  error: ApiError | undefined;
  showMissing: boolean;
  change(uid: string, next: TreeNode | null): void;
};

/** Builds or edits a segment with a live member count; a saved one also lists its members. */
export function SegmentEditor(props: { params: Record<string, string> }) {
  const id = props.params["id"];
  const isNew = id === undefined;
  const saved = useApi<Segment>(isNew ? null : `/segments/${encodeURIComponent(id)}`);
  const defs = useDefinitions();
  const fields = useFieldSuggestions();
  const columns = useApi<{ columns: { id: string }[] }>("/reports/columns");
  const nps = (columns.data?.columns ?? []).some((c) => c.id === "nps.score");
  const canEdit = useCanEdit();
  const [name, setName] = useState("");
  const [tree, setTree] = useState<GroupNode>(() => newGroup("and"));
  const [kind, setKind] = useState<Kind>("account");
  const [showMissing, setShowMissing] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [deleting, setDeleting] = useState(false);
  const [membersTick, setMembersTick] = useState(0);

  // The tree's node ids are the editor's own: what counts is the name and the rules as they would be saved.
  const unsaved = useUnsavedChanges({ name, tree: JSON.parse(JSON.stringify(tree, (k, v: unknown) => (k === "uid" ? undefined : v))) as unknown }, "This segment");
  useEffect(() => {
    if (!saved.data) return;
    setName(saved.data.name);
    if (saved.data.definition) setTree(fromDefinition(saved.data.definition));
    unsaved.markSaved();
  }, [saved.data]);

  const { definition, complete } = useMemo(() => toDefinition(tree), [tree]);
  const previewKey = complete ? JSON.stringify({ definition, kind }) : null;
  const preview = usePreview(previewKey, (k, signal) => api<{ count: number; sample: string[] }>("/segments/preview", { body: JSON.parse(k) as Record<string, unknown>, signal }));
  const save = useMutation((body: { name: string; definition: ApiGroup }) =>
    api<Segment>(isNew ? "/segments" : `/segments/${encodeURIComponent(id)}`, { method: isNew ? "POST" : "PUT", body }),
  );
  const remove = useMutation(() => api(`/segments/${encodeURIComponent(id ?? "")}`, { method: "DELETE" }));

  async function submit(e: FormEvent) {
    e.preventDefault();
    setNotice(null);
    if (!complete) {
      setShowMissing(true);
      return;
    }
    const r = await save.run({ name, definition });
    if (!r) return;
    unsaved.markSaved();
    if (isNew) navigate(`/segments/${encodeURIComponent(r.id)}`, { replace: true });
    else {
      setNotice(`Saved ${r.name}.`);
      setMembersTick((t) => t + 1);
    }
  }

  if (!isNew && saved.loading && !saved.data) return <Loading label="Loading the segment…" />;
  if (!isNew && saved.error) {
    return (
      <>
        <PageHeader title="Segment" back={{ to: "/segments", label: "All segments" }} />
        <ErrorNotice error={saved.error} onRetry={saved.reload} />
      </>
    );
  }
  if (saved.data && saved.data.definition === null) {
    return (
      <>
        <PageHeader title={saved.data.name} back={{ to: "/segments", label: "All segments" }} />
        <Alert color="blue" mb="md" title="Built in">
          This segment holds every visitor and account and cannot be changed.
        </Alert>
        <Members segmentId={saved.data.id} tick={0} />
      </>
    );
  }

  const ruleError = save.error ?? preview.error;
  const ctx: BuilderContext = {
    fields,
    pages: defs.pages,
    features: defs.features,
    nps,
    error: ruleError,
    showMissing,
    change: (uid, next) => setTree((t) => (uid === t.uid ? (next && isGroupNode(next) ? next : t) : replaceNode(t, uid, next))),
  };
  const definitionError = ruleError && ruleError.field?.startsWith("definition") && !fieldInTree(tree, ruleError.field) ? ruleError : undefined;

  return (
    <>
      <PageHeader title={isNew ? "New segment" : `Segment ${saved.data?.name ?? ""}`} back={{ to: "/segments", label: "All segments" }} badge={unsaved.mark} />
      <ErrorNotice error={defs.error} />
      {notice && (
        <Alert color="green" mb="md" withCloseButton closeButtonLabel="Dismiss" onClose={() => setNotice(null)} aria-live="polite">
          {notice}
        </Alert>
      )}
      <form onSubmit={submit}>
        <SimpleGrid cols={{ base: 1, lg: 3 }} spacing="lg">
          <Stack style={{ gridColumn: "span 2" }}>
            {save.error && !save.error.field && <ErrorNotice error={save.error} />}
            {definitionError && <ErrorNotice error={definitionError} title="The definition was refused" />}
            <TextInput label="Segment name" required value={name} onChange={(e) => setName(e.currentTarget.value)} error={fieldError(save.error, "name")} maw={480} />
            <GroupEditor node={tree} path="definition" label="Segment rules" depth={0} ctx={ctx} />
            {canEdit && (
              <Group>
                <Button type="submit" loading={save.busy}>
                  {isNew ? "Create segment" : "Save segment"}
                </Button>
                {!isNew && (
                  <Button color="red" variant="light" onClick={() => setDeleting(true)}>
                    Delete segment
                  </Button>
                )}
                {showMissing && !complete && (
                  <Text size="sm" c="red.9" role="alert">
                    Fill in the fields marked required.
                  </Text>
                )}
              </Group>
            )}
          </Stack>
          <Stack>
            <LiveCount kind={kind} onKind={setKind} complete={complete} busy={preview.busy} count={preview.result?.count} sample={preview.result?.sample ?? []} error={preview.error} />
          </Stack>
        </SimpleGrid>
      </form>
      {!isNew && id && <Members segmentId={id} tick={membersTick} />}
      <Modal closeButtonProps={{ "aria-label": "Close" }} opened={deleting} onClose={() => setDeleting(false)} title={`Delete segment ${saved.data?.name ?? ""}?`}>
        <Stack>
          <ErrorNotice error={remove.error} />
          <Text size="sm">Reports, guides and rules using this segment will refuse to run until they pick another.</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setDeleting(false)}>
              Cancel
            </Button>
            <Button
              color="red"
              loading={remove.busy}
              onClick={() =>
                void remove.run(undefined).then((r) => {
                  if (r) navigate("/segments");
                })
              }
            >
              Delete
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}

/** Whether some rule of the tree will show this error field beside its inputs. */
function fieldInTree(tree: GroupNode, field: string): boolean {
  let found = false;
  const walk = (g: GroupNode, path: string) => {
    let i = 0;
    for (const c of g.children) {
      if (isGroupNode(c)) {
        if (c.children.length === 0) continue;
        walk(c, `${path}.rules[${i}]`);
      } else if (field === `${path}.rules[${i}]` || field.startsWith(`${path}.rules[${i}].`)) found = true;
      i++;
    }
  };
  walk(tree, "definition");
  return found;
}

function LiveCount(props: { kind: Kind; onKind(k: Kind): void; complete: boolean; busy: boolean; count: number | undefined; sample: string[]; error: ApiError | undefined }) {
  return (
    <Card component="section" withBorder aria-labelledby="live-count-title" style={{ position: "sticky", top: 72 }}>
      <Group justify="space-between" mb="xs">
        <Title order={2} size="h4" id="live-count-title">
          Live count
        </Title>
        {props.busy && <Loader size="xs" role="status" aria-label="Counting" />}
      </Group>
      <SegmentedControl
        fullWidth
        aria-label="Count"
        value={props.kind}
        onChange={(v) => props.onKind(v === "visitor" ? "visitor" : "account")}
        data={[
          { value: "account", label: "Accounts" },
          { value: "visitor", label: "Visitors" },
        ]}
        mb="sm"
      />
      <div aria-live="polite">
        {!props.complete ? (
          <Text size="sm" c="dimmed">
            Fill in every rule to see how many {props.kind}s match.
          </Text>
        ) : props.error ? (
          <Text size="sm" c="red.9">
            {props.error.field ? "Fix the rule marked in the builder to see the count." : props.error.message}
          </Text>
        ) : props.count === undefined ? (
          <Text size="sm" c="dimmed">
            Counting…
          </Text>
        ) : (
          <>
            <Text size="2rem" fw={700} lh={1.2} data-testid="live-count">
              {props.count.toLocaleString("en-US")}
            </Text>
            <Text size="sm" c="dimmed">
              {props.kind}
              {props.count === 1 ? "" : "s"} match right now
            </Text>
            {props.sample.length > 0 && (
              <Text size="xs" mt="xs" c="dimmed">
                For example: {props.sample.slice(0, 5).join(", ")}
                {props.count > 5 ? "…" : ""}
              </Text>
            )}
          </>
        )}
      </div>
    </Card>
  );
}

const DEPTH_COLORS = ["var(--mantine-color-blue-6)", "var(--mantine-color-grape-6)", "var(--mantine-color-teal-7)", "var(--mantine-color-orange-7)"];

function GroupEditor(props: { node: GroupNode; path: string; label: string; depth: number; ctx: BuilderContext; onRemove?: () => void }) {
  const { node, ctx } = props;
  const add = (child: TreeNode) => ctx.change(node.uid, { ...node, children: [...node.children, child] });
  let apiIndex = 0;
  return (
    <Card withBorder role="group" aria-label={props.label} p="sm" style={{ borderLeft: `4px solid ${DEPTH_COLORS[props.depth % DEPTH_COLORS.length] ?? "gray"}` }}>
      <Group justify="space-between" mb="xs" wrap="nowrap">
        <Group gap="xs">
          <Text size="sm" fw={600}>
            {props.depth === 0 ? "Include who matches" : props.label}
          </Text>
          <SegmentedControl
            size="xs"
            aria-label={`How ${props.label} combines its rules`}
            value={node.op}
            onChange={(v) => ctx.change(node.uid, { ...node, op: v === "or" ? "or" : "and" })}
            data={[
              { value: "and", label: "all of these (AND)" },
              { value: "or", label: "any of these (OR)" },
            ]}
          />
        </Group>
        {props.onRemove && (
          <Button size="compact-xs" variant="subtle" color="red" onClick={props.onRemove} aria-label={`Remove ${props.label}`}>
            Remove group
          </Button>
        )}
      </Group>
      <Stack gap="xs">
        {node.children.length === 0 && (
          <Text size="sm" c="dimmed">
            This group is empty; add a rule.
          </Text>
        )}
        {node.children.map((c, i) => {
          const number = props.depth === 0 ? `${i + 1}` : `${props.label.replace(/^Group /, "")}.${i + 1}`;
          const empty = isGroupNode(c) && c.children.length === 0;
          const path = `${props.path}.rules[${apiIndex}]`;
          if (!empty) apiIndex++;
          return isGroupNode(c) ? (
            <GroupEditor key={c.uid} node={c} path={path} label={`Group ${number}`} depth={props.depth + 1} ctx={ctx} onRemove={() => ctx.change(c.uid, null)} />
          ) : (
            <RuleEditor key={c.uid} node={c} path={path} label={`Rule ${number}`} ctx={ctx} />
          );
        })}
      </Stack>
      <Group gap="xs" mt="sm">
        <Button size="compact-sm" variant="light" onClick={() => add(newMetadataRule())} aria-label={`Add a field rule to ${props.label}`}>
          + Field rule
        </Button>
        <Button size="compact-sm" variant="light" onClick={() => add(newBehaviorRule())} aria-label={`Add a behaviour rule to ${props.label}`}>
          + Behaviour rule
        </Button>
        {ctx.nps && (
          <Button size="compact-sm" variant="light" onClick={() => add(newNpsRule())} aria-label={`Add an NPS rule to ${props.label}`}>
            + NPS rule
          </Button>
        )}
        {props.depth < 4 && (
          <Button size="compact-sm" variant="default" onClick={() => add(newGroup(node.op === "and" ? "or" : "and"))} aria-label={`Add a nested group to ${props.label}`}>
            + Nested group
          </Button>
        )}
      </Group>
    </Card>
  );
}

const GROUP_OPTIONS = [
  { value: "agent", label: "Agent (from initialize)" },
  { value: "custom", label: "Custom (set by API)" },
  { value: "crm", label: "CRM (pulled)" },
];

function RuleEditor(props: { node: RuleNode; path: string; label: string; ctx: BuilderContext }) {
  const { node, ctx, path } = props;
  const r = node.rule;
  const set = (next: RuleDraft) => ctx.change(node.uid, { ...node, rule: next });
  const missing = ctx.showMissing ? missingFields(r) : [];
  /** The server's message for `field` of this rule, else "Required" when it is empty and a save was tried. */
  const err = (field: string): string | undefined => fieldError(ctx.error, `${path}.${field}`) ?? (missing.includes(field) ? "Required" : undefined);
  const ruleLevel = ctx.error && ctx.error.field === path ? ctx.error.message : undefined;
  return (
    <Card withBorder role="group" aria-label={props.label} p="xs" bg="gray.0">
      <Group justify="space-between" mb={4}>
        <Text size="xs" fw={700} c="dimmed" tt="uppercase">
          {props.label} · {r.kind === "metadata" ? "field" : r.kind === "behavior" ? "behaviour" : "NPS"}
        </Text>
        <Button size="compact-xs" variant="subtle" color="red" onClick={() => ctx.change(node.uid, null)} aria-label={`Remove ${props.label}`}>
          Remove
        </Button>
      </Group>
      {r.kind === "metadata" && (
        <Group align="flex-start" gap="xs" grow preventGrowOverflow={false}>
          <Select
            label="Of the"
            data={[
              { value: "account", label: "Account" },
              { value: "visitor", label: "Visitor" },
            ]}
            value={r.target}
            onChange={(v) => set({ ...r, target: v === "visitor" ? "visitor" : "account" })}
            allowDeselect={false}
            maw={120}
          />
          <Select label="Group" data={GROUP_OPTIONS} value={r.group} onChange={(v) => set({ ...r, group: v === "agent" || v === "crm" ? v : "custom" })} allowDeselect={false} maw={200} />
          <Autocomplete label="Field" placeholder="plan" data={ctx.fields(r.target, r.group)} value={r.key} onChange={(v) => set({ ...r, key: v })} error={err("key")} />
          <Select label="Operator" data={OPERATORS} value={r.operator} onChange={(v) => set({ ...r, operator: OPERATORS.find((o) => o.value === v)?.value ?? "equals" })} allowDeselect={false} />
          {needsValue(r.operator) &&
            (isDayOperator(r.operator) ? (
              <NumberInput label="Days" min={1} allowDecimal={false} value={r.value} onChange={(v) => set({ ...r, value: String(v) })} error={err("value")} maw={110} />
            ) : (
              <TextInput label={r.operator === "between" ? "From" : "Value"} value={r.value} onChange={(e) => set({ ...r, value: e.currentTarget.value })} error={err("value")} />
            ))}
          {r.operator === "between" && <TextInput label="To" value={r.value2} onChange={(e) => set({ ...r, value2: e.currentTarget.value })} error={err("value2")} />}
        </Group>
      )}
      {r.kind === "behavior" && (
        <Group align="flex-start" gap="xs" grow preventGrowOverflow={false}>
          <Select
            label="Did"
            data={[
              { value: "page", label: "View a page" },
              { value: "feature", label: "Click a feature" },
              { value: "track", label: "Send a track event" },
            ]}
            value={r.event}
            onChange={(v) => set({ ...r, event: v === "feature" || v === "track" ? v : "page", id: "" })}
            allowDeselect={false}
            maw={190}
          />
          {r.event === "track" ? (
            <TextInput label="Event name" placeholder="report_exported" value={r.id} onChange={(e) => set({ ...r, id: e.currentTarget.value })} error={err("id")} />
          ) : (
            <Select
              label={r.event === "page" ? "Page" : "Feature"}
              placeholder={r.event === "page" ? "Choose a page" : "Choose a feature"}
              searchable
              nothingFoundMessage={r.event === "page" ? "No page defined yet" : "No feature defined yet"}
              data={(r.event === "page" ? ctx.pages : ctx.features).map((d) => ({ value: d.id, label: d.name }))}
              value={r.id === "" ? null : r.id}
              onChange={(v) => set({ ...r, id: v ?? "" })}
              error={err("id")}
            />
          )}
          <Select
            label="When"
            data={CONDITIONS}
            value={r.condition}
            onChange={(v) => set({ ...r, condition: CONDITIONS.find((c) => c.value === v)?.value ?? "ever" })}
            allowDeselect={false}
            maw={210}
          />
          {(r.condition === "atLeast" || r.condition === "atMost") && (
            <NumberInput label="Times" min={0} allowDecimal={false} value={r.count} onChange={(v) => set({ ...r, count: String(v) })} error={err("count")} maw={100} />
          )}
          {(r.condition === "withinLastDays" || optionalDays(r.condition)) && (
            <NumberInput
              label={r.condition === "withinLastDays" ? "Days" : "In the last N days (optional)"}
              min={1}
              max={3650}
              allowDecimal={false}
              value={r.days}
              onChange={(v) => set({ ...r, days: String(v) })}
              error={err("days")}
              maw={r.condition === "withinLastDays" ? 100 : 200}
            />
          )}
          {r.condition === "since" && <TextInput type="date" label="Since" value={r.date} onChange={(e) => set({ ...r, date: e.currentTarget.value })} error={err("date")} maw={170} />}
        </Group>
      )}
      {r.kind === "nps" && (
        <Group align="flex-start" gap="xs" grow preventGrowOverflow={false}>
          <Select
            label="Latest NPS answer is a"
            data={[
              { value: "promoter", label: "Promoter (9–10)" },
              { value: "passive", label: "Passive (7–8)" },
              { value: "detractor", label: "Detractor (0–6)" },
            ]}
            value={r.category}
            onChange={(v) => set({ ...r, category: v === "passive" || v === "detractor" ? v : "promoter" })}
            allowDeselect={false}
            error={err("category")}
          />
          <Select
            label="Answers of"
            data={[
              { value: "", label: "Whoever is counted" },
              { value: "account", label: "The account's visitors" },
              { value: "visitor", label: "The visitor" },
            ]}
            value={r.target}
            onChange={(v) => set({ ...r, target: v === "account" || v === "visitor" ? v : "" })}
            allowDeselect={false}
            error={err("target")}
          />
          <NumberInput label="Answered in the last N days (optional)" min={1} max={3650} allowDecimal={false} value={r.days} onChange={(v) => set({ ...r, days: String(v) })} error={err("days")} />
        </Group>
      )}
      {ruleLevel && (
        <Text size="sm" c="red.9" mt={4} role="alert">
          {ruleLevel}
        </Text>
      )}
    </Card>
  );
}

function Members(props: { segmentId: string; tick: number }) {
  const [kind, setKind] = useState<Kind>("account");
  const members = useApi<{ count: number; members: string[] }>(`/segments/${encodeURIComponent(props.segmentId)}/members?kind=${kind}&limit=100`);
  const { reload } = members;
  useEffect(() => {
    if (props.tick > 0) reload();
  }, [props.tick, reload]);
  return (
    <Card component="section" withBorder mt="lg" aria-labelledby="members-title">
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4" id="members-title">
          Members (saved definition)
        </Title>
        <SegmentedControl
          size="xs"
          aria-label="Members to list"
          value={kind}
          onChange={(v) => setKind(v === "visitor" ? "visitor" : "account")}
          data={[
            { value: "account", label: "Accounts" },
            { value: "visitor", label: "Visitors" },
          ]}
        />
      </Group>
      <ErrorNotice error={members.error} onRetry={members.reload} />
      {members.loading && !members.data ? (
        <Loading label="Loading members…" />
      ) : members.data ? (
        <>
          <Text size="sm" mb="xs" data-testid="members-count">
            {members.data.count.toLocaleString("en-US")} {kind}
            {members.data.count === 1 ? "" : "s"}
            {members.data.count > members.data.members.length ? `, the first ${members.data.members.length} shown` : ""}
          </Text>
          <DataTable
            testId="members-table"
            rows={members.data.members.map((m) => ({ id: m }))}
            rowKey={(m) => m.id}
            empty={`No ${kind} matches this segment right now.`}
            columns={[{ key: "id", label: kind === "account" ? "Account id" : "Visitor id", render: (m) => <Link to={`/${kind}s/${encodeURIComponent(m.id)}`}>{m.id}</Link> }]}
          />
        </>
      ) : null}
    </Card>
  );
}
