import { Button, Group, NativeSelect, Pagination, Text, TextInput } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useState } from "react";
import { query } from "../../api";
import { useCanEdit } from "../../auth";
import { DataTable, PageHeader, Loaded } from "../../components/common";
import { formatDay } from "../../components/dates";
import { Link, navigate, useLocation } from "../../router";
import { useApi } from "../../use-api";
import { ImportCustomersModal, NewCustomerModal } from "./customer-forms";
import { HealthBadge, money, type Customer } from "./shared";

const PAGE = 25;

/** Customer Info: every customer with health, ARR, renewal and stage, a page at a time. */
export function CustomersScreen() {
  const { search } = useLocation();
  const page = Math.max(1, Number(search.get("page") ?? "1") || 1);
  const [text, setText] = useState(search.get("q") ?? "");
  const [status, setStatus] = useState(search.get("status") ?? "");
  const [q] = useDebouncedValue(text, 300);
  const list = useApi<{ total: number; customers: Customer[] }>(`/success/customers${query({ search: q, status, limit: PAGE, offset: (page - 1) * PAGE })}`);
  const go = (p: number, over: { q?: string; status?: string } = {}) => navigate(`/success/customers${query({ q: over.q ?? q, status: over.status ?? status, page: p > 1 ? p : undefined })}`, { replace: true });
  const pages = Math.max(1, Math.ceil((list.data?.total ?? 0) / PAGE));
  const canEdit = useCanEdit();
  const [modal, setModal] = useState<"new" | "import" | null>(null);
  return (
    <>
      <PageHeader
        title="Customers"
        description="Customer Info: each CRM Account you manage, with its health, contract and stage."
        actions={
          canEdit && (
            <Group gap="xs">
              <Button variant="default" onClick={() => setModal("import")}>
                Import CSV
              </Button>
              <Button onClick={() => setModal("new")}>New customer</Button>
            </Group>
          )
        }
      />
      {modal === "new" && (
        <NewCustomerModal
          onClose={() => setModal(null)}
          onCreated={(c) => {
            setModal(null);
            navigate(`/success/customers/${encodeURIComponent(c.accountId)}`);
          }}
        />
      )}
      {modal === "import" && <ImportCustomersModal onClose={() => setModal(null)} onImported={list.reload} />}
      <Group mb="sm" align="flex-end">
        <TextInput
          label="Search"
          placeholder="Name or account id"
          value={text}
          onChange={(e) => {
            setText(e.currentTarget.value);
            if (page > 1) go(1, { q: e.currentTarget.value });
          }}
          w={280}
        />
        <NativeSelect
          label="Status"
          data={[
            { value: "", label: "Any status" },
            { value: "Active", label: "Active" },
            { value: "Inactive", label: "Inactive" },
          ]}
          value={status}
          onChange={(e) => {
            setStatus(e.currentTarget.value);
            go(1, { status: e.currentTarget.value });
          }}
        />
        <Text size="sm" c="dimmed" ml="auto" aria-live="polite">
          {list.data ? `${list.data.total.toLocaleString("en-US")} customers` : ""}
        </Text>
      </Group>
      <Loaded state={list} label="Loading customers…">{() => (
        <DataTable
          testId="customers-table"
          rows={list.data?.customers ?? []}
          rowKey={(c) => c.accountId}
          empty={q || status ? "No customer matches." : "No customers yet: add one, import them as CSV, or let a rule load them."}
          columns={[
            { key: "name", label: "Customer", render: (c) => <Link to={`/success/customers/${encodeURIComponent(c.accountId)}`}>{c.name}</Link> },
            { key: "healthScore", label: "Health", render: (c) => <HealthBadge score={c.healthScore} colour={c.healthColour} /> },
            { key: "arr", label: "ARR", align: "right", render: (c) => money(c.arr) },
            { key: "renewalDate", label: "Renewal", render: (c) => formatDay(c.renewalDate) },
            { key: "stage", label: "Stage" },
            { key: "onboardingStatus", label: "Onboarding" },
            { key: "status", label: "Status" },
          ]}
        />
      )}</Loaded>
      {pages > 1 && (
        <Group justify="center" mt="md">
          <Pagination total={pages} value={page} onChange={(p) => go(p)} getControlProps={(c) => ({ "aria-label": c === "previous" ? "Previous page" : c === "next" ? "Next page" : c })} getItemProps={(p) => ({ "aria-label": `Page ${p}` })} />
        </Group>
      )}
    </>
  );
}

