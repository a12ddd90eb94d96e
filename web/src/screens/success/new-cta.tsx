import { Button, Group, Modal, NativeSelect, NumberInput, Stack, TextInput, Textarea } from "@mantine/core";
import { useState, type FormEvent } from "react";
import { api } from "../../api";
import { ErrorNotice } from "../../components/common";
import { TitleWithMark, useUnsavedChanges } from "../../components/unsaved";
import { fieldError, useMutation } from "../../use-api";
import { CustomerPicker, OwnerPicker } from "./pickers";
import { PRIORITIES, type Cta } from "./shared";

/** Opens a CTA by hand: the customer picked by name, an owner, a due date. */
export function NewCta(props: { onClose(): void; onCreated(): void; customer?: { accountId: string; name: string } }) {
  const [form, setForm] = useState({ accountId: props.customer?.accountId ?? "", type: "Risk", reason: "", priority: "Medium", owner: "", dueInDays: 7 as string | number, comment: "" });
  const unsaved = useUnsavedChanges(form, "This CTA");
  const cancel = () => unsaved.mayClose() && props.onClose();
  const save = useMutation(() => {
    const due = Number(form.dueInDays);
    const dueDate = Number.isFinite(due) && form.dueInDays !== "" ? new Date(Date.now() + due * 86_400_000).toISOString().slice(0, 10) : null;
    return api<Cta>("/success/ctas", { body: { accountId: form.accountId.trim(), type: form.type, reason: form.reason, priority: form.priority, owner: form.owner || null, dueDate, comment: form.comment || null } });
  });
  async function submit(e: FormEvent) {
    e.preventDefault();
    if ((await save.run(undefined)) !== undefined) {
      unsaved.markSaved();
      props.onCreated();
      props.onClose();
    }
  }
  return (
    <Modal opened onClose={cancel} title={<TitleWithMark title="New CTA" unsaved={unsaved} />}>
      <form onSubmit={submit}>
        <Stack>
          {save.error && !fieldError(save.error, "accountId", "type", "reason", "priority", "owner", "dueDate", "comment") && <ErrorNotice error={save.error} />}
          <CustomerPicker label="Customer" required value={form.accountId} initialName={props.customer?.name} onChange={(accountId) => setForm({ ...form, accountId })} error={fieldError(save.error, "accountId")} />
          <Group grow align="flex-start">
            <TextInput label="Type" required value={form.type} onChange={(e) => setForm({ ...form, type: e.currentTarget.value })} error={fieldError(save.error, "type")} />
            <NativeSelect label="Priority" data={[...PRIORITIES]} value={form.priority} onChange={(e) => setForm({ ...form, priority: e.currentTarget.value })} error={fieldError(save.error, "priority")} />
          </Group>
          <TextInput label="Reason" required value={form.reason} onChange={(e) => setForm({ ...form, reason: e.currentTarget.value })} error={fieldError(save.error, "reason")} />
          <Group grow align="flex-start">
            <OwnerPicker label="Owner" value={form.owner} onChange={(owner) => setForm({ ...form, owner })} error={fieldError(save.error, "owner")} />
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
