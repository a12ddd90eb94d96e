import { TitleWithMark, useUnsavedChanges } from "../../../components/unsaved";
import { ActionIcon, Alert, Button, Card, Code, Group, List, Loader, Modal, Stack, Text, TextInput, Title } from "@mantine/core";
import { useState, type FormEvent, type ReactNode } from "react";
import { api, type ApiError } from "../../../api";
import { useCanEdit } from "../../../auth";
import { DataTable, ErrorNotice, PageHeader, formatTime, type Column, Loaded } from "../../../components/common";
import { fieldError, useApi, useMutation } from "../../../use-api";
import { RuleErrorText, formatPath, usePreview } from "./shared";

/** Use over the last `days` days, when a list asks for it (`?usageDays=`). */
type Usage = { days: number; events: number; visitors: number; accounts: number };
export type PageDef = { id: string; name: string; rules: string[]; updatedAt: number; usage?: Usage };
export type FeatureDef = { id: string; name: string; selector: string; updatedAt: number; usage?: Usage };

/** The days of use the page and feature lists show. */
const USAGE_DAYS = 30;

/** List columns for a definition's recent use: the count, then the visitors and accounts behind it. */
function usageColumns<R extends { usage?: Usage }>(noun: string): Column<R>[] {
  const n = (r: R, k: keyof Omit<Usage, "days">): number => r.usage?.[k] ?? 0;
  const cell = (v: number) => v.toLocaleString("en-US");
  return [
    { key: "events", label: `${noun} (${USAGE_DAYS} days)`, align: "right", sortValue: (r) => n(r, "events"), render: (r) => cell(n(r, "events")) },
    { key: "visitors", label: "Visitors", align: "right", sortValue: (r) => n(r, "visitors"), render: (r) => cell(n(r, "visitors")) },
    { key: "accounts", label: "Accounts", align: "right", sortValue: (r) => n(r, "accounts"), render: (r) => cell(n(r, "accounts")) },
  ];
}
type PathElement = { tag: string; id?: string; classes?: string[]; text?: string };

function PreviewCard(props: { title: string; busy: boolean; count: number | undefined; noun: string; waiting: string; children?: ReactNode; errorText?: string }) {
  return (
    <Card withBorder bg="gray.0" aria-live="polite" data-testid="rule-preview">
      <Group justify="space-between" mb="xs">
        <Title order={3} size="h5">
          {props.title}
        </Title>
        {props.busy && <Loader size="xs" role="status" aria-label="Updating the preview" />}
      </Group>
      {props.errorText ? (
        <Text size="sm" c="red.9">
          {props.errorText}
        </Text>
      ) : props.count === undefined ? (
        <Text size="sm" c="dimmed">
          {props.waiting}
        </Text>
      ) : (
        <>
          <Text size="sm" fw={600} data-testid="preview-count">
            {props.count.toLocaleString("en-US")} stored {props.noun}
            {props.count === 1 ? " matches" : "s match"}
          </Text>
          {props.children}
        </>
      )}
    </Card>
  );
}

function ConfirmDelete(props: { what: string | null; onClose(): void; onConfirm(): Promise<unknown>; busy: boolean; error: ApiError | undefined; effect: string }) {
  return (
    <Modal closeButtonProps={{ "aria-label": "Close" }} opened={props.what !== null} onClose={props.onClose} title={`Delete ${props.what ?? ""}?`}>
      <Stack>
        <ErrorNotice error={props.error} />
        <Text size="sm">{props.effect}</Text>
        <Group justify="flex-end">
          <Button variant="default" onClick={props.onClose}>
            Cancel
          </Button>
          <Button color="red" loading={props.busy} onClick={() => void props.onConfirm()}>
            Delete
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

type Definition = { id: string; name: string; updatedAt: number; usage?: Usage };

/**
 * The list screen shared by pages and features: the table (name, the rule column, recent use,
 * updated, edit/delete), the editor dialog, the saved notice and the delete confirmation.
 */
function DefinitionList<D extends Definition>(props: {
  kind: "page" | "feature";
  title: string;
  description: string;
  empty: string;
  ruleColumn: Column<D>;
  usageNoun: string;
  /** What a rule is matched against, singular and plural ("stored URL", "stored URLs"). */
  matches: [string, string];
  deleteEffect: string;
  editor(props: { definition: D | null; onClose(): void; onSaved(name: string, matched: number): void }): ReactNode;
}) {
  const { kind } = props;
  const path = `/${kind}s`;
  const list = useApi<Record<string, D[]>>(`${path}?usageDays=${USAGE_DAYS}`);
  const canEdit = useCanEdit();
  const [editing, setEditing] = useState<D | "new" | null>(null);
  const [deleting, setDeleting] = useState<D | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const remove = useMutation((id: string) => api(`${path}/${encodeURIComponent(id)}`, { method: "DELETE" }));
  return (
    <>
      <PageHeader title={props.title} description={props.description} actions={canEdit && <Button onClick={() => setEditing("new")}>New {kind}</Button>} />
      {notice && (
        <Alert color="green" mb="md" withCloseButton closeButtonLabel="Dismiss" onClose={() => setNotice(null)} aria-live="polite">
          {notice}
        </Alert>
      )}
      <Loaded state={list} label={`Loading ${kind}s…`}>{() => (
        <DataTable
          testId={`${kind}s-table`}
          rows={list.data?.[`${kind}s`] ?? []}
          rowKey={(d) => d.id}
          empty={props.empty}
          columns={[
            { key: "name", label: "Name" },
            props.ruleColumn,
            ...usageColumns<D>(props.usageNoun),
            { key: "updatedAt", label: "Updated", render: (d) => formatTime(d.updatedAt) },
            ...(canEdit
              ? [
                  {
                    key: "actions",
                    label: "Actions",
                    render: (d: D) => (
                      <Group gap={4} wrap="nowrap">
                        <Button size="compact-xs" variant="subtle" aria-label={`Edit ${kind} ${d.name}`} onClick={() => setEditing(d)}>
                          Edit
                        </Button>
                        <Button size="compact-xs" variant="subtle" color="red" aria-label={`Delete ${kind} ${d.name}`} onClick={() => setDeleting(d)}>
                          Delete
                        </Button>
                      </Group>
                    ),
                  },
                ]
              : []),
          ]}
        />
      )}</Loaded>
      {editing !== null &&
        props.editor({
          definition: editing === "new" ? null : editing,
          onClose: () => setEditing(null),
          onSaved: (name, matched) => {
            setEditing(null);
            setNotice(`Saved ${kind} ${name}: it matches ${matched.toLocaleString("en-US")} ${props.matches[matched === 1 ? 0 : 1]}.`);
            list.reload();
          },
        })}
      <ConfirmDelete
        what={deleting ? `${kind} ${deleting.name}` : null}
        effect={props.deleteEffect}
        busy={remove.busy}
        error={remove.error}
        onClose={() => {
          setDeleting(null);
          remove.clear();
        }}
        onConfirm={async () => {
          if (deleting && (await remove.run(deleting.id))) {
            setDeleting(null);
            list.reload();
          }
        }}
      />
    </>
  );
}

/** Pages: named URL rules, applied to all stored history. */
export function Pages() {
  return (
    <DefinitionList<PageDef>
      kind="page"
      title="Pages"
      description="A page is one or more URL rules. Rules apply to every stored event, so a new page has history from day one."
      empty="No pages yet. Create one from a URL rule such as /reports/*."
      ruleColumn={{
        key: "rules",
        label: "URL rules",
        sortValue: (p) => p.rules.join(" "),
        render: (p) => (
          <Group gap={4}>
            {p.rules.map((r, i) => (
              <Code key={i}>{r}</Code>
            ))}
          </Group>
        ),
      }}
      usageNoun="Views"
      matches={["stored URL", "stored URLs"]}
      deleteEffect="Its page views disappear from every report and segment that uses it. Events are kept, so a new page with the same rules brings them back."
      editor={(e) => <PageEditor page={e.definition} onClose={e.onClose} onSaved={e.onSaved} />}
    />
  );
}

function PageEditor(props: { page: PageDef | null; onClose(): void; onSaved(name: string, matchedUrls: number): void }) {
  const [name, setName] = useState(props.page?.name ?? "");
  const [rules, setRules] = useState<string[]>(props.page?.rules ?? [""]);
  const unsaved = useUnsavedChanges({ name, rules }, "This page");
  const close = () => unsaved.mayClose() && props.onClose();
  const filled = rules.map((r, i) => ({ r, i })).filter((x) => x.r.trim() !== "");
  const key = filled.length > 0 ? JSON.stringify(filled.map((x) => x.r)) : null;
  const preview = usePreview(key, (k, signal) => api<{ matchedUrls: number; sample: string[] }>("/pages/preview", { body: { rules: JSON.parse(k) as string[], limit: 20 }, signal }));
  const save = useMutation((body: { name: string; rules: string[] }) =>
    api<PageDef & { matchedUrls: number }>(props.page ? `/pages/${encodeURIComponent(props.page.id)}` : "/pages", { method: props.page ? "PUT" : "POST", body }),
  );
  // The server numbers the rules it was sent (blank ones are left out); map back to the inputs.
  const errorFor = (error: ApiError | undefined, inputIndex: number): ApiError | undefined => {
    const sent = filled.findIndex((x) => x.i === inputIndex);
    return sent >= 0 && fieldError(error, `rules[${sent}]`) ? error : undefined;
  };
  async function submit(e: FormEvent) {
    e.preventDefault();
    const r = await save.run({ name, rules: filled.map((x) => x.r) });
    if (!r) return;
    unsaved.markSaved();
    props.onSaved(r.name, r.matchedUrls);
  }
  const shownError = save.error ?? preview.error;
  return (
    <Modal closeButtonProps={{ "aria-label": "Close" }} opened onClose={close} title={<TitleWithMark title={props.page ? `Edit page ${props.page.name}` : "New page"} unsaved={unsaved} />} size="xl">
      <form onSubmit={submit}>
        <Stack>
          {save.error && !save.error.field && <ErrorNotice error={save.error} />}
          <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} error={fieldError(save.error, "name")} data-autofocus />
          <Stack gap="xs">
            <Text size="sm" fw={500}>
              URL rules (a URL matching any rule counts)
            </Text>
            <Text size="xs" c="dimmed">
              <Code>*</Code> is any text within one path segment or the host, <Code>**</Code> the rest of the path, <Code>~contains:text</Code> any path containing the text;
              add <Code>?param=value</Code> to require a query parameter. Without a host, any host matches.
            </Text>
            {rules.map((rule, i) => {
              const err = errorFor(shownError, i);
              return (
                <Group key={i} align="flex-start" wrap="nowrap" gap="xs">
                  <TextInput
                    style={{ flex: 1 }}
                    label={`Rule ${i + 1}`}
                    placeholder="/reports/*"
                    value={rule}
                    onChange={(e) => {
                      const v = e.currentTarget.value;
                      setRules((rs) => rs.map((x, j) => (j === i ? v : x)));
                    }}
                    error={err ? <RuleErrorText error={err} rule={rule} /> : undefined}
                    styles={{ input: { fontFamily: "monospace" } }}
                  />
                  {rules.length > 1 && (
                    <ActionIcon mt={26} variant="subtle" color="red" aria-label={`Remove rule ${i + 1}`} onClick={() => setRules((rs) => rs.filter((_, j) => j !== i))}>
                      ×
                    </ActionIcon>
                  )}
                </Group>
              );
            })}
            <Group>
              <Button size="xs" variant="light" onClick={() => setRules((rs) => [...rs, ""])} disabled={rules.length >= 50}>
                Add rule
              </Button>
            </Group>
          </Stack>
          <PreviewCard
            title="Matches in stored history"
            busy={preview.busy}
            count={preview.result?.matchedUrls}
            noun="URL"
            waiting="Type a rule to see which stored URLs it matches."
            {...(preview.error ? { errorText: preview.error.field ? "Fix the rule marked above to see matches." : preview.error.message } : {})}
          >
            {preview.result && preview.result.sample.length > 0 && (
              <List size="sm" mt="xs" spacing={2} data-testid="preview-sample">
                {preview.result.sample.map((u) => (
                  <List.Item key={u}>
                    <Code>{u}</Code>
                  </List.Item>
                ))}
              </List>
            )}
            {preview.result && preview.result.matchedUrls > preview.result.sample.length && (
              <Text size="xs" c="dimmed" mt={4}>
                Showing the first {preview.result.sample.length}.
              </Text>
            )}
          </PreviewCard>
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" loading={save.busy}>
              {props.page ? "Save page" : "Create page"}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** Features: named CSS selectors over clicked elements, applied to all stored clicks. */
export function Features() {
  return (
    <DefinitionList<FeatureDef>
      kind="feature"
      title="Features"
      description="A feature is a CSS selector over clicked elements and their ancestors. Like pages, it counts every stored click from the start."
      empty="No features yet. Create one from a selector such as button#export."
      ruleColumn={{ key: "selector", label: "Selector", render: (f) => <Code>{f.selector}</Code> }}
      usageNoun="Clicks"
      matches={["stored click path", "stored click paths"]}
      deleteEffect="Its clicks disappear from every report and segment that uses it. Events are kept, so a new feature with the same selector brings them back."
      editor={(e) => <FeatureEditor feature={e.definition} onClose={e.onClose} onSaved={e.onSaved} />}
    />
  );
}

function FeatureEditor(props: { feature: FeatureDef | null; onClose(): void; onSaved(name: string, matchedElements: number): void }) {
  const [name, setName] = useState(props.feature?.name ?? "");
  const [selector, setSelector] = useState(props.feature?.selector ?? "");
  const unsaved = useUnsavedChanges({ name, selector }, "This feature");
  const close = () => unsaved.mayClose() && props.onClose();
  const key = selector.trim() === "" ? null : selector;
  const preview = usePreview(key, (k, signal) => api<{ matchedElements: number; sample: PathElement[][] }>("/features/preview", { body: { selector: k, limit: 20 }, signal }));
  const save = useMutation((body: { name: string; selector: string }) =>
    api<FeatureDef & { matchedElements: number }>(props.feature ? `/features/${encodeURIComponent(props.feature.id)}` : "/features", { method: props.feature ? "PUT" : "POST", body }),
  );
  async function submit(e: FormEvent) {
    e.preventDefault();
    const r = await save.run({ name, selector });
    if (!r) return;
    unsaved.markSaved();
    props.onSaved(r.name, r.matchedElements);
  }
  const selectorError = fieldError(save.error, "selector") ? save.error : fieldError(preview.error, "selector") ? preview.error : undefined;
  return (
    <Modal closeButtonProps={{ "aria-label": "Close" }} opened onClose={close} title={<TitleWithMark title={props.feature ? `Edit feature ${props.feature.name}` : "New feature"} unsaved={unsaved} />} size="xl">
      <form onSubmit={submit}>
        <Stack>
          {save.error && !save.error.field && <ErrorNotice error={save.error} />}
          <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} error={fieldError(save.error, "name")} data-autofocus />
          <TextInput
            label="CSS selector"
            description="Matches the clicked element or any of its ancestors, e.g. button#export, [data-action=share], nav .menu a. Sibling selectors (+, ~, :nth-child) are not available."
            placeholder="button#export"
            required
            value={selector}
            onChange={(e) => setSelector(e.currentTarget.value)}
            error={selectorError ? <RuleErrorText error={selectorError} rule={selector} /> : undefined}
            styles={{ input: { fontFamily: "monospace" } }}
          />
          <PreviewCard
            title="Matches in stored clicks"
            busy={preview.busy}
            count={preview.result?.matchedElements}
            noun="click path"
            waiting="Type a selector to see which stored clicks it matches."
            {...(preview.error ? { errorText: preview.error.field ? "Fix the selector to see matches." : preview.error.message } : {})}
          >
            {preview.result && preview.result.sample.length > 0 && (
              <List size="sm" mt="xs" spacing={2} data-testid="preview-sample">
                {preview.result.sample.map((p, i) => (
                  <List.Item key={i}>
                    <Code>{formatPath(p)}</Code>
                  </List.Item>
                ))}
              </List>
            )}
            {preview.result && preview.result.matchedElements > preview.result.sample.length && (
              <Text size="xs" c="dimmed" mt={4}>
                Showing the first {preview.result.sample.length}.
              </Text>
            )}
          </PreviewCard>
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" loading={save.busy}>
              {props.feature ? "Save feature" : "Create feature"}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

