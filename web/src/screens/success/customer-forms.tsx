import { Button, FileInput, Group, Modal, NativeSelect, NumberInput, Paper, SimpleGrid, Stack, TagsInput, Text, TextInput, Textarea } from "@mantine/core";
import { useState, type FormEvent } from "react";
import { api, ApiError, type ApiErrorBody } from "../../api";
import { DataTable, ErrorNotice } from "../../components/common";
import { TitleWithMark, useUnsavedChanges } from "../../components/unsaved";
import { fieldError, useMutation } from "../../use-api";
import type { Customer } from "./shared";

type NewCustomerForm = {
  accountId: string;
  name: string;
  status: "Active" | "Inactive";
  stage: string;
  arr: string | number;
  mrr: string | number;
  renewalDate: string;
  users: string | number;
  churnRisk: string;
  onboardingStatus: string;
  tags: string[];
};

const EMPTY: NewCustomerForm = { accountId: "", name: "", status: "Active", stage: "", arr: "", mrr: "", renewalDate: "", users: "", churnRisk: "", onboardingStatus: "", tags: [] };

/** The create body: blank inputs are left out so the server keeps its defaults. */
function createBody(f: NewCustomerForm): Record<string, unknown> {
  const body: Record<string, unknown> = { accountId: f.accountId.trim(), status: f.status };
  const text = { name: f.name, stage: f.stage, renewalDate: f.renewalDate, churnRisk: f.churnRisk, onboardingStatus: f.onboardingStatus };
  for (const [k, v] of Object.entries(text)) if (v.trim() !== "") body[k] = v.trim();
  const numbers = { arr: f.arr, mrr: f.mrr, users: f.users };
  for (const [k, v] of Object.entries(numbers)) if (v !== "") body[k] = Number(v);
  if (f.tags.length > 0) body["tags"] = f.tags;
  return body;
}

/** A modal form that adds one customer (Customer Info) keyed by its CRM Account id. */
export function NewCustomerModal(props: { onClose(): void; onCreated(c: Customer): void }) {
  const [form, setForm] = useState<NewCustomerForm>(EMPTY);
  const unsaved = useUnsavedChanges(form, "This customer");
  const save = useMutation((body: Record<string, unknown>) => api<Customer>("/success/customers", { body }));
  const set = <K extends keyof NewCustomerForm>(k: K, v: NewCustomerForm[K]) => setForm((f) => ({ ...f, [k]: v }));
  async function submit(e: FormEvent) {
    e.preventDefault();
    const created = await save.run(createBody(form));
    if (!created) return;
    unsaved.markSaved();
    props.onCreated(created);
  }
  const err = (field: string) => fieldError(save.error, field, `/${field}`);
  return (
    <Modal opened onClose={() => unsaved.mayClose() && props.onClose()} title={<TitleWithMark title="New customer" unsaved={unsaved} />} size="lg">
      <form onSubmit={submit}>
        <Stack>
          {save.error && !save.error.field && <ErrorNotice error={save.error} />}
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput label="CRM Account Id" description="The Account's id in the CRM; it keys the customer" required value={form.accountId} onChange={(e) => set("accountId", e.currentTarget.value)} error={err("accountId")} data-autofocus />
            <TextInput label="Name" required value={form.name} onChange={(e) => set("name", e.currentTarget.value)} error={err("name")} />
            <NativeSelect label="Status" data={["Active", "Inactive"]} value={form.status} onChange={(e) => set("status", e.currentTarget.value as NewCustomerForm["status"])} error={err("status")} />
            <TextInput label="Stage" placeholder="New, Adopting, Renewing…" value={form.stage} onChange={(e) => set("stage", e.currentTarget.value)} error={err("stage")} />
            <NumberInput label="ARR (USD)" min={0} thousandSeparator="," value={form.arr} onChange={(v) => set("arr", v)} error={err("arr")} />
            <NumberInput label="MRR (USD)" min={0} thousandSeparator="," value={form.mrr} onChange={(v) => set("mrr", v)} error={err("mrr")} />
            <TextInput label="Renewal date" type="date" value={form.renewalDate} onChange={(e) => set("renewalDate", e.currentTarget.value)} error={err("renewalDate")} />
            <NumberInput label="Users" min={0} allowDecimal={false} value={form.users} onChange={(v) => set("users", v)} error={err("users")} />
            <TextInput label="Churn risk" placeholder="Low, Medium, High" value={form.churnRisk} onChange={(e) => set("churnRisk", e.currentTarget.value)} error={err("churnRisk")} />
            <TextInput label="Onboarding status" value={form.onboardingStatus} onChange={(e) => set("onboardingStatus", e.currentTarget.value)} error={err("onboardingStatus")} />
          </SimpleGrid>
          <TagsInput label="Tags" description="Press Enter after each tag" value={form.tags} onChange={(v) => set("tags", v)} error={err("tags")} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => unsaved.mayClose() && props.onClose()}>
              Cancel
            </Button>
            <Button type="submit" loading={save.busy}>
              Create customer
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

type ImportProblem = { line: number; field: string; message: string; accountId?: string };
export type ImportResult = { created: number; updated: number; unchanged: number; problems: ImportProblem[] };

/** Sends CSV text to the import endpoint (it takes text/csv, which the JSON `api` helper does not send). */
async function postCsv(csv: string): Promise<ImportResult> {
  let response: Response;
  try {
    response = await fetch("/api/v1/success/customers/import", { method: "POST", headers: { accept: "application/json", "content-type": "text/csv" }, credentials: "same-origin", body: csv });
  } catch {
    throw new ApiError(0, "NETWORK", "Pendulum did not answer. Check that the server is running, then try again.");
  }
  const parsed = (await response.json().catch(() => ({}))) as Partial<ApiErrorBody> & Partial<ImportResult>;
  if (!response.ok) {
    if (response.status === 401) window.dispatchEvent(new CustomEvent("pendulum:signed-out"));
    throw new ApiError(response.status, parsed.code ?? `HTTP_${response.status}`, parsed.message ?? `The server answered ${response.status}.`, parsed.field);
  }
  return parsed as ImportResult;
}

const SAMPLE = "accountId,name,arr,renewalDate,stage\n001A000001,Acme Corp,120000,2027-03-31,Adopting";

/** A modal that imports customers from CSV (pasted or read from a file) and shows what happened to each line. */
export function ImportCustomersModal(props: { onClose(): void; onImported(): void }) {
  const [csv, setCsv] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [result, setResult] = useState<ImportResult | undefined>(undefined);
  const run = useMutation((text: string) => postCsv(text));
  async function pick(f: File | null) {
    setFile(f);
    if (f) setCsv(await f.text());
  }
  async function submit(e: FormEvent) {
    e.preventDefault();
    setResult(undefined);
    const r = await run.run(csv);
    if (r) {
      setResult(r);
      props.onImported();
    }
  }
  return (
    <Modal opened onClose={props.onClose} title="Import customers from CSV" size="xl">
      <form onSubmit={submit}>
        <Stack>
          <Text size="sm" c="dimmed">
            The first line names the columns and must include <b>accountId</b>; other columns are Customer Info fields (name, status, stage, arr, mrr, renewalDate, users, churnRisk, onboardingStatus, tags) or custom.&lt;key&gt;. Existing customers are updated; blank cells keep their value.
          </Text>
          {run.error && !run.error.field && <ErrorNotice error={run.error} />}
          <FileInput label="CSV file" placeholder="Choose a .csv file" accept=".csv,text/csv" clearable value={file} onChange={(f) => void pick(f)} />
          <Textarea label="CSV" description="Or paste the lines here" placeholder={SAMPLE} required autosize minRows={5} maxRows={14} value={csv} onChange={(e) => setCsv(e.currentTarget.value)} error={fieldError(run.error, "body", "csv")} styles={{ input: { fontFamily: "monospace" } }} />
          {result && (
            <Stack gap="xs" data-testid="import-result">
              <Paper withBorder p="sm" radius="md" role="status" style={{ borderLeft: `4px solid ${result.problems.length ? "#e8590c" : "#2b8a3e"}` }}>
                <Text fw={700} size="sm">
                  Import finished
                </Text>
                <Text size="sm">
                  {result.created} created · {result.updated} updated · {result.unchanged} unchanged · {result.problems.length} {result.problems.length === 1 ? "line" : "lines"} skipped
                </Text>
              </Paper>
              {result.problems.length > 0 && (
                <DataTable
                  testId="import-problems"
                  caption="Lines that were skipped"
                  rows={result.problems}
                  rowKey={(p) => `${p.line}:${p.field}`}
                  columns={[
                    { key: "line", label: "Line", align: "right" },
                    { key: "accountId", label: "Account id" },
                    { key: "field", label: "Field" },
                    { key: "message", label: "Problem" },
                  ]}
                />
              )}
            </Stack>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={props.onClose}>
              {result ? "Done" : "Cancel"}
            </Button>
            <Button type="submit" loading={run.busy} disabled={csv.trim() === ""}>
              Import
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
