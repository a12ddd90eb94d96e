import { useUnsavedMark } from "../../components/unsaved";
import { Button, Card, Checkbox, Code, Collapse, Group, Modal, NumberInput, PasswordInput, Progress, Radio, ScrollArea, SegmentedControl, Select, SimpleGrid, Stack, Stepper, Switch, Table, Text, TextInput, Title } from "@mantine/core";
import { useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import { api } from "../../api";
import { useCanEdit } from "../../auth";
import { ErrorNotice, Loading, PageHeader, formatCell, formatTime } from "../../components/common";
import { Link } from "../../router";
import { fieldError, useApi, useMutation } from "../../use-api";
import { StatusBadge } from "../../components/status-badge";
import { isBuiltIn, Note, type ConnectionView, type Grant, type LinkCheck, type LinkSettings, type ObjectInfo, type PullSettings, type SyncRun } from "./shared";

const CALLBACK_PATH = "/api/v1/sync/oauth/callback";

/** The article's setup in three steps: connect, link accounts, choose the fields to pull. */
function ConnectionWizard() {
  const connection = useApi<ConnectionView>("/sync/connection");
  const [step, setStep] = useState(0);
  const connected = connection.data?.status === "connected";
  return (
    <>
      <PageHeader title="CRM connection" description="Connect the CRM, link its Accounts to analytics accounts, then choose the fields Pendulum pulls into account metadata every day." />
      <ErrorNotice error={connection.error} onRetry={connection.reload} />
      {connection.loading && !connection.data ? (
        <Loading label="Loading the connection…" />
      ) : (
        <Stepper active={step} onStepClick={setStep} allowNextStepsSelect={connected} mt="sm">
          <Stepper.Step label="Connect" description="Sign in to the CRM">
            <ConnectStep connection={connection.data ?? { status: "disconnected" }} reload={connection.reload} onNext={() => setStep(1)} />
          </Stepper.Step>
          <Stepper.Step label="Link accounts" description="The Account field holding the analytics id">
            {connected ? <LinkStep onNext={() => setStep(2)} /> : <NotConnected />}
          </Stepper.Step>
          <Stepper.Step label="Pull fields" description="What analytics reads back">
            {connected ? <PullStep /> : <NotConnected />}
          </Stepper.Step>
        </Stepper>
      )}
    </>
  );
}

function NotConnected() {
  return (
    <Note color="gray" title="Connect first" mt="md">
      <Text size="sm">Finish the first step: this one reads the CRM&apos;s fields.</Text>
    </Note>
  );
}

/* ---------- step 1: connect ---------- */

function ConnectStep(props: { connection: ConnectionView; reload(): void; onNext(): void }) {
  const c = props.connection;
  const canEdit = useCanEdit();
  const [editing, setEditing] = useState(false);
  const [confirm, setConfirm] = useState(false);
  const disconnect = useMutation(() => api("/sync/connection", { method: "DELETE" }));
  const showForm = canEdit && (c.status === "disconnected" || editing);
  return (
    <Stack mt="md">
      {c.status !== "disconnected" && <ConnectionCard connection={c} />}
      {c.status === "reconnect" && (
        <Note color="orange" title="The CRM refused Pendulum's session">
          <Text size="sm">{c.message ?? "Sign in again."} Runs stop until you reconnect.</Text>
        </Note>
      )}
      {c.status === "pending-authorization" && canEdit && <SignInWindow onConnected={props.reload} />}
      <ErrorNotice error={disconnect.error} />
      {c.status !== "disconnected" && canEdit && !editing && (
        <Group>
          {c.status === "connected" && <Button onClick={props.onNext}>Next: link accounts</Button>}
          <Button variant="default" onClick={() => setEditing(true)}>
            Reconnect
          </Button>
          <Button variant="subtle" color="red" onClick={() => setConfirm(true)}>
            Disconnect
          </Button>
        </Group>
      )}
      {c.status === "connected" && !canEdit && <Button onClick={props.onNext} w="fit-content">Next: link accounts</Button>}
      {showForm && (
        <ConnectForm
          current={c}
          onCancel={c.status === "disconnected" ? undefined : () => setEditing(false)}
          onSaved={() => {
            setEditing(false);
            props.reload();
          }}
        />
      )}
      <Modal opened={confirm} onClose={() => setConfirm(false)} title="Disconnect the CRM?" closeButtonProps={{ "aria-label": "Close" }}>
        <Stack>
          <Text size="sm">Pendulum forgets the connection and its tokens. Scheduled pulls and pushes fail until you connect again; link and pull settings are kept.</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirm(false)}>
              Keep connected
            </Button>
            <Button
              color="red"
              loading={disconnect.busy}
              onClick={() =>
                void disconnect.run(undefined).then((r) => {
                  setConfirm(false);
                  if (r) props.reload();
                })
              }
            >
              Disconnect
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}

function ConnectionCard(props: { connection: Exclude<ConnectionView, { status: "disconnected" }> }) {
  const c = props.connection;
  const builtIn = isBuiltIn(c);
  const limits = useApi<{ used: number; max: number }>(builtIn ? "/crm/limits" : null);
  const usage = builtIn && limits.data ? { used: limits.data.used, limit: limits.data.max, at: Date.now() } : c.apiUsage;
  const share = usage && usage.limit > 0 ? Math.min(100, (usage.used / usage.limit) * 100) : 0;
  return (
    <Card withBorder data-testid="connection-card">
      <Group justify="space-between" mb="sm">
        <Group gap="sm">
          <Title order={2} size="h4">
            {builtIn ? "Built-in CRM" : "Salesforce org"}
          </Title>
          <StatusBadge kind="connection" status={c.status} size="lg" />
        </Group>
        <Text size="sm" c="dimmed">
          {grantWords(c.grant)}
        </Text>
      </Group>
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }}>
        <Fact label="Instance" value={c.loginUrl} />
        <Fact label="Signed in as" value={c.org ? `${c.org.displayName} (${c.org.username})` : (c.username ?? "—")} />
        <Fact label="Organization id" value={c.org?.orgId ?? "—"} />
        <Fact label="Push prefix · API version" value={`${c.fieldPrefix} · v${c.apiVersion}`} />
      </SimpleGrid>
      {usage && (
        <Stack gap={4} mt="md">
          <Group justify="space-between">
            <Text size="sm" fw={600}>
              API requests today
            </Text>
            <Text size="sm">
              {formatCell(usage.used)} of {formatCell(usage.limit)} · {formatCell(c.apiReserve)} kept for other integrations
            </Text>
          </Group>
          <Progress value={share} color={share > 80 ? "red" : share > 50 ? "orange" : "blue"} aria-label={`API requests used today: ${usage.used} of ${usage.limit}`} />
          <Text size="xs" c="dimmed">
            {builtIn ? "Live count from the built-in CRM." : `As of ${formatTime(usage.at)} (updated after each run).`}
          </Text>
        </Stack>
      )}
    </Card>
  );
}

function Fact(props: { label: string; value: string }) {
  return (
    <Stack gap={0}>
      <Text size="xs" c="dimmed">
        {props.label}
      </Text>
      <Text size="sm" style={{ overflowWrap: "anywhere" }}>
        {props.value}
      </Text>
    </Stack>
  );
}

function grantWords(g: Grant): string {
  return g === "authorization_code" ? "Signed in with OAuth" : g === "client_credentials" ? "Integration user (client credentials)" : "Username and password";
}

type ConnectBody = { loginUrl: string; clientId: string; clientSecret: string; grant: Grant; username?: string; password?: string; redirectUri?: string; apiVersion?: string; apiReserve?: number; fieldPrefix?: string };

const SALESFORCE_LOGINS = [
  { value: "https://login.salesforce.com", label: "Production (login.salesforce.com)" },
  { value: "https://test.salesforce.com", label: "Sandbox (test.salesforce.com)" },
  { value: "custom", label: "My domain…" },
];

function ConnectForm(props: { current: ConnectionView; onSaved(): void; onCancel?: () => void }) {
  const cur = props.current.status === "disconnected" ? undefined : props.current;
  const origin = window.location.origin;
  const [target, setTarget] = useState<string>(cur && !isBuiltIn(cur) ? "salesforce" : "builtin");
  const curLogin = cur?.loginUrl ?? "https://login.salesforce.com";
  const [login, setLogin] = useState<string | null>(SALESFORCE_LOGINS.some((l) => l.value === curLogin) ? curLogin : "custom");
  const [customLogin, setCustomLogin] = useState(SALESFORCE_LOGINS.some((l) => l.value === curLogin) ? "" : curLogin);
  const [grant, setGrant] = useState<Grant>(cur?.grant ?? (target === "builtin" ? "client_credentials" : "authorization_code"));
  const [clientId, setClientId] = useState(cur?.clientId ?? "");
  const [clientSecret, setClientSecret] = useState("");
  const [username, setUsername] = useState(cur?.username ?? "");
  const [password, setPassword] = useState("");
  const [advanced, setAdvanced] = useState(false);
  const [apiVersion, setApiVersion] = useState(cur?.apiVersion ?? "62.0");
  const [apiReserve, setApiReserve] = useState<number | string>(cur?.apiReserve ?? 1000);
  const [fieldPrefix, setFieldPrefix] = useState(cur?.fieldPrefix ?? "Pendo_");
  const save = useMutation((body: ConnectBody) => api<ConnectionView>("/sync/connection", { method: "PUT", body }));
  const loginUrl = target === "builtin" ? origin : login === "custom" ? customLogin.trim() : (login ?? "");

  async function submit(e: FormEvent) {
    e.preventDefault();
    const body: ConnectBody = { loginUrl, clientId: clientId.trim(), clientSecret, grant, apiVersion: apiVersion.trim(), apiReserve: Number(apiReserve), fieldPrefix: fieldPrefix.trim() };
    if (grant === "password") {
      body.username = username.trim();
      body.password = password;
    }
    if (grant === "authorization_code") body.redirectUri = `${origin}${CALLBACK_PATH}`;
    const r = await save.run(body);
    if (!r) return;
    if (r.status === "pending-authorization") openSignIn();
    props.onSaved();
  }

  return (
    <Card withBorder component="form" onSubmit={submit} aria-label="Connection settings">
      <Stack>
        <Title order={2} size="h4">
          {cur ? "Reconnect" : "Connect a CRM"}
        </Title>
        {save.error && (!save.error.field || save.error.code === "CRM_LOGIN_FAILED") && <ErrorNotice error={save.error} title="Could not connect" />}
        <Radio.Group label="Which CRM" value={target} onChange={(v) => {
          setTarget(v);
          if (v === "builtin" && grant === "authorization_code") setGrant("client_credentials");
        }}>
          <Group mt={4}>
            <Radio value="builtin" label="Pendulum's built-in CRM" />
            <Radio value="salesforce" label="A Salesforce org" />
          </Group>
        </Radio.Group>
        {target === "builtin" ? (
          <Text size="sm" c="dimmed">
            The built-in CRM answers at <Code>{origin}</Code>. Its integration user and connected app were printed when Pendulum first started.
          </Text>
        ) : (
          <Group grow align="flex-start">
            <Select label="Login URL" data={SALESFORCE_LOGINS} value={login} onChange={setLogin} allowDeselect={false} error={login !== "custom" ? fieldError(save.error, "loginUrl") : undefined} />
            {login === "custom" && <TextInput label="My domain URL" placeholder="https://acme.my.salesforce.com" required value={customLogin} onChange={(e) => setCustomLogin(e.currentTarget.value)} error={fieldError(save.error, "loginUrl")} />}
          </Group>
        )}
        <SegmentedControl
          aria-label="How Pendulum signs in"
          value={grant}
          onChange={(v) => setGrant(v as Grant)}
          data={[
            { value: "authorization_code", label: "Sign in with OAuth" },
            { value: "client_credentials", label: "Integration user" },
            { value: "password", label: "Username and password" },
          ]}
        />
        <Text size="xs" c="dimmed">
          {grant === "authorization_code"
            ? "You sign in to the CRM in a new window; Pendulum keeps a refresh token. Register this callback URL on the connected app: "
            : grant === "client_credentials"
              ? "The connected app runs as its integration user; no person signs in."
              : "Pendulum signs in as an API user. Append the security token to the password if the org asks for one."}
          {grant === "authorization_code" && <Code>{`${origin}${CALLBACK_PATH}`}</Code>}
        </Text>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput label="Client id (consumer key)" required value={clientId} onChange={(e) => setClientId(e.currentTarget.value)} error={fieldError(save.error, "clientId")} autoComplete="off" />
          <PasswordInput label="Client secret (consumer secret)" required value={clientSecret} onChange={(e) => setClientSecret(e.currentTarget.value)} error={fieldError(save.error, "clientSecret")} autoComplete="off" />
          {grant === "password" && (
            <>
              <TextInput label="Username" required value={username} onChange={(e) => setUsername(e.currentTarget.value)} error={fieldError(save.error, "username")} autoComplete="off" />
              <PasswordInput label="Password" required value={password} onChange={(e) => setPassword(e.currentTarget.value)} error={fieldError(save.error, "password")} autoComplete="off" />
            </>
          )}
        </SimpleGrid>
        <Switch label="Advanced settings" checked={advanced} onChange={(e) => setAdvanced(e.currentTarget.checked)} />
        <Collapse expanded={advanced}>
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <TextInput label="API version" description="Like 62.0" value={apiVersion} onChange={(e) => setApiVersion(e.currentTarget.value)} error={fieldError(save.error, "apiVersion")} />
            <NumberInput label="API requests to leave unused" description="Runs stop before the day's remaining allocation falls below this" min={0} value={apiReserve} onChange={setApiReserve} error={fieldError(save.error, "apiReserve")} />
            <TextInput label="Push prefix" description="Pendulum writes only fields starting with this" value={fieldPrefix} onChange={(e) => setFieldPrefix(e.currentTarget.value)} error={fieldError(save.error, "fieldPrefix")} />
          </SimpleGrid>
        </Collapse>
        <Group justify="flex-end">
          {props.onCancel && (
            <Button variant="default" onClick={props.onCancel}>
              Cancel
            </Button>
          )}
          <Button type="submit" loading={save.busy}>
            {grant === "authorization_code" ? "Save and sign in" : "Connect"}
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

let signInWindow: Window | null = null;
function openSignIn(): void {
  signInWindow = window.open("/api/v1/sync/oauth/start", "pendulum-crm-sign-in", "width=560,height=680");
  if (!signInWindow) window.location.assign("/api/v1/sync/oauth/start");
}

/** While the CRM waits for the admin to sign in: reopens the window and notices when the callback connected. */
function SignInWindow(props: { onConnected(): void }) {
  const [closed, setClosed] = useState(false);
  const onConnected = useRef(props.onConnected);
  onConnected.current = props.onConnected;
  useEffect(() => {
    const timer = window.setInterval(() => {
      void api<ConnectionView>("/sync/connection")
        .then((c) => {
          if (c.status === "connected") {
            signInWindow?.close();
            onConnected.current();
          } else if (signInWindow?.closed) setClosed(true);
        })
        .catch(() => undefined);
    }, 1500);
    return () => window.clearInterval(timer);
  }, []);
  return (
    <Note color="blue" title="Waiting for you to sign in to the CRM">
      <Stack gap="xs">
        <Text size="sm">{closed ? "The sign-in window was closed before the CRM confirmed. Open it again to finish." : "Finish signing in in the CRM's window; this page notices when it is done."}</Text>
        <Button
          size="xs"
          w="fit-content"
          onClick={() => {
            setClosed(false);
            openSignIn();
          }}
        >
          Open the sign-in window
        </Button>
      </Stack>
    </Note>
  );
}

/* ---------- step 2: link ---------- */

const LINKABLE = new Set(["string", "email", "id"]);

function LinkStep(props: { onNext(): void }) {
  const canEdit = useCanEdit();
  const saved = useApi<LinkSettings>("/sync/link");
  const accounts = useApi<ObjectInfo>("/sync/fields?object=Account");
  const contacts = useApi<ObjectInfo>("/sync/fields?object=Contact");
  const [field, setField] = useState<string | null>(null);
  const [visitorField, setVisitorField] = useState<string | null>(null);
  const [checked, setChecked] = useState<LinkCheck | null>(null);
  const [savedNote, setSavedNote] = useState(false);
  useEffect(() => {
    if (saved.data && field === null) {
      setField(saved.data.accountField);
      setVisitorField(saved.data.visitorField ?? null);
    }
  }, [saved.data, field]);
  const check = useMutation((f: string) => api<LinkCheck>("/sync/link/check", { body: { field: f } }));
  const save = useMutation((body: LinkSettings) => api<LinkSettings>("/sync/link", { method: "PUT", body }));
  const options = (o: ObjectInfo | undefined) => (o?.fields ?? []).filter((f) => f.name === "Id" || LINKABLE.has(f.type)).map((f) => ({ value: f.name, label: `${f.label} (${f.name})${f.externalId ? " · external id" : ""}` }));
  const accountOptions = useMemo(() => options(accounts.data), [accounts.data]);
  const contactOptions = useMemo(() => options(contacts.data), [contacts.data]);
  const unsaved = useUnsavedMark(saved.data !== undefined && field !== null && (field !== saved.data.accountField || (visitorField ?? null) !== (saved.data.visitorField ?? null)), "The account link");
  if ((saved.loading && !saved.data) || (accounts.loading && !accounts.data)) return <Loading label="Reading the CRM's fields…" />;
  const current = checked && checked.field === field ? checked : null;

  return (
    <Stack mt="md">
      <ErrorNotice error={saved.error ?? accounts.error} onRetry={() => { saved.reload(); accounts.reload(); }} />
      <Text size="sm">
        Choose the Account field that holds the id analytics uses for the account. Use <Code>Id</Code> when analytics already sends the CRM&apos;s Account ids; otherwise an external-id text field such as <Code>Analytics_Account_Id__c</Code>.
      </Text>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Select
          label="Account link field"
          description="Holds the analytics account id"
          searchable
          required
          data={accountOptions}
          value={field}
          onChange={(v) => {
            setField(v);
            setSavedNote(false);
          }}
          allowDeselect={false}
          error={fieldError(save.error, "accountField") ?? fieldError(check.error, "field")}
          disabled={!canEdit}
        />
        <Select
          label="Contact link field (optional)"
          description="Holds the analytics visitor id, for pulling visitor fields"
          searchable
          clearable
          data={contactOptions}
          value={visitorField}
          onChange={(v) => {
            setVisitorField(v);
            setSavedNote(false);
          }}
          error={fieldError(save.error, "visitorField")}
          disabled={!canEdit}
        />
      </SimpleGrid>
      {check.error && !check.error.field && <ErrorNotice error={check.error} title="The check failed" />}
      {save.error && !save.error.field && <ErrorNotice error={save.error} />}
      <Group>
        <Button variant={current ? "default" : "filled"} loading={check.busy} disabled={!field} onClick={() => field && void check.run(field).then((r) => r && setChecked(r))}>
          Check for duplicates and unmatched accounts
        </Button>
        {canEdit && (
          <Button
            disabled={!current}
            loading={save.busy}
            onClick={() =>
              field &&
              void save.run({ accountField: field, ...(visitorField ? { visitorField } : {}), ...(saved.data?.appId ? { appId: saved.data.appId } : {}) }).then((r) => {
                if (r) {
                  setSavedNote(true);
                  saved.reload();
                }
              })
            }
          >
            Save link
          </Button>
        )}
        {unsaved.mark}
        {savedNote && (
          <Button variant="light" onClick={props.onNext}>
            Next: pull fields
          </Button>
        )}
      </Group>
      {!current && <Text size="xs" c="dimmed">Run the check for the chosen field before saving it.</Text>}
      {savedNote && (
        <Note color="green" title="Link saved">
          <Text size="sm">Runs match CRM Accounts to analytics accounts by {field}.</Text>
        </Note>
      )}
      {current && <CheckResult r={current} />}
    </Stack>
  );
}

function CheckResult(props: { r: LinkCheck }) {
  const r = props.r;
  const dupKeys = useMemo(() => {
    const m = new Map<string, string[]>();
    for (const d of r.duplicates) m.set(d.key ?? "", [...(m.get(d.key ?? "") ?? []), d.recordId ?? ""]);
    return [...m.entries()];
  }, [r.duplicates]);
  const total = Math.max(1, r.analytics);
  return (
    <Card withBorder data-testid="link-check">
      <Title order={2} size="h4" mb="sm">
        Check of {r.object}.{r.field}
      </Title>
      <SimpleGrid cols={{ base: 2, sm: 6 }} mb="sm">
        <Stat label="CRM records" value={r.crmRecords} />
        <Stat label="Analytics accounts" value={r.analytics} />
        <Stat label="Matched" value={r.matched} />
        <Stat label="Duplicate keys" value={dupKeys.length} />
        <Stat label="Unmatched" value={r.unmatchedCount} />
        <Stat label="Orphan CRM records" value={r.orphanCount} />
      </SimpleGrid>
      <Progress.Root size="lg">
        <Progress.Section value={(r.matched / total) * 100} color="green" aria-label={`Matched: ${r.matched} of ${r.analytics}`} />
        <Progress.Section value={((r.analytics - r.matched - r.unmatchedCount) / total) * 100} color="red" aria-label={`On duplicated keys: ${r.analytics - r.matched - r.unmatchedCount} of ${r.analytics}`} />
        <Progress.Section value={(r.unmatchedCount / total) * 100} color="orange" aria-label={`Unmatched: ${r.unmatchedCount} of ${r.analytics}`} />
      </Progress.Root>
      <Text size="xs" c="dimmed" mt={4}>
        {r.analytics === 0 ? "Analytics has seen no accounts yet." : `${Math.round((r.matched / total) * 100)}% of analytics accounts match exactly one CRM record. Duplicated keys are skipped by every run until fixed in the CRM.`}
      </Text>
      {dupKeys.length > 0 && (
        <>
          <Title order={3} size="h5" mt="md" mb={4}>
            Keys held by more than one record
          </Title>
          <ScrollArea.Autosize mah={220}>
            <Table striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Key</Table.Th>
                  <Table.Th>CRM records</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {dupKeys.slice(0, 100).map(([k, ids]) => (
                  <Table.Tr key={k}>
                    <Table.Td>{k}</Table.Td>
                    <Table.Td>{ids.join(", ")}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea.Autosize>
        </>
      )}
      {r.unmatched.length > 0 && (
        <>
          <Title order={3} size="h5" mt="md" mb={4}>
            Analytics accounts with no CRM record
          </Title>
          <Text size="sm" style={{ overflowWrap: "anywhere" }}>
            {r.unmatched
              .slice(0, 30)
              .map((u) => u.key)
              .join(", ")}
            {r.unmatchedCount > 30 ? ` and ${(r.unmatchedCount - 30).toLocaleString("en-US")} more` : ""}
          </Text>
        </>
      )}
    </Card>
  );
}

function Stat(props: { label: string; value: number }) {
  return (
    <Stack gap={0} data-testid={`check-${props.label}`}>
      <Text size="xs" c="dimmed">
        {props.label}
      </Text>
      <Text size="xl" fw={700}>
        {props.value.toLocaleString("en-US")}
      </Text>
    </Stack>
  );
}

/* ---------- step 3: pull ---------- */

function PullStep() {
  const canEdit = useCanEdit();
  const saved = useApi<PullSettings>("/sync/pull");
  const link = useApi<LinkSettings>("/sync/link");
  const accounts = useApi<ObjectInfo>("/sync/fields?object=Account");
  const [chosen, setChosen] = useState<string[] | null>(null);
  const [showStandard, setShowStandard] = useState(false);
  const [run, setRun] = useState<SyncRun | null>(null);
  const [savedNote, setSavedNote] = useState(false);
  useEffect(() => {
    if (saved.data && chosen === null) setChosen(saved.data.accountFields);
  }, [saved.data, chosen]);
  const save = useMutation((body: PullSettings) => api<PullSettings>("/sync/pull", { method: "PUT", body }));
  const pull = useMutation(() => api<SyncRun>("/sync/runs", { body: { pull: true, push: false } }));
  useEffect(() => {
    if (!run || run.status !== "running") return;
    const t = window.setTimeout(() => {
      void api<SyncRun>(`/sync/runs/${run.id}`)
        .then(setRun)
        .catch(() => undefined);
    }, 1000);
    return () => window.clearTimeout(t);
  }, [run]);
  const selected = chosen ?? [];
  const dirty = saved.data !== undefined && chosen !== null && JSON.stringify([...selected].sort()) !== JSON.stringify([...saved.data.accountFields].sort());
  const unsaved = useUnsavedMark(dirty, "The pull fields");
  if ((saved.loading && !saved.data) || (accounts.loading && !accounts.data)) return <Loading label="Reading the CRM's fields…" />;
  const fields = (accounts.data?.fields ?? []).filter((f) => f.name !== "Id" && (showStandard || f.name.endsWith("__c") || selected.includes(f.name)));
  const pullError = pull.error;
  return (
    <Stack mt="md">
      <ErrorNotice error={saved.error ?? accounts.error ?? link.error} onRetry={() => { saved.reload(); accounts.reload(); link.reload(); }} />
      <Text size="sm">
        Pulled values become read-only account metadata (<Code>crm.Field__c</Code>) for segments and guides. Accounts are matched by <Code>{link.data?.accountField ?? "Id"}</Code>.
      </Text>
      <Switch label="Show standard fields too" checked={showStandard} onChange={(e) => setShowStandard(e.currentTarget.checked)} />
      <Checkbox.Group
        label="Account fields to pull"
        description={`${selected.length} chosen`}
        value={selected}
        onChange={(v) => {
          setChosen(v);
          setSavedNote(false);
        }}
        error={save.error?.field ? `${save.error.message}` : undefined}
      >
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} mt="xs" spacing="xs">
          {fields.map((f) => (
            <Checkbox key={f.name} value={f.name} label={f.label} description={f.name} disabled={!canEdit} />
          ))}
        </SimpleGrid>
        {fields.length === 0 && (
          <Text size="sm" c="dimmed">
            The Account has no custom fields yet. <Link to="/crm/fields">Add them on the Account fields screen</Link>.
          </Text>
        )}
      </Checkbox.Group>
      {save.error && !save.error.field && <ErrorNotice error={save.error} />}
      {pullError && <ErrorNotice error={pullError} title="The pull did not start" />}
      {canEdit && (
        <Group>
          <Button
            loading={save.busy}
            onClick={() =>
              void save.run({ accountFields: selected, visitorFields: saved.data?.visitorFields ?? [] }).then((r) => {
                if (r) {
                  setSavedNote(true);
                  saved.reload();
                }
              })
            }
          >
            Save pull fields
          </Button>
          <Button variant="default" loading={pull.busy || run?.status === "running"} disabled={dirty} onClick={() => void pull.run(undefined).then((r) => r && setRun(r))}>
            Pull now
          </Button>
          {unsaved.mark}
          {dirty && <Text size="xs" c="dimmed">Save the fields before pulling.</Text>}
        </Group>
      )}
      {savedNote && !dirty && (
        <Note color="green" title="Pull fields saved">
          <Text size="sm">Every run pulls {selected.length === 0 ? "no fields" : selected.join(", ")}.</Text>
        </Note>
      )}
      {run && (
        <Card withBorder data-testid="pull-result">
          <Group justify="space-between">
            <Group gap="sm">
              <Text fw={600}>Pull started {formatTime(run.startedAt)}</Text>
              <StatusBadge status={run.status} notices={run.notices} />
            </Group>
            <Link to={`/crm/runs/${run.id}`}>See the run</Link>
          </Group>
          {run.status !== "running" && (
            <Text size="sm" mt="xs">
              Read {formatCell(run.counts.read)} CRM records · {formatCell(run.counts.unmatched)} unmatched · {formatCell(run.counts.duplicates)} duplicates · {formatCell(run.counts.orphans)} orphans · {formatCell(run.apiCalls)} API calls
              {run.message ? ` · ${run.message}` : ""}
            </Text>
          )}
        </Card>
      )}
    </Stack>
  );
}

export { ConnectionWizard };
