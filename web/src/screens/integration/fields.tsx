import { Badge, Button, Card, Checkbox, Group, Modal, NumberInput, SegmentedControl, Select, SimpleGrid, Stack, Switch, Text, TextInput, Textarea, Title } from "@mantine/core";
import { useMemo, useState, type FormEvent } from "react";
import { api } from "../../api";
import { DataTable, ErrorNotice, Loading, PageHeader } from "../../components/common";
import { useCanEdit } from "../../auth";
import { Link } from "../../router";
import { fieldError, useApi, useMutation } from "../../use-api";
import { apiNameFor, isBuiltIn, type ConnectionView, type FieldInfo, type ObjectInfo , Note } from "./shared";

const TYPES = [
  { value: "Text", label: "Text", description: "Names, ids, colours such as red / yellow / green" },
  { value: "Number", label: "Number", description: "Counts and measures (visitors, minutes)" },
  { value: "Percent", label: "Percent", description: "Shares such as adoption %" },
  { value: "Currency", label: "Currency", description: "Money (ARR)" },
  { value: "Date", label: "Date", description: "Days such as last visit or renewal" },
  { value: "DateTime", label: "Date and time", description: "Moments" },
  { value: "Checkbox", label: "Checkbox", description: "Yes or no" },
  { value: "Picklist", label: "Picklist", description: "One of a fixed list of values" },
  { value: "Email", label: "Email", description: "An email address" },
  { value: "Url", label: "URL", description: "A link" },
  { value: "LongTextArea", label: "Long text", description: "Notes" },
] as const;
type FieldType = (typeof TYPES)[number]["value"];

/** The article's fields: three measures pushed to the Account, two success values pulled back. */
const SUGGESTED: { label: string; type: FieldType; pushed: boolean; scale?: number; why: string }[] = [
  { label: "Pendo Number of Visitors (Last 30d)", type: "Number", pushed: true, why: "Active visitors in the last 30 days" },
  { label: "Pendo Time On Site (Last 30d)", type: "Number", pushed: true, scale: 2, why: "Minutes on site in the last 30 days" },
  { label: "Pendo Last Visit (Last 30d)", type: "Date", pushed: true, why: "Day of the account's last visit" },
  { label: "Health Score", type: "Number", pushed: false, why: "Pulled back from customer success" },
  { label: "Renewal Date", type: "Date", pushed: false, why: "Pulled back from customer success" },
];
const ARTICLE_NAMES: Record<string, string> = {
  "Pendo Number of Visitors (Last 30d)": "Pendo_numberofvisitors_last30d__c",
  "Pendo Time On Site (Last 30d)": "Pendo_timeonsite_last30d__c",
  "Pendo Last Visit (Last 30d)": "Pendo_lastvisit_last30d__c",
};

type Draft = { label: string; type: FieldType; pushed: boolean; scale?: number; name?: string };

/** The CRM's Account (or Contact) fields, and custom fields added to the built-in CRM. */
function CrmFields() {
  const canEdit = useCanEdit();
  const [object, setObject] = useState<"Account" | "Contact">("Account");
  const [customOnly, setCustomOnly] = useState(false);
  const [filter, setFilter] = useState("");
  const [draft, setDraft] = useState<Draft | null>(null);
  const [added, setAdded] = useState<string | null>(null);
  const connection = useApi<ConnectionView>("/sync/connection");
  const connected = connection.data !== undefined && connection.data.status === "connected";
  const fields = useApi<ObjectInfo>(connected ? `/sync/fields?object=${object}` : null);
  const prefix = connection.data && connection.data.status !== "disconnected" ? connection.data.fieldPrefix : "Pendo_";
  const builtIn = connection.data?.status === "disconnected" || isBuiltIn(connection.data);
  const rows = useMemo(() => {
    const f = filter.trim().toLowerCase();
    return (fields.data?.fields ?? []).filter((x) => (!customOnly || x.name.endsWith("__c")) && (!f || x.name.toLowerCase().includes(f) || x.label.toLowerCase().includes(f)));
  }, [fields.data, customOnly, filter]);
  const existing = new Set((fields.data?.fields ?? []).map((x) => x.name.toLowerCase()));

  return (
    <>
      <PageHeader
        title="Account fields"
        description={`The CRM fields analytics writes to (their API names start with ${prefix}) and the fields it pulls back for segments and guides.`}
        actions={
          canEdit && builtIn ? (
            <Button onClick={() => setDraft({ label: "", type: "Number", pushed: true })} disabled={connection.loading && !connection.data}>
              Add field
            </Button>
          ) : undefined
        }
      />
      <ErrorNotice error={connection.error ?? (fields.error && fields.error.code !== "CRM_NOT_CONNECTED" ? fields.error : undefined)} title="The CRM's fields could not be listed" onRetry={() => { connection.reload(); fields.reload(); }} retrying={fields.loading} />
      {added && (
        <Note color="green" title="Field added" mb="md" onClose={() => setAdded(null)}>
          <Text size="sm">
            {added} is in the built-in CRM now. {connected ? "" : "Connect the CRM to pull or push it."}
          </Text>
        </Note>
      )}
      {!builtIn && (
        <Note color="blue" title="Connected to a Salesforce org" mb="md">
          <Text size="sm">
            Create fields in Salesforce Setup → Object Manager → {object} → Fields &amp; Relationships. Fields added here go to Pendulum&apos;s built-in CRM only.
          </Text>
        </Note>
      )}
      {canEdit && builtIn && (
        <Card withBorder mb="lg">
          <Title order={2} size="h4" mb={4}>
            Fields the article sets up
          </Title>
          <Text size="sm" c="dimmed" mb="sm">
            Analytics pushes usage into {prefix} fields; customer success fills the others and Pendulum pulls them back.
          </Text>
          <SimpleGrid cols={{ base: 1, md: 2, lg: 3 }} spacing="xs">
            {SUGGESTED.map((s) => {
              const name = ARTICLE_NAMES[s.label] ?? apiNameFor(s.label, s.pushed ? prefix : "");
              const has = existing.has(name.toLowerCase());
              return (
                <Group key={s.label} justify="space-between" wrap="nowrap" gap="xs">
                  <Stack gap={0}>
                    <Text size="sm" fw={600}>
                      {s.label}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {s.type} · {s.why}
                    </Text>
                  </Stack>
                  {has ? (
                    <Badge variant="dot" color="green">
                      added
                    </Badge>
                  ) : (
                    <Button size="compact-sm" variant="light" aria-label={`Add ${s.label}`} onClick={() => setDraft({ ...s, name })}>
                      Add
                    </Button>
                  )}
                </Group>
              );
            })}
          </SimpleGrid>
        </Card>
      )}
      <Group justify="space-between" mb="xs" align="flex-end">
        <Group align="flex-end">
          <SegmentedControl aria-label="CRM object" value={object} onChange={(v) => setObject(v === "Contact" ? "Contact" : "Account")} data={["Account", "Contact"]} />
          <TextInput label="Find a field" placeholder="Name or label" value={filter} onChange={(e) => setFilter(e.currentTarget.value)} size="sm" />
        </Group>
        <Switch label="Custom fields only" checked={customOnly} onChange={(e) => setCustomOnly(e.currentTarget.checked)} />
      </Group>
      {connection.data && !connected ? (
        <Note color="gray" title="Not connected" mb="md">
          <Text size="sm">
            {connection.data.status === "disconnected" ? "Connect the CRM to list its fields." : "The connection needs attention before its fields can be listed."} <Link to="/crm">Open the connection wizard</Link>.
          </Text>
        </Note>
      ) : fields.loading && !fields.data ? (
        <Loading label="Loading fields…" />
      ) : fields.error && !fields.data ? null : (
        <DataTable
          testId="crm-fields"
          caption={`${rows.length} of ${fields.data?.fields.length ?? 0} ${object} fields`}
          rows={rows}
          rowKey={(f) => f.name}
          columns={[
            { key: "label", label: "Label" },
            { key: "name", label: "API name", render: (f) => <Text ff="monospace" size="sm">{f.name}</Text> },
            { key: "type", label: "Type", render: (f) => typeWords(f) },
            {
              key: "use",
              label: "Used for",
              sortValue: (f) => use(f, prefix),
              render: (f) => {
                const u = use(f, prefix);
                return u ? <Badge variant="dot" color={u === "push target" ? "violet" : "gray"}>{u}</Badge> : null;
              },
            },
          ]}
        />
      )}
      <AddField
        draft={draft}
        prefix={prefix}
        onClose={() => setDraft(null)}
        onDone={(name) => {
          setAdded(name);
          setDraft(null);
          fields.reload();
        }}
      />
    </>
  );
}

function use(f: FieldInfo, prefix: string): string {
  if (f.name.toLowerCase().startsWith(prefix.toLowerCase()) && f.name.endsWith("__c")) return "push target";
  if (f.externalId) return "external id";
  if (f.name.endsWith("__c")) return "custom";
  return "";
}

function typeWords(f: FieldInfo): string {
  if (f.type === "double" || f.type === "currency" || f.type === "percent") return `${f.type === "double" ? "number" : f.type}${f.scale ? `, ${f.scale} decimals` : ""}`;
  if (f.type === "string" || f.type === "textarea") return `text (${f.length})`;
  return f.type;
}

type FieldBody = { object: string; name: string; type: string; label: string; length?: number; precision?: number; scale?: number; externalId?: boolean; unique?: boolean; picklist?: string[] };

function AddField(props: { draft: Draft | null; prefix: string; onClose(): void; onDone(name: string): void }) {
  const d = props.draft;
  return (
    <Modal opened={d !== null} onClose={props.onClose} title="Add a custom field to the built-in CRM" size="lg" closeButtonProps={{ "aria-label": "Close" }}>
      {d && <FieldForm key={`${d.label}-${d.type}`} draft={d} prefix={props.prefix} onDone={props.onDone} />}
    </Modal>
  );
}

function FieldForm(props: { draft: Draft; prefix: string; onDone(name: string): void }) {
  const [object, setObject] = useState<string | null>("Account");
  const [label, setLabel] = useState(props.draft.label);
  const [pushed, setPushed] = useState(props.draft.pushed);
  const [name, setName] = useState(props.draft.name ?? "");
  const [nameEdited, setNameEdited] = useState(props.draft.name !== undefined);
  const [type, setType] = useState<string | null>(props.draft.type);
  const [length, setLength] = useState<number | string>(255);
  const [precision, setPrecision] = useState<number | string>(18);
  const [scale, setScale] = useState<number | string>(props.draft.scale ?? 0);
  const [externalId, setExternalId] = useState(false);
  const [unique, setUnique] = useState(false);
  const [values, setValues] = useState("");
  const save = useMutation((body: FieldBody) => api<{ id: string; object: string }>("/crm/fields", { body }));
  const apiName = nameEdited ? name : apiNameFor(label, pushed ? props.prefix : "");
  const numeric = type === "Number" || type === "Percent" || type === "Currency";
  const textual = type === "Text" || type === "Email" || type === "Url" || type === "LongTextArea";
  const keyable = type === "Text" || type === "Number" || type === "Email";
  const prefixMissing = pushed && !apiName.toLowerCase().startsWith(props.prefix.toLowerCase());

  async function submit(e: FormEvent) {
    e.preventDefault();
    const body: FieldBody = { object: object ?? "Account", name: apiName, type: type ?? "Text", label: label.trim() };
    if (numeric) {
      body.precision = Number(precision);
      body.scale = Number(scale);
    }
    if (textual) body.length = Number(length);
    if (keyable && externalId) body.externalId = true;
    if (keyable && unique) body.unique = true;
    if (type === "Picklist") body.picklist = values.split("\n").map((v) => v.trim()).filter(Boolean);
    const r = await save.run(body);
    if (r) props.onDone(`${r.object}.${apiName}`);
  }

  return (
    <form onSubmit={submit}>
      <Stack>
        {save.error && !save.error.field && <ErrorNotice error={save.error} />}
        <Select label="Object" data={["Account", "Contact"]} value={object} onChange={setObject} allowDeselect={false} error={fieldError(save.error, "object")} />
        <TextInput label="Label" description="What people see in the CRM (up to 40 characters)" required maxLength={40} value={label} onChange={(e) => setLabel(e.currentTarget.value)} error={fieldError(save.error, "label")} data-autofocus />
        <Checkbox
          label={`Analytics writes this field (API name starts with ${props.prefix})`}
          description="Pendulum pushes only to fields with this prefix; fields it pulls need no prefix."
          checked={pushed}
          onChange={(e) => setPushed(e.currentTarget.checked)}
        />
        <TextInput
          label="API name"
          description="Letters, digits and single underscores, ending in __c"
          required
          value={apiName}
          onChange={(e) => {
            setNameEdited(true);
            setName(e.currentTarget.value);
          }}
          error={fieldError(save.error, "name") ?? (prefixMissing ? `Analytics can push only to fields starting with ${props.prefix}` : undefined)}
          styles={{ input: { fontFamily: "monospace" } }}
        />
        <Select
          label="Type"
          required
          data={TYPES.map((t) => ({ value: t.value, label: `${t.label} — ${t.description}` }))}
          value={type}
          onChange={setType}
          allowDeselect={false}
          error={fieldError(save.error, "type")}
        />
        {numeric && (
          <Group grow>
            <NumberInput label="Total digits" min={1} max={18} value={precision} onChange={setPrecision} error={fieldError(save.error, "precision")} />
            <NumberInput label="Decimal places" min={0} max={18} value={scale} onChange={setScale} error={fieldError(save.error, "scale")} />
          </Group>
        )}
        {textual && <NumberInput label="Length" description="Most characters the field holds" min={1} max={131072} value={length} onChange={setLength} error={fieldError(save.error, "length")} />}
        {type === "Picklist" && (
          <Textarea label="Values" description="One value per line, for example Red, Yellow, Green" autosize minRows={3} value={values} onChange={(e) => setValues(e.currentTarget.value)} error={fieldError(save.error, "picklist")} required />
        )}
        {keyable && (
          <Group>
            <Checkbox label="External id (can link CRM records to analytics ids)" checked={externalId} onChange={(e) => setExternalId(e.currentTarget.checked)} />
            <Checkbox label="Unique" checked={unique} onChange={(e) => setUnique(e.currentTarget.checked)} />
          </Group>
        )}
        <Group justify="space-between">
          <Text size="xs" c="dimmed">
            Describe and queries see the field as soon as it is added.
          </Text>
          <Button type="submit" loading={save.busy}>
            Add field
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export { CrmFields };
