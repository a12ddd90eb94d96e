import { Badge, Button, Card, Group, NativeSelect, ScrollArea, SimpleGrid, Stack, Text, TextInput } from "@mantine/core";
import { useState } from "react";
import { api, query } from "../../api";
import { useCanEdit } from "../../auth";
import { ErrorNotice, Loading, PageHeader } from "../../components/common";
import { formatDay } from "../../components/dates";
import { Link } from "../../router";
import { useApi, useMutation, type Loaded } from "../../use-api";
import { NewCta } from "./new-cta";
import { CTA_STATUSES, type Cta, type CtaStatus } from "./shared";

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
        <Link to={`/success/customers/${encodeURIComponent(c.accountId)}`}>{c.customerName ?? c.accountId}</Link>
        {c.dueDate ? ` · due ${formatDay(c.dueDate)}` : ""}
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
