import { Button, Code, Group, Modal, PasswordInput, Select, Stack, Text, TextInput, Title, Alert } from "@mantine/core";
import { useState, type FormEvent } from "react";
import { api } from "../../api";
import { useAuth } from "../../auth";
import { DataTable, ErrorNotice, PageHeader, formatTime, Loaded } from "../../components/common";
import { fieldError, useApi, useMutation } from "../../use-api";
import type { ScreenRoute } from "../types";

type User = { id: string; email: string; role: "admin" | "viewer"; createdAt: number };
type Token = { id: string; name: string; role: "admin" | "viewer"; createdAt: number; lastUsedAt: number | null; revoked: boolean };

/** Users (admin or viewer) and API tokens; admins only. */
function Settings() {
  const users = useApi<{ users: User[] }>("/users");
  const tokens = useApi<{ tokens: Token[] }>("/tokens");
  const [addUser, setAddUser] = useState(false);
  const [addToken, setAddToken] = useState(false);
  const remove = useMutation((id: string) => api(`/users/${encodeURIComponent(id)}`, { method: "DELETE" }));
  const revoke = useMutation((id: string) => api(`/tokens/${encodeURIComponent(id)}`, { method: "DELETE" }));
  const { me } = useAuth();
  const admins = (users.data?.users ?? []).filter((u) => u.role === "admin").length;
  // The server refuses both; the screen says why instead of offering the button.
  const undeletable = (u: User): string | null => (me?.kind === "user" && me.id === u.id ? "You (signed in)" : u.role === "admin" && admins <= 1 ? "The only admin" : null);
  return (
    <>
      <PageHeader title="Users and API tokens" description="Admins change settings; viewers read everything but secrets." />
      <ErrorNotice error={remove.error ?? revoke.error} />
      <Group justify="space-between" mb="xs">
        <Title order={2} size="h4">
          Users
        </Title>
        <Button size="xs" onClick={() => setAddUser(true)}>
          Add user
        </Button>
      </Group>
      <Loaded state={users}>{() => (
        <DataTable
          testId="users-table"
          rows={users.data?.users ?? []}
          rowKey={(u) => u.id}
          columns={[
            { key: "email", label: "Email" },
            { key: "role", label: "Role" },
            { key: "createdAt", label: "Added", render: (u) => formatTime(u.createdAt) },
            {
              key: "actions",
              label: "Actions",
              render: (u) => {
                const why = undeletable(u);
                if (why) return <Text size="xs" c="dimmed">{why}</Text>;
                return (
                  <Button
                    size="compact-xs"
                    variant="subtle"
                    color="red"
                    aria-label={`Delete user ${u.email}`}
                    onClick={() => {
                      if (window.confirm(`Delete the user ${u.email}? They are signed out at once.`)) void remove.run(u.id).then((r) => r && users.reload());
                    }}
                  >
                    Delete
                  </Button>
                );
              },
            },
          ]}
        />
      )}</Loaded>
      <Group justify="space-between" mb="xs" mt="xl">
        <Title order={2} size="h4">
          API tokens
        </Title>
        <Button size="xs" onClick={() => setAddToken(true)}>
          New token
        </Button>
      </Group>
      <Loaded state={tokens}>{() => (
        <DataTable
          testId="tokens-table"
          rows={tokens.data?.tokens ?? []}
          rowKey={(t) => t.id}
          columns={[
            { key: "name", label: "Name" },
            { key: "role", label: "Role" },
            { key: "lastUsedAt", label: "Last used", render: (t) => formatTime(t.lastUsedAt) },
            { key: "revoked", label: "Status", render: (t) => (t.revoked ? "revoked" : "active") },
            {
              key: "actions",
              label: "Actions",
              render: (t) =>
                t.revoked ? null : (
                  <Button size="compact-xs" variant="subtle" color="red" aria-label={`Revoke token ${t.name}`} onClick={() => void revoke.run(t.id).then((r) => r && tokens.reload())}>
                    Revoke
                  </Button>
                ),
            },
          ]}
        />
      )}</Loaded>
      <AddUser opened={addUser} onClose={() => setAddUser(false)} onDone={users.reload} />
      <AddToken opened={addToken} onClose={() => setAddToken(false)} onDone={tokens.reload} />
    </>
  );
}

function AddUser(props: { opened: boolean; onClose(): void; onDone(): void }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<string | null>("viewer");
  const save = useMutation((body: { email: string; password: string; role: string }) => api("/users", { body }));
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (await save.run({ email, password, role: role ?? "viewer" })) {
      props.onDone();
      props.onClose();
    }
  }
  return (
    <Modal opened={props.opened} onClose={props.onClose} title="Add a user">
      <form onSubmit={submit}>
        <Stack>
          {save.error && !save.error.field && <ErrorNotice error={save.error} />}
          <TextInput label="Email" type="email" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} error={fieldError(save.error, "email")} />
          <PasswordInput label="Password" description="At least 8 characters" required value={password} onChange={(e) => setPassword(e.currentTarget.value)} error={fieldError(save.error, "password")} />
          <Select label="Role" data={[{ value: "admin", label: "Admin" }, { value: "viewer", label: "Viewer" }]} value={role} onChange={setRole} allowDeselect={false} />
          <Button type="submit" loading={save.busy}>
            Add user
          </Button>
        </Stack>
      </form>
    </Modal>
  );
}

function AddToken(props: { opened: boolean; onClose(): void; onDone(): void }) {
  const [name, setName] = useState("");
  const [role, setRole] = useState<string | null>("admin");
  const [created, setCreated] = useState<string | null>(null);
  const save = useMutation((body: { name: string; role: string }) => api<{ token: string }>("/tokens", { body }));
  async function submit(e: FormEvent) {
    e.preventDefault();
    const r = await save.run({ name, role: role ?? "admin" });
    if (r) {
      setCreated(r.token);
      props.onDone();
    }
  }
  const close = () => {
    setCreated(null);
    setName("");
    props.onClose();
  };
  return (
    <Modal opened={props.opened} onClose={close} title="New API token">
      {created ? (
        <Stack>
          <Alert color="yellow" title="Shown once">
            Copy this token now; Pendulum stores only its hash.
          </Alert>
          <Code block data-testid="new-token">
            {created}
          </Code>
          <Button onClick={close}>Done</Button>
        </Stack>
      ) : (
        <form onSubmit={submit}>
          <Stack>
            {save.error && !save.error.field && <ErrorNotice error={save.error} />}
            <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} error={fieldError(save.error, "name")} />
            <Select label="Role" data={[{ value: "admin", label: "Admin" }, { value: "viewer", label: "Viewer" }]} value={role} onChange={setRole} allowDeselect={false} />
            <Button type="submit" loading={save.busy}>
              Create token
            </Button>
          </Stack>
        </form>
      )}
    </Modal>
  );
}

export const settingsRoutes: ScreenRoute[] = [{ path: "/settings", component: Settings, nav: { label: "Users and tokens", section: "Settings" }, adminOnly: true }];
