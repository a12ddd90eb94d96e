import { TitleWithMark, useUnsavedChanges } from "../../../components/unsaved";
import { Alert, Anchor, Button, Group, Modal, Select, Stack, Switch, Table, Text } from "@mantine/core";
import { useEffect, useMemo, useState, type FormEvent } from "react";
import { api, query } from "../../../api";
import { ErrorNotice, Loading, formatTime } from "../../../components/common";
import { linkClick } from "../../../router";
import { fieldError, useApi, useMutation } from "../../../use-api";
import type { Report, ReportColumn } from "./report-model";

type Connection = { status: string; fieldPrefix?: string; message?: string };
type CrmField = { name: string; label: string; type: string; updateable: boolean };
type PushMapping = { id: string; reportId: string; object: "Account" | "Contact"; fields: { column: string; field: string }[]; dailySync: boolean; updatedAt: number };
type Link = { accountField: string; visitorField?: string };
type SyncRun = { id: string; status: string; push: boolean; pull: boolean; startedAt: number; finishedAt: number | null; counts: { written: number; failed: number; unmatched: number; skipped: number }; message: string | null };

const NUMERIC = ["int", "double", "currency", "percent"];
/** Which CRM field types a column type may be written to (the server checks the same). */
const COMPATIBLE: Record<ReportColumn["type"], string[]> = {
  number: [...NUMERIC, "string", "textarea"],
  date: ["date", "datetime", "string", "textarea"],
  text: ["string", "textarea", "picklist", "email", "url", "phone"],
  boolean: ["boolean", "string", "textarea"],
};

/** Run status colours dark enough for small text on white (WCAG AA). */
const RUN_COLOR: Record<string, string> = { success: "teal.9", partial: "#a84300", failure: "red.9", running: "blue.9" };

/** Maps a report's columns to prefixed CRM fields, with daily sync, and saves the push mapping. */
export function CrmPushDialog(props: { opened: boolean; onClose(): void; report: Report; columns: ReportColumn[] }) {
  const object = props.report.kind === "account" ? "Account" : "Contact";
  const connection = useApi<Connection>(props.opened ? "/sync/connection" : null);
  const connected = connection.data?.status === "connected";
  const fields = useApi<{ fields: CrmField[] }>(props.opened && connected ? `/sync/fields${query({ object })}` : null);
  const link = useApi<Link>(props.opened && connected ? "/sync/link" : null);
  const mappings = useApi<{ mappings: PushMapping[] }>(props.opened ? "/sync/push-mappings" : null);
  const runs = useApi<{ runs: SyncRun[] }>(props.opened ? "/sync/runs?limit=20" : null);
  const existing = mappings.data?.mappings.find((m) => m.reportId === props.report.id);
  const prefix = connection.data?.fieldPrefix ?? "Pendo_";
  const [choice, setChoice] = useState<Record<string, string | null>>({});
  const [daily, setDaily] = useState(false);
  const [saved, setSaved] = useState<PushMapping | undefined>(undefined);
  // What would be saved: the columns given a field, and the daily sync.
  const unsaved = useUnsavedChanges({ fields: Object.entries(choice).filter(([, f]) => f), daily }, "This push mapping", props.opened);
  const close = () => unsaved.mayClose() && props.onClose();
  useEffect(() => {
    if (!mappings.data) return;
    setChoice(Object.fromEntries((existing?.fields ?? []).map((f) => [f.column, f.field])));
    setDaily(existing?.dailySync ?? false);
    unsaved.markSaved();
  }, [mappings.data, existing, unsaved.markSaved]);
  const writable = useMemo(() => (fields.data?.fields ?? []).filter((f) => f.updateable && f.name.toLowerCase().startsWith(prefix.toLowerCase())), [fields.data, prefix]);
  const save = useMutation((body: { reportId: string; fields: { column: string; field: string }[]; dailySync: boolean }) =>
    existing ? api<PushMapping>(`/sync/push-mappings/${encodeURIComponent(existing.id)}`, { method: "PUT", body }) : api<PushMapping>("/sync/push-mappings", { body }),
  );
  const lastPush = runs.data?.runs.find((r) => r.push);
  const chosen = props.columns.filter((c) => choice[c.id]).map((c) => ({ column: c.id, field: choice[c.id] as string }));
  async function submit(e: FormEvent) {
    e.preventDefault();
    const m = await save.run({ reportId: props.report.id, fields: chosen, dailySync: daily });
    if (m) {
      setSaved(m);
      unsaved.markSaved();
      mappings.reload();
    }
  }
  // The server names the CRM field at fault (or fields[i].column); find the row it belongs to.
  const rowError = (c: ReportColumn): string | undefined => {
    if (!save.error?.field) return undefined;
    const f = choice[c.id];
    if (f && save.error.field.toLowerCase() === f.toLowerCase()) return save.error.message;
    const index = chosen.findIndex((x) => x.column === c.id);
    return index >= 0 ? fieldError(save.error, `fields[${index}]`) : undefined;
  };
  const placed = props.columns.some((c) => rowError(c));
  const loading = (connection.loading && !connection.data) || (connected && fields.loading && !fields.data) || (mappings.loading && !mappings.data);
  return (
    <Modal opened={props.opened} onClose={close} title={<TitleWithMark title={`CRM push: ${props.report.name}`} unsaved={unsaved} />} size="xl" closeButtonProps={{ "aria-label": "Close the CRM push dialog" }}>
      {loading ? (
        <Loading label="Loading the CRM's fields…" />
      ) : !connected ? (
        <Alert color="yellow" title="The CRM is not connected">
          <Text size="sm">
            Connect Pendulum to the CRM first on the{" "}
            <Anchor href="/crm" onClick={linkClick("/crm")}>
              CRM integration
            </Anchor>{" "}
            screen{connection.data?.message ? `: ${connection.data.message}` : "."}
          </Text>
        </Alert>
      ) : (
        <form onSubmit={submit}>
          <Stack>
            <ErrorNotice error={fields.error ?? mappings.error ?? runs.error} onRetry={() => { fields.reload(); mappings.reload(); runs.reload(); }} />
            {save.error && !placed && <ErrorNotice error={save.error} title="The mapping was not saved" />}
            <Text size="sm">
              Each push writes the chosen columns to the {object} records matched by{" "}
              <Text span ff="monospace" size="sm">
                {object === "Account" ? (link.data?.accountField ?? "Id") : (link.data?.visitorField ?? "—")}
              </Text>
              . Pendulum only writes {object} fields whose API name starts with{" "}
              <Text span ff="monospace" size="sm">
                {prefix}
              </Text>
              .
            </Text>
            {writable.length === 0 && (
              <Alert color="yellow" title={`No writable ${prefix} fields`}>
                Create {object} fields named {prefix}… in the CRM (for example on the CRM integration screen), then open this dialog again.
              </Alert>
            )}
            <Table aria-label="Column to CRM field mapping">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Report column</Table.Th>
                  <Table.Th>{object} field</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {props.columns.map((c) => {
                  const options = writable.filter((f) => COMPATIBLE[c.type].includes(f.type));
                  return (
                    <Table.Tr key={c.id}>
                      <Table.Td>
                        <Text size="sm">{c.label}</Text>
                        <Text size="xs" c="dimmed">
                          {c.id} · {c.type}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Select
                          aria-label={`CRM field for ${c.label}`}
                          placeholder={options.length === 0 ? "No compatible field" : "Not pushed"}
                          data={options.map((f) => ({ value: f.name, label: `${f.label} (${f.name}, ${f.type})` }))}
                          value={choice[c.id] ?? null}
                          onChange={(v) => {
                            setSaved(undefined);
                            setChoice((x) => ({ ...x, [c.id]: v }));
                          }}
                          clearable
                          searchable
                          error={rowError(c)}
                          comboboxProps={{ withinPortal: true }}
                        />
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
            <Switch label="Push daily" description="The scheduled sync pushes this report every day; without it, only manual runs push it." checked={daily} onChange={(e) => setDaily(e.currentTarget.checked)} />
            <Group justify="space-between" align="center">
              <LastRun run={lastPush} />
              <Group gap="xs">
                <span aria-live="polite">
                  {saved && (
                    <Text span size="sm" fw={600} c="teal.9">
                      Mapping saved
                    </Text>
                  )}
                </span>
                <Button variant="default" onClick={close}>
                  Close
                </Button>
                <Button type="submit" loading={save.busy} disabled={chosen.length === 0}>
                  Save mapping
                </Button>
              </Group>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}

function LastRun(props: { run: SyncRun | undefined }) {
  const r = props.run;
  if (!r) {
    return (
      <Text size="sm" c="dimmed">
        No push has run yet.
      </Text>
    );
  }
  return (
    <Stack gap={2}>
      <Group gap="xs">
        <Text size="sm">Last push:</Text>
        <Text span size="sm" fw={700} c={RUN_COLOR[r.status] ?? "gray.8"}>
          {r.status}
        </Text>
        <Text size="sm" c="dimmed">
          {formatTime(r.finishedAt ?? r.startedAt)}
        </Text>
      </Group>
      <Text size="xs" c="dimmed">
        {r.counts.written.toLocaleString("en-US")} written · {r.counts.failed.toLocaleString("en-US")} failed · {r.counts.unmatched.toLocaleString("en-US")} unmatched
        {r.message ? ` · ${r.message}` : ""}
      </Text>
    </Stack>
  );
}
