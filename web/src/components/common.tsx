import { Alert, Button, Group, Loader, Pagination, Stack, Table, Text, Title, UnstyledButton, Center } from "@mantine/core";
import { useMemo, useState, type ReactNode } from "react";
import type { ApiError } from "../api";
import { Link } from "../router";
import { retryOf, type Loaded as LoadedState } from "../use-api";

import { formatTime } from "./dates";

export { formatTime };

/**
 * The title row of every screen: the way back (always above the title), the title, a description
 * and actions on the right. On a phone the actions go under the title instead of squeezing it.
 */
export function PageHeader(props: { title: string; description?: ReactNode; actions?: ReactNode; back?: { to: string; label: string }; badge?: ReactNode }) {
  return (
    <Stack gap={4} mb="md" data-testid="page-header">
      {props.back && (
        <Text size="sm">
          <Link to={props.back.to}>← {props.back.label}</Link>
        </Text>
      )}
      <Group justify="space-between" align="flex-start" gap="sm">
        <Stack gap={4} style={{ minWidth: 0, flex: "1 1 280px" }}>
          <Group gap="sm" align="center">
            <Title order={1} size="h2" style={{ overflowWrap: "anywhere" }}>
              {props.title}
            </Title>
            {props.badge}
          </Group>
          {props.description && (
            <Text c="dimmed" size="sm" component="div">
              {props.description}
            </Text>
          )}
        </Stack>
        {props.actions && <Group gap="xs">{props.actions}</Group>}
      </Group>
    </Stack>
  );
}

/**
 * Shows an API error as the server said it (message, code, field at fault), with "Try again" when
 * it can be retried: `onRetry`, else the request that failed (every load and every change made
 * through useApi and useMutation knows how to send itself again).
 */
export function ErrorNotice(props: { error: ApiError | undefined; title?: string; onRetry?: () => void; retrying?: boolean }) {
  // The error whose Try again was pressed: the spinner turns until that error is replaced or gone.
  const [pressed, setPressed] = useState<ApiError | null>(null);
  if (!props.error) return null;
  const e = props.error;
  const retry = props.onRetry ?? retryOf(e);
  const retrying = props.retrying ?? pressed === e;
  return (
    <Alert color="red" title={props.title ?? "Something went wrong"} role="alert" mb="md" styles={{ title: { color: "var(--mantine-color-text)" } }} data-testid="error-notice">
      <Group justify="space-between" align="flex-start" gap="sm">
        <Stack gap={2} style={{ minWidth: 0, flex: "1 1 240px" }}>
          <Text size="sm">{e.message}</Text>
          <Text size="xs" c="dimmed">
            {e.code}
            {e.field ? ` · field ${e.field}` : ""}
          </Text>
        </Stack>
        {retry && (
          <Button
            size="xs"
            variant="white"
            color="red"
            onClick={() => {
              setPressed(e);
              retry();
            }}
            loading={retrying}
          >
            Try again
          </Button>
        )}
      </Group>
    </Alert>
  );
}

/**
 * What a screen shows for data it loads: a spinner at first, the error with "Try again" when the
 * request failed (never an empty state, which would say there is nothing when we do not know),
 * else the data. After a failed reload the last data stays under the error.
 */
export function Loaded<T>(props: { state: LoadedState<T>; label?: string; errorTitle?: string; children: (data: T) => ReactNode }) {
  const { state } = props;
  return (
    <>
      <ErrorNotice error={state.error} title={props.errorTitle ?? "This could not be loaded"} onRetry={retryOf(state.error) ?? state.reload} retrying={state.loading} />
      {state.data !== undefined ? props.children(state.data) : state.error ? null : <Loading label={props.label} />}
    </>
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

/** A table with sortable headers (sorting on the client), an empty-state line and, with `pageSize`, pages. */
export function DataTable<R>(props: { rows: R[]; columns: Column<R>[]; rowKey: (row: R) => string; empty?: string; caption?: string; onRowClick?: (row: R) => void; testId?: string; pageSize?: number; minWidth?: number }) {
  const [sort, setSort] = useState<{ key: string; dir: 1 | -1 } | null>(null);
  const [page, setPage] = useState(1);
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
  const pages = props.pageSize ? Math.max(1, Math.ceil(rows.length / props.pageSize)) : 1;
  const current = Math.min(page, pages);
  const shown = props.pageSize ? rows.slice((current - 1) * props.pageSize, current * props.pageSize) : rows;
  return (
    <>
    <Table.ScrollContainer minWidth={props.minWidth ?? 500}>
      <Table striped highlightOnHover={Boolean(props.onRowClick)} data-testid={props.testId}>
        {props.caption && <Table.Caption>{props.caption}</Table.Caption>}
        <Table.Thead>
          <Table.Tr>
            {props.columns.map((c) => {
              const active = sort?.key === c.key;
              return (
                <Table.Th key={c.key} ta={c.align} aria-sort={active ? (sort.dir === 1 ? "ascending" : "descending") : "none"}>
                  <UnstyledButton
                    onClick={() => {
                      setSort(active && sort.dir === 1 ? { key: c.key, dir: -1 } : { key: c.key, dir: 1 });
                      setPage(1);
                    }}
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
            shown.map((r) => (
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
    {pages > 1 && (
      <Group justify="space-between" mt="xs">
        <Text size="xs" c="dimmed">
          {((current - 1) * (props.pageSize ?? 0) + 1).toLocaleString("en-US")}–{Math.min(rows.length, current * (props.pageSize ?? 0)).toLocaleString("en-US")} of {rows.length.toLocaleString("en-US")}
        </Text>
        <Pagination size="sm" total={pages} value={current} onChange={setPage} getControlProps={(c) => ({ "aria-label": c === "previous" ? "Previous page" : c === "next" ? "Next page" : c })} getItemProps={(p) => ({ "aria-label": `Page ${p}` })} />
      </Group>
    )}
    </>
  );
}

/** A value as a person reads it in a table cell. */
export function formatCell(v: unknown): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "number") return Number.isInteger(v) ? v.toLocaleString("en-US") : v.toLocaleString("en-US", { maximumFractionDigits: 2 });
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (typeof v === "object") return JSON.stringify(v);
  // Dates and times read the same in every table: "Dec 6, 2026" and "Dec 6, 2026, 2:05 PM".
  if (typeof v === "string" && /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(v)) return formatTime(v);
  return String(v);
}

