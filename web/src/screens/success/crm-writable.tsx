import { useUnsavedMark } from "../../components/unsaved";
import { ActionIcon, Button, Group, MultiSelect, Stack, TagsInput, Text, TextInput } from "@mantine/core";
import { useEffect, useMemo, useState, type FormEvent } from "react";
import { api } from "../../api";
import { ErrorNotice, Loading } from "../../components/common";
import { fieldError, useApi, useMutation } from "../../use-api";
import { Panel } from "./shared";

type WritableList = { objects: { object: string; fields: string[] }[] };
type CrmField = { name: string; label: string; updateable: boolean };
/** Objects the CRM field list can describe (GET /sync/fields?object=…). */
const DESCRIBABLE = new Set(["Account", "Contact"]);
const API_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,79}$/;

/** The CRM write allow-list: per object, the fields rules may write (admins only). */
export function CrmWritableCard() {
  const saved = useApi<WritableList>("/success/crm/writable");
  const connection = useApi<{ status: string }>("/sync/connection");
  const connected = connection.data?.status === "connected";
  const [draft, setDraft] = useState<{ object: string; fields: string[] }[] | null>(null);
  const [removed, setRemoved] = useState<string[]>([]);
  const [newObject, setNewObject] = useState("");
  const [newObjectError, setNewObjectError] = useState<string | undefined>(undefined);
  const [done, setDone] = useState(false);
  useEffect(() => {
    if (saved.data && draft === null) {
      const objects = saved.data.objects.map((o) => ({ ...o }));
      if (!objects.some((o) => o.object === "Account")) objects.unshift({ object: "Account", fields: [] });
      setDraft(objects);
    }
  }, [saved.data, draft]);
  const save = useMutation((body: WritableList) => api<WritableList>("/success/crm/writable", { method: "PUT", body }));
  const rows = draft ?? [];
  const changed = useMemo(() => {
    const before = new Map((saved.data?.objects ?? []).map((o) => [o.object, [...o.fields].sort().join(",")]));
    return removed.some((r) => before.has(r)) || rows.some((o) => (before.get(o.object) ?? "") !== [...o.fields].sort().join(","));
  }, [saved.data, rows, removed]);
  const unsaved = useUnsavedMark(changed, "The writable CRM fields");

  function setFields(object: string, fields: string[]) {
    setDone(false);
    setDraft(rows.map((o) => (o.object === object ? { ...o, fields } : o)));
  }
  function addObject() {
    const name = newObject.trim();
    if (!API_NAME.test(name)) return setNewObjectError("Use the object's API name: letters, digits and _ (such as Opportunity or Success_Plan__c).");
    if (rows.some((o) => o.object === name)) return setNewObjectError(`${name} is already listed.`);
    setNewObjectError(undefined);
    setDraft([...rows, { object: name, fields: [] }]);
    setRemoved(removed.filter((r) => r !== name));
    setNewObject("");
  }
  function removeObject(object: string) {
    setDone(false);
    setDraft(rows.filter((o) => o.object !== object));
    setRemoved([...removed, object]);
  }
  async function submit(e: FormEvent) {
    e.preventDefault();
    const objects = [...rows, ...removed.filter((r) => !rows.some((o) => o.object === r)).map((object) => ({ object, fields: [] }))];
    const result = await save.run({ objects });
    if (result) {
      setDraft(result.objects.length ? result.objects.map((o) => ({ ...o })) : [{ object: "Account", fields: [] }]);
      setRemoved([]);
      setDone(true);
      saved.reload();
    }
  }
  return (
    <Panel title="CRM fields rules may write" testId="crm-writable" badge={unsaved.mark}>
      <Text size="sm" c="dimmed" mb="sm">
        A rule's Load to CRM action writes only the objects and fields listed here. {connected ? "Pick fields from the connected CRM." : "Connect a CRM to pick from its fields; until then type the API names."}
      </Text>
      <ErrorNotice error={saved.error} onRetry={saved.reload} />
      {!draft ? (
        <Loading label="Loading the writable fields…" />
      ) : (
        <form onSubmit={submit} aria-label="CRM fields rules may write">
          <Stack>
            {save.error && !save.error.field && <ErrorNotice error={save.error} />}
            {rows.map((o, i) => (
              <Group key={o.object} align="flex-end" wrap="nowrap">
                <ObjectFields object={o.object} fields={o.fields} connected={connected} onChange={(f) => setFields(o.object, f)} error={fieldError(save.error, `objects.${i}`, `/objects/${i}`)} />
                <ActionIcon variant="subtle" color="red" size="lg" mb={4} aria-label={`Remove ${o.object}`} onClick={() => removeObject(o.object)}>
                  ×
                </ActionIcon>
              </Group>
            ))}
            <Group align="flex-start">
              <TextInput
                label="Add a CRM object"
                placeholder="Opportunity"
                value={newObject}
                onChange={(e) => setNewObject(e.currentTarget.value)}
                onKeyDown={(e) => {
                  if (e.key === "Enter") {
                    e.preventDefault();
                    addObject();
                  }
                }}
                error={newObjectError}
                maw={260}
                style={{ flex: "1 1 160px" }}
              />
              <Button variant="default" mt={24} onClick={addObject} disabled={newObject.trim() === ""}>
                Add object
              </Button>
            </Group>
            <Group justify="flex-end">
              {done && !changed && (
                <Text size="sm" c="#1e6b2e" fw={600} role="status">
                  Saved.
                </Text>
              )}
              <Button type="submit" loading={save.busy} disabled={!changed}>
                Save writable fields
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Panel>
  );
}

/** One object's writable fields: a pick list of the CRM's updateable fields when it can describe them, free text otherwise. */
function ObjectFields(props: { object: string; fields: string[]; connected: boolean; onChange(fields: string[]): void; error: string | undefined }) {
  const describable = props.connected && DESCRIBABLE.has(props.object);
  const described = useApi<{ fields: CrmField[] }>(describable ? `/sync/fields?object=${props.object}` : null);
  const label = `${props.object} fields`;
  if (describable && described.data) {
    const known = new Set(described.data.fields.map((f) => f.name));
    const data = [
      ...described.data.fields.filter((f) => f.updateable || f.name === "Id" || props.fields.includes(f.name)).map((f) => ({ value: f.name, label: f.label && f.label !== f.name ? `${f.label} (${f.name})` : f.name })),
      ...props.fields.filter((f) => !known.has(f)).map((f) => ({ value: f, label: `${f} (not in the CRM)` })),
    ];
    return <MultiSelect label={label} data={data} value={props.fields} onChange={props.onChange} searchable clearable hidePickedOptions nothingFoundMessage="No such field" error={props.error} style={{ flex: 1, minWidth: 0 }} maxDropdownHeight={260} />;
  }
  return (
    <Stack gap={4} style={{ flex: 1, minWidth: 0 }}>
      {described.error && <ErrorNotice error={described.error} title="The CRM's field list could not be loaded" onRetry={described.reload} />}
      <TagsInput label={label} description="API names; press Enter after each" value={props.fields} onChange={props.onChange} error={props.error} />
    </Stack>
  );
}
