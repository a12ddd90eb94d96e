import { ActionIcon, Button, Checkbox, Group, Modal, NativeSelect, Pagination, Stack, Table, Text, TextInput } from "@mantine/core";
import { useState, type FormEvent } from "react";
import { api, query } from "../../api";
import { useCanEdit } from "../../auth";
import { DataTable, ErrorNotice, Loading, PageHeader, formatTime, Loaded } from "../../components/common";
import { Link, navigate } from "../../router";
import { fieldError, useApi, useMutation } from "../../use-api";
import { Panel, type CustomObject, type ObjectField } from "./shared";

const FIELD_TYPES = [
  { value: "string", label: "Text" },
  { value: "number", label: "Number" },
  { value: "integer", label: "Whole number" },
  { value: "boolean", label: "Yes / no" },
  { value: "date", label: "Date" },
];

/** Custom objects (the article's MDA): the list and a form to define one. */
export function ObjectsScreen() {
  const list = useApi<{ objects: CustomObject[] }>("/success/objects");
  const canEdit = useCanEdit();
  const [creating, setCreating] = useState(false);
  return (
    <>
      <PageHeader
        title="Custom objects"
        description="Tables of your own for data that is neither Customer Info nor usage: surveys, support tickets, contracts. Rules read and write them."
        actions={canEdit && <Button onClick={() => setCreating(true)}>New object</Button>}
      />
      <Loaded state={list}>{() => (
        <DataTable
          testId="objects-table"
          rows={list.data?.objects ?? []}
          rowKey={(o) => o.name}
          empty="No custom objects yet."
          columns={[
            { key: "label", label: "Object", render: (o) => <Link to={`/success/objects/${encodeURIComponent(o.name)}`}>{o.label}</Link> },
            { key: "name", label: "Name" },
            { key: "fields", label: "Fields", render: (o) => o.fields.map((f) => f.name).join(", "), sortValue: (o) => o.fields.length },
          ]}
        />
      )}</Loaded>
      {creating && (
        <NewObject
          onClose={() => setCreating(false)}
          onCreated={(name) => {
            list.reload();
            navigate(`/success/objects/${encodeURIComponent(name)}`);
          }}
        />
      )}
    </>
  );
}

/** Rows of field definitions (name, label, type, required) that a person adds and removes. */
function FieldRows(props: { fields: ObjectField[]; onChange(fields: ObjectField[]): void; error?: (i: number, key: string) => string | undefined }) {
  const set = (i: number, patch: Partial<ObjectField>) => props.onChange(props.fields.map((f, j) => (j === i ? { ...f, ...patch } : f)));
  return (
    <Stack gap="xs">
      {props.fields.map((f, i) => (
        <Group key={i} align="flex-start" wrap="nowrap">
          <TextInput label={`Field ${i + 1} name`} required value={f.name} onChange={(e) => set(i, { name: e.currentTarget.value })} error={props.error?.(i, "name")} />
          <TextInput label={`Field ${i + 1} label`} value={f.label ?? ""} onChange={(e) => set(i, { label: e.currentTarget.value })} error={props.error?.(i, "label")} />
          <NativeSelect label={`Field ${i + 1} type`} data={FIELD_TYPES} value={f.type} onChange={(e) => set(i, { type: e.currentTarget.value as ObjectField["type"] })} error={props.error?.(i, "type")} />
          <Checkbox label="Required" mt={32} checked={f.required ?? false} onChange={(e) => set(i, { required: e.currentTarget.checked })} />
          <ActionIcon variant="subtle" color="red" mt={28} aria-label={`Remove field ${i + 1}`} disabled={props.fields.length === 1} onClick={() => props.onChange(props.fields.filter((_, j) => j !== i))}>
            ✕
          </ActionIcon>
        </Group>
      ))}
      <Button variant="light" size="xs" w="fit-content" onClick={() => props.onChange([...props.fields, { name: "", label: "", type: "string" }])}>
        Add a field
      </Button>
    </Stack>
  );
}

const cleanFields = (fields: ObjectField[]): ObjectField[] => fields.map((f) => ({ name: f.name.trim(), type: f.type, ...(f.label?.trim() ? { label: f.label.trim() } : {}), ...(f.required ? { required: true } : {}) }));

function NewObject(props: { onClose(): void; onCreated(name: string): void }) {
  const [name, setName] = useState("");
  const [label, setLabel] = useState("");
  const [fields, setFields] = useState<ObjectField[]>([{ name: "", label: "", type: "string" }]);
  const save = useMutation((body: CustomObject) => api<CustomObject>("/success/objects", { body }));
  async function submit(e: FormEvent) {
    e.preventDefault();
    const r = await save.run({ name: name.trim(), label: label.trim(), fields: cleanFields(fields) });
    if (r) {
      props.onCreated(r.name);
      props.onClose();
    }
  }
  return (
    <Modal opened onClose={props.onClose} title="New custom object" size="xl">
      <form onSubmit={submit}>
        <Stack>
          {save.error && !fieldError(save.error, "name", "label", "fields") && <ErrorNotice error={save.error} />}
          <Group grow align="flex-start">
            <TextInput label="Name" description="Letters, digits and _, used by rules" required value={name} onChange={(e) => setName(e.currentTarget.value)} error={fieldError(save.error, "name")} />
            <TextInput label="Label" required value={label} onChange={(e) => setLabel(e.currentTarget.value)} error={fieldError(save.error, "label")} />
          </Group>
          <Text fw={600} size="sm">
            Fields
          </Text>
          <FieldRows fields={fields} onChange={setFields} error={(i, k) => fieldError(save.error, `fields[${i}].${k}`) ?? (k === "name" ? fieldError(save.error, `fields[${i}]`) : undefined)} />
          {fieldError(save.error, "fields") && !/^fields\[\d+\]/.test(save.error?.field ?? "") && (
            <Text c="red.8" size="sm" role="alert">
              {save.error?.message}
            </Text>
          )}
          <Button type="submit" loading={save.busy}>
            Create object
          </Button>
        </Stack>
      </form>
    </Modal>
  );
}

type RecordRow = Record<string, unknown> & { id: string };
const PAGE = 25;

/** One custom object: its fields and its records, a page at a time. */
export function ObjectDetail(props: { params: Record<string, string> }) {
  const name = props.params["name"] ?? "";
  const enc = encodeURIComponent(name);
  const def = useApi<CustomObject>(`/success/objects/${enc}`);
  const [page, setPage] = useState(1);
  const records = useApi<{ total: number; records: RecordRow[] }>(`/success/objects/${enc}/records${query({ limit: PAGE, offset: (page - 1) * PAGE })}`);
  const canEdit = useCanEdit();
  const [adding, setAdding] = useState(false);
  if (def.error) return <ErrorNotice error={def.error} title="This object could not be loaded" onRetry={def.reload} />;
  if (!def.data) return <Loading />;
  const o = def.data;
  const pages = Math.max(1, Math.ceil((records.data?.total ?? 0) / PAGE));
  return (
    <>
      <PageHeader title={o.label} back={{ to: "/success/objects", label: "All objects" }} description={<>Custom object {o.name}</>} />
      <Panel title="Fields" actions={canEdit && <Button size="xs" variant="light" onClick={() => setAdding(true)}>Add fields</Button>}>
        <Table>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Label</Table.Th>
              <Table.Th>Type</Table.Th>
              <Table.Th>Required</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {o.fields.map((f) => (
              <Table.Tr key={f.name}>
                <Table.Td>{f.name}</Table.Td>
                <Table.Td>{f.label ?? "—"}</Table.Td>
                <Table.Td>{FIELD_TYPES.find((t) => t.value === f.type)?.label ?? f.type}</Table.Td>
                <Table.Td>{f.required ? "yes" : "no"}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Panel>
      <Panel title={`Records${records.data ? ` (${records.data.total.toLocaleString("en-US")})` : ""}`}>
        <Loaded state={records}>{() => (
          <DataTable
            testId="records-table"
            rows={records.data?.records ?? []}
            rowKey={(r) => r.id}
            empty="No records yet. A rule with a “Load to object” action writes them."
            columns={[...o.fields.map((f) => ({ key: f.name, label: f.label || f.name })), { key: "updatedAt", label: "Updated", render: (r: RecordRow) => formatTime(typeof r["updatedAt"] === "number" ? r["updatedAt"] : null) }]}
          />
        )}</Loaded>
        {pages > 1 && (
          <Group justify="center" mt="md">
            <Pagination total={pages} value={page} onChange={setPage} getControlProps={(c) => ({ "aria-label": c === "previous" ? "Previous page" : c === "next" ? "Next page" : c })} getItemProps={(p) => ({ "aria-label": `Page ${p}` })} />
          </Group>
        )}
      </Panel>
      {adding && <AddFields object={o.name} onClose={() => setAdding(false)} onDone={def.reload} />}
    </>
  );
}

function AddFields(props: { object: string; onClose(): void; onDone(): void }) {
  const [fields, setFields] = useState<ObjectField[]>([{ name: "", label: "", type: "string" }]);
  const save = useMutation((body: { fields: ObjectField[] }) => api(`/success/objects/${encodeURIComponent(props.object)}/fields`, { body }));
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (await save.run({ fields: cleanFields(fields) })) {
      props.onDone();
      props.onClose();
    }
  }
  return (
    <Modal opened onClose={props.onClose} title="Add fields" size="xl">
      <form onSubmit={submit}>
        <Stack>
          {save.error && !/^fields\[/.test(save.error.field ?? "") && <ErrorNotice error={save.error} />}
          <FieldRows fields={fields} onChange={setFields} error={(i, k) => fieldError(save.error, `fields[${i}].${k}`) ?? (k === "name" ? fieldError(save.error, `fields[${i}]`) : undefined)} />
          <Button type="submit" loading={save.busy}>
            Add fields
          </Button>
        </Stack>
      </form>
    </Modal>
  );
}
