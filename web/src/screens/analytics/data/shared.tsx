import { useUnsavedMark } from "../../../components/unsaved";
import { Button, Group, Pagination, Stack, Table, Text, TextInput, Tooltip } from "@mantine/core";
import { useEffect, useMemo, useState, type FormEvent } from "react";
import { api, type ApiError } from "../../../api";
import { ErrorNotice, formatCell } from "../../../components/common";
import { fieldError, useMutation } from "../../../use-api";
import type { Entity, Metadata, MetadataGroup, MetadataValue } from "../../../../../src/analytics/index.js";

// Visitors, accounts and their metadata as the API answers: the server's own types.
export type { Entity, Metadata, MetadataGroup, MetadataValue } from "../../../../../src/analytics/index.js";
/** A person's or company's name from its metadata (the CRM's Name, else a name the agent or an admin gave), or null. */
export function entityName(e: Pick<Entity, "metadata">): string | null {
  for (const [group, key] of [["crm", "Name"], ["agent", "name"], ["custom", "name"], ["agent", "email"]] as const) {
    const v = e.metadata[group]?.[key];
    if (typeof v === "string" && v.trim()) return v;
  }
  return null;
}

export const GROUPS: { id: MetadataGroup; label: string; note: string }[] = [
  { id: "agent", label: "Agent", note: "Sent by the agent's initialize call; read-only here." },
  { id: "custom", label: "Custom", note: "Set by admins here or through the API." },
  { id: "crm", label: "CRM", note: "Pulled from the CRM on each sync; read-only here." },
];

/** A visitor or account as `/api/v1/accounts` and `/api/v1/visitors` answer it. */

export type Kind = "account" | "visitor";
export const plural = (kind: Kind): "accounts" | "visitors" => (kind === "account" ? "accounts" : "visitors");
export const title = (kind: Kind): string => (kind === "account" ? "Account" : "Visitor");

/** A value that follows `value` after `ms` without changes (search boxes). */
export function useDebounced<T>(value: T, ms = 300): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

/** "Showing 51–100 of 480" with page buttons; pages are counted from 1. */
export function Pager(props: { total: number; page: number; pageSize: number; onChange(page: number): void; label: string }) {
  const pages = Math.max(1, Math.ceil(props.total / props.pageSize));
  const first = props.total === 0 ? 0 : (props.page - 1) * props.pageSize + 1;
  const last = Math.min(props.total, props.page * props.pageSize);
  return (
    <Group justify="space-between" mt="sm">
      <Text size="sm" c="dimmed" aria-live="polite">
        {props.total === 0 ? "Nothing to show" : `Showing ${first.toLocaleString("en-US")}–${last.toLocaleString("en-US")} of ${props.total.toLocaleString("en-US")}`}
      </Text>
      {pages > 1 && (
        <Pagination
          total={pages}
          value={props.page}
          onChange={props.onChange}
          size="sm"
          aria-label={props.label}
          getControlProps={(control) => ({ "aria-label": control === "previous" ? "Previous page" : control === "next" ? "Next page" : control === "first" ? "First page" : "Last page" })}
          getItemProps={(page) => ({ "aria-label": `Page ${page}` })}
        />
      )}
    </Group>
  );
}

/** The keys of one metadata group across rows, most common first (for column groups). */
export function groupKeys(rows: Entity[], group: MetadataGroup, max = 8): string[] {
  const counts = new Map<string, number>();
  for (const r of rows) for (const k of Object.keys(r.metadata[group] ?? {})) counts.set(k, (counts.get(k) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, max).map(([k]) => k);
}

/** One group's metadata as a two-column table (read-only). */
export function MetadataTable(props: { values: Metadata; empty: string; caption: string }) {
  const entries = Object.entries(props.values).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        {props.empty}
      </Text>
    );
  }
  return (
    <Table striped withRowBorders={false} aria-label={props.caption}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th w="40%">Field</Table.Th>
          <Table.Th>Value</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {entries.map(([k, v]) => (
          <Table.Tr key={k}>
            <Table.Td>
              <Text size="sm" ff="monospace">
                {k}
              </Text>
            </Table.Td>
            <Table.Td>{formatCell(v)}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

type Row = { key: string; value: string; original?: MetadataValue; isNew: boolean };

/** Keeps a value's type when the edited text still reads as one (numbers stay numbers, true/false stay booleans). */
function typed(text: string, original: MetadataValue | undefined): MetadataValue {
  if (typeof original === "number" && text.trim() !== "" && Number.isFinite(Number(text))) return Number(text);
  if (typeof original === "boolean" && (text === "true" || text === "false")) return text === "true";
  return text;
}

/** The custom group as an editable form: change values, add keys, remove keys (sent as null). */
export function CustomMetadataEditor(props: { kind: Kind; id: string; values: Metadata; onSaved(e: Entity): void; canEdit: boolean }) {
  const initial = useMemo<Row[]>(() => Object.entries(props.values).sort(([a], [b]) => a.localeCompare(b)).map(([key, v]) => ({ key, value: v === null ? "" : String(v), original: v, isNew: false })), [props.values]);
  const [rows, setRows] = useState<Row[]>(initial);
  const [removed, setRemoved] = useState<string[]>([]);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    setRows(initial);
    setRemoved([]);
  }, [initial]);
  const save = useMutation((body: Metadata) => api<Entity>(`/${plural(props.kind)}/${encodeURIComponent(props.id)}/metadata/custom`, { method: "PUT", body }));
  const unsaved = useUnsavedMark(props.canEdit && (removed.length > 0 || JSON.stringify(rows) !== JSON.stringify(initial)), "The custom metadata");
  if (!props.canEdit) return <MetadataTable values={props.values} empty="No custom metadata." caption="Custom metadata" />;
  const update = (i: number, patch: Partial<Row>) => {
    setSaved(false);
    setRows((rs) => rs.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  };
  async function submit(e: FormEvent) {
    e.preventDefault();
    const body: Metadata = {};
    for (const k of removed) body[k] = null;
    for (const r of rows) {
      if (r.key.trim() === "") continue;
      const v = typed(r.value, r.original);
      if (r.isNew || v !== r.original) body[r.key.trim()] = v;
    }
    if (Object.keys(body).length === 0) return;
    const result = await save.run(body);
    if (result) {
      setSaved(true);
      props.onSaved(result);
    }
  }
  const keyError = (r: Row): string | undefined => (save.error && save.error.field === r.key.trim() ? save.error.message : undefined);
  const unplaced = save.error && !rows.some((r) => keyError(r)) ? save.error : undefined;
  return (
    <form onSubmit={submit} aria-label="Custom metadata">
      <Stack gap="xs">
        <ErrorNotice error={unplaced} title="Custom metadata was not saved" />
        {rows.length === 0 && (
          <Text size="sm" c="dimmed">
            No custom metadata yet.
          </Text>
        )}
        {rows.map((r, i) => (
          <Group key={i} align="flex-start" gap="xs" wrap="nowrap">
            {r.isNew ? (
              <TextInput label="Field name" size="sm" value={r.key} onChange={(e) => update(i, { key: e.currentTarget.value })} error={keyError(r)} w={200} placeholder="e.g. tier" />
            ) : (
              <Text size="sm" ff="monospace" w={200} pt={30} style={{ overflowWrap: "anywhere" }}>
                {r.key}
              </Text>
            )}
            <TextInput label={r.isNew ? "Value" : `Value of ${r.key}`} size="sm" value={r.value} onChange={(e) => update(i, { value: e.currentTarget.value })} error={r.isNew ? undefined : keyError(r)} style={{ flex: 1 }} />
            <Button
              variant="subtle"
              color="red"
              size="sm"
              mt={24}
              aria-label={`Remove ${r.key || "new field"}`}
              onClick={() => {
                setSaved(false);
                if (!r.isNew) setRemoved((x) => [...x, r.key]);
                setRows((rs) => rs.filter((_, j) => j !== i));
              }}
            >
              Remove
            </Button>
          </Group>
        ))}
        <Group gap="xs">
          <Button variant="default" size="xs" onClick={() => setRows((rs) => [...rs, { key: "", value: "", isNew: true }])}>
            Add field
          </Button>
          <Button type="submit" size="xs" loading={save.busy}>
            Save custom metadata
          </Button>
          {unsaved.mark}
          <span aria-live="polite">
            {saved && (
              <Text span size="sm" fw={600} c="teal.9">
                Saved
              </Text>
            )}
          </span>
        </Group>
      </Stack>
    </form>
  );
}

/** A search box that filters the loaded page as you type and opens an exact id on Enter. */
export function IdSearch(props: { kind: Kind; value: string; onChange(v: string): void; onOpen(id: string): void; error: ApiError | undefined; busy: boolean }) {
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (props.value.trim()) props.onOpen(props.value.trim());
      }}
    >
      <Group align="flex-end" gap="xs">
        <TextInput
          label={`Search ${plural(props.kind)}`}
          description={`Searches ids and metadata values as you type; press Enter to open the ${props.kind} with exactly this id.`}
          value={props.value}
          onChange={(e) => props.onChange(e.currentTarget.value)}
          error={fieldError(props.error, "id") ?? (props.error && props.error.status !== 404 ? props.error.message : undefined)}
          // As wide as the search wants on a desk, narrower on a phone rather than off its side.
          maw={380}
          style={{ flex: "1 1 220px" }}
          type="search"
        />
        <Tooltip label={`Open the ${props.kind} with this exact id`}>
          <Button type="submit" variant="default" loading={props.busy} disabled={!props.value.trim()}>
            Open
          </Button>
        </Tooltip>
      </Group>
    </form>
  );
}
