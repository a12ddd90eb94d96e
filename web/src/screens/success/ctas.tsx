import { Badge, Button, Card, Group, Modal, NativeSelect, NumberInput, ScrollArea, SimpleGrid, Stack, Text, TextInput, Textarea } from "@mantine/core";
import { useState, type FormEvent } from "react";
import { api, query } from "../../api";
import { useCanEdit } from "../../auth";
import { ErrorNotice, Loading, PageHeader } from "../../components/common";
import { Link } from "../../router";
import { fieldError, useApi, useMutation, type Loaded } from "../../use-api";
import { CTA_STATUSES, PRIORITIES, type Cta, type CtaStatus } from "./shared";

const PER_COLUMN = 50;
// Dark enough for white badge text (WCAG AA).
const PRIORITY_COLOURS: Record<string, string> = { Low: "#495057", Medium: "#1c5fb0", High: "#a34a0b", Critical: "#b02525" };
type Column = Loaded<{ total: number; ctas: Cta[] }>;

/** CTAs as a board: one column per status; each card moves with its status menu. */
export function CtasScreen() {
  const [type, setType] = useState("");
  const columns: Record<CtaStatus, Column> = {
    Open: useApi(`/success/ctas${query({ status: "Open", type, limit: PER_COLUMN })}`),
    "Work In Progress": useApi(`/success/ctas${query({ status: "Work In Progress", type, limit: PER_COLUMN })}`),
    "Closed Success": useApi(`/success/ctas${query({ status: "Closed Success", type, limit: PER_COLUMN })}`),
    "Closed Lost": useApi(`/success/ctas${query({ status: "Closed Lost", type, limit: PER_COLUMN })}`),
  };
  const canEdit = useCanEdit();
  const [creating, setCreating] = useState(false);
  const [moved, setMoved] = useState<string | null>(null);
  const move = useMutation((args: { cta: Cta; status: CtaStatus }) => api<Cta>(`/success/ctas/${encodeURIComponent(args.cta.id)}`, { method: "PATCH", body: { status: args.status } }));
  async function moveCard(cta: Cta, status: CtaStatus) {
    const r = await move.run({ cta, status });
    if (r) {
      columns[cta.status].reload();
      columns[status].reload();
      setMoved(`Moved “${cta.reason}” to ${status}.`);
    }
  }
  const error = move.error ?? CTA_STATUSES.map((s) => columns[s].error).find(Boolean);
  return (
    <>
      <PageHeader
        title="CTAs"
        description="Calls to action: work for the success team that rules raise (or people add). Move a card with its Status menu."
        actions={canEdit && <Button onClick={() => setCreating(true)}>New CTA</Button>}
      />
      <ErrorNotice error={error} onRetry={() => CTA_STATUSES.forEach((s) => columns[s].reload())} />
      <Group mb="sm" align="flex-end">
        <TextInput label="Type" placeholder="Any type, e.g. Risk" value={type} onChange={(e) => setType(e.currentTarget.value)} w={220} />
        <Text size="sm" c="#1e6b2e" aria-live="polite">
          {moved ?? ""}
        </Text>
      </Group>
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }} spacing="md">
        {CTA_STATUSES.map((status) => {
          const col = columns[status];
          return (
            <section key={status} aria-label={`${status} CTAs`} data-testid={`cta-column-${status}`} style={{ background: "var(--mantine-color-gray-0)", borderRadius: 8, padding: 8 }}>
              <Group justify="space-between" mb="xs" px={4}>
                <Text component="h2" fw={700} size="md" m={0}>
                  {status}
                </Text>
                <Badge variant="light" color="gray" aria-label={`${col.data?.total ?? 0} CTAs`}>
                  {col.data?.total ?? "…"}
                </Badge>
              </Group>
              {col.loading && !col.data ? (
                <Loading />
              ) : (
                <ScrollArea.Autosize mah={640}>
                  <Stack gap="xs" component="ul" style={{ listStyle: "none", padding: 0, margin: 0 }}>
                    {(col.data?.ctas ?? []).map((cta) => (
                      <li key={cta.id}>
                        <CtaCard cta={cta} canEdit={canEdit} busy={move.busy} onMove={(s) => void moveCard(cta, s)} />
                      </li>
                    ))}
                  </Stack>
                  {col.data && col.data.ctas.length === 0 && (
                    <Text size="sm" c="dimmed" px={4}>
                      None.
                    </Text>
                  )}
                  {col.data && col.data.total > col.data.ctas.length && (
                    <Text size="xs" c="dimmed" mt="xs" px={4}>
                      Showing {col.data.ctas.length} of {col.data.total}; filter by type to narrow.
                    </Text>
                  )}
                </ScrollArea.Autosize>
              )}
            </section>
          );
        })}
      </SimpleGrid>
      {creating && <NewCta onClose={() => setCreating(false)} onCreated={() => columns.Open.reload()} />}
    </>
  );
}

function CtaCard(props: { cta: Cta; canEdit: boolean; busy: boolean; onMove(s: CtaStatus): void }) {
  const c = props.cta;
  return (
    <Card withBorder padding="sm" radius="md" data-testid={`cta-${c.id}`} aria-label={`CTA ${c.reason}`} component="article">
      <Group justify="space-between" wrap="nowrap" gap="xs">
        <Text size="xs" fw={700} tt="uppercase" c="dimmed">
          {c.type}
        </Text>
        <Badge size="sm" color={PRIORITY_COLOURS[c.priority] ?? "#495057"} variant="filled" autoContrast>
          {c.priority}
        </Badge>
      </Group>
      <Text fw={600} size="sm" mt={4}>
        {c.reason}
      </Text>
      <Text size="xs" mt={4}>
        <Link to={`/success/customers/${encodeURIComponent(c.accountId)}`} aria-label={`Customer ${c.accountId}`}>
          {c.accountId}
        </Link>
        {c.dueDate ? ` · due ${c.dueDate}` : ""}
        {c.owner ? ` · ${c.owner}` : ""}
        {c.ruleId ? " · from a rule" : ""}
      </Text>
      {c.comment && (
        <Text size="xs" c="dimmed" mt={4} lineClamp={3}>
          {c.comment}
        </Text>
      )}
      {props.canEdit && (
        <NativeSelect
          mt="xs"
          size="xs"
          label="Status"
          aria-label={`Status of ${c.reason}`}
          data={[...CTA_STATUSES]}
          value={c.status}
          disabled={props.busy}
          onChange={(e) => props.onMove(e.currentTarget.value as CtaStatus)}
        />
      )}
    </Card>
  );
}

function NewCta(props: { onClose(): void; onCreated(): void }) {
  const [form, setForm] = useState({ accountId: "", type: "Risk", reason: "", priority: "Medium", owner: "", dueInDays: 7 as string | number, comment: "" });
  const save = useMutation(() => {
    const due = Number(form.dueInDays);
    const dueDate = Number.isFinite(due) && form.dueInDays !== "" ? new Date(Date.now() + due * 86_400_000).toISOString().slice(0, 10) : null;
    return api<Cta>("/success/ctas", { body: { accountId: form.accountId.trim(), type: form.type, reason: form.reason, priority: form.priority, owner: form.owner || null, dueDate, comment: form.comment || null } });
  });
  async function submit(e: FormEvent) {
    e.preventDefault();
    if ((await save.run(undefined)) !== undefined) {
      props.onCreated();
      props.onClose();
    }
  }
  return (
    <Modal opened onClose={props.onClose} title="New CTA">
      <form onSubmit={submit}>
        <Stack>
          {save.error && !fieldError(save.error, "accountId", "type", "reason", "priority", "owner", "dueDate", "comment") && <ErrorNotice error={save.error} />}
          <TextInput label="Customer account id" required value={form.accountId} onChange={(e) => setForm({ ...form, accountId: e.currentTarget.value })} error={fieldError(save.error, "accountId")} />
          <Group grow align="flex-start">
            <TextInput label="Type" required value={form.type} onChange={(e) => setForm({ ...form, type: e.currentTarget.value })} error={fieldError(save.error, "type")} />
            <NativeSelect label="Priority" data={[...PRIORITIES]} value={form.priority} onChange={(e) => setForm({ ...form, priority: e.currentTarget.value })} error={fieldError(save.error, "priority")} />
          </Group>
          <TextInput label="Reason" required value={form.reason} onChange={(e) => setForm({ ...form, reason: e.currentTarget.value })} error={fieldError(save.error, "reason")} />
          <Group grow align="flex-start">
            <TextInput label="Owner" value={form.owner} onChange={(e) => setForm({ ...form, owner: e.currentTarget.value })} error={fieldError(save.error, "owner")} />
            <NumberInput label="Due in days" min={0} value={form.dueInDays} onChange={(v) => setForm({ ...form, dueInDays: v })} error={fieldError(save.error, "dueDate")} />
          </Group>
          <Textarea label="Comment" value={form.comment} onChange={(e) => setForm({ ...form, comment: e.currentTarget.value })} error={fieldError(save.error, "comment")} />
          <Button type="submit" loading={save.busy}>
            Create CTA
          </Button>
        </Stack>
      </form>
    </Modal>
  );
}
