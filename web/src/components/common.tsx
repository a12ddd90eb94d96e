import { Alert, Group, Loader, Stack, Table, Text, Title, UnstyledButton, Center } from "@mantine/core";
import { useMemo, useState, type ReactNode } from "react";
import type { ApiError } from "../api";

/** The title row of a screen with an optional description and actions on the right. */
export function PageHeader(props: { title: string; description?: ReactNode; actions?: ReactNode }) {
  return (
    <Group justify="space-between" align="flex-start" mb="md" wrap="nowrap">
      <Stack gap={4}>
        <Title order={1} size="h2">
          {props.title}
        </Title>
        {props.description && (
          <Text c="dimmed" size="sm">
            {props.description}
          </Text>
        )}
      </Stack>
      {props.actions && <Group gap="xs">{props.actions}</Group>}
    </Group>
  );
}

/** Shows an API error as the server said it: message, code and the field at fault. */
export function ErrorNotice(props: { error: ApiError | undefined; title?: string }) {
  if (!props.error) return null;
  const e = props.error;
  return (
    <Alert color="red" title={props.title ?? "Something went wrong"} role="alert" mb="md">
      <Text size="sm">{e.message}</Text>
      <Text size="xs" c="dimmed">
        {e.code}
        {e.field ? ` · field ${e.field}` : ""}
      </Text>
    </Alert>
  );
}

/** A centered spinner with a label for screen readers. */
export function Loading(props: { label?: string }) {
  return (
    <Center p="xl" role="status" aria-live="polite" data-loading="true">
      <Loader size="sm" aria-hidden />
      <Text size="sm" ml="sm" c="dimmed">
        {props.label ?? "Loading…"}
      </Text>
    </Center>
  );
}

export type Column<R> = { key: string; label: string; render?: (row: R) => ReactNode; sortValue?: (row: R) => string | number | null; align?: "left" | "right" };

/** A table with sortable headers (sorting on the client) and an empty-state line. */
export function DataTable<R>(props: { rows: R[]; columns: Column<R>[]; rowKey: (row: R) => string; empty?: string; caption?: string; onRowClick?: (row: R) => void; testId?: string }) {
  const [sort, setSort] = useState<{ key: string; dir: 1 | -1 } | null>(null);
  const rows = useMemo(() => {
    if (!sort) return props.rows;
    const col = props.columns.find((c) => c.key === sort.key);
    if (!col) return props.rows;
    const value = col.sortValue ?? ((r: R) => (r as Record<string, unknown>)[col.key] as string | number | null);
    return [...props.rows].sort((a, b) => {
      const va = value(a);
      const vb = value(b);
      if (va === vb) return 0;
      if (va === null || va === undefined) return 1;
      if (vb === null || vb === undefined) return -1;
      return (va < vb ? -1 : 1) * sort.dir;
    });
  }, [props.rows, props.columns, sort]);
  return (
    <Table.ScrollContainer minWidth={500}>
      <Table striped highlightOnHover={Boolean(props.onRowClick)} data-testid={props.testId}>
        {props.caption && <Table.Caption>{props.caption}</Table.Caption>}
        <Table.Thead>
          <Table.Tr>
            {props.columns.map((c) => {
              const active = sort?.key === c.key;
              return (
                <Table.Th key={c.key} ta={c.align} aria-sort={active ? (sort.dir === 1 ? "ascending" : "descending") : "none"}>
                  <UnstyledButton
                    onClick={() => setSort(active && sort.dir === 1 ? { key: c.key, dir: -1 } : { key: c.key, dir: 1 })}
                    style={{ fontWeight: 600, fontSize: "inherit" }}
                  >
                    {c.label}
                    {active ? (sort.dir === 1 ? " ▲" : " ▼") : ""}
                  </UnstyledButton>
                </Table.Th>
              );
            })}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.length === 0 ? (
            <Table.Tr>
              <Table.Td colSpan={props.columns.length}>
                <Text c="dimmed" size="sm">
                  {props.empty ?? "Nothing here yet."}
                </Text>
              </Table.Td>
            </Table.Tr>
          ) : (
            rows.map((r) => (
              <Table.Tr key={props.rowKey(r)} onClick={props.onRowClick ? () => props.onRowClick?.(r) : undefined} style={props.onRowClick ? { cursor: "pointer" } : undefined}>
                {props.columns.map((c) => (
                  <Table.Td key={c.key} ta={c.align}>
                    {c.render ? c.render(r) : formatCell((r as Record<string, unknown>)[c.key])}
                  </Table.Td>
                ))}
              </Table.Tr>
            ))
          )}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** A value as a person reads it in a table cell. */
export function formatCell(v: unknown): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "number") return Number.isInteger(v) ? v.toLocaleString("en-US") : v.toLocaleString("en-US", { maximumFractionDigits: 2 });
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** Epoch milliseconds or an ISO string as a short local date and time. */
export function formatTime(v: number | string | null | undefined): string {
  if (v === null || v === undefined || v === "") return "—";
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? String(v) : d.toLocaleString("en-US", { dateStyle: "medium", timeStyle: "short" });
}
