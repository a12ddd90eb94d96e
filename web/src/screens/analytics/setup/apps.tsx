import { useUnsavedMark } from "../../../components/unsaved";
import { Alert, Button, Card, Code, CopyButton, Group, Modal, Select, Stack, Switch, Text, TextInput, Title } from "@mantine/core";
import { useEffect, useMemo, useState, type FormEvent } from "react";
import { api } from "../../../api";
import { useCanEdit } from "../../../auth";
import { DataTable, ErrorNotice, Loading, PageHeader, formatTime, Loaded } from "../../../components/common";
import { Link, navigate } from "../../../router";
import { fieldError, useApi, useMutation } from "../../../use-api";

type AppSettings = { trackEventsCountAsActivity: boolean; timeZone: string };
export type AppView = { id: string; name: string; appKey: string; settings: AppSettings; createdAt: number; snippet: string };

/** Every IANA time zone the browser knows, for the time zone pickers. */
function useTimeZones(): string[] {
  return useMemo(() => {
    const zones = Intl.supportedValuesOf("timeZone");
    return zones.includes("UTC") ? zones : ["UTC", ...zones];
  }, []);
}

/** The apps whose agent sends events: their keys, install snippet and settings. */
function Apps() {
  const apps = useApi<{ apps: AppView[] }>("/apps");
  const canEdit = useCanEdit();
  const [creating, setCreating] = useState(false);
  return (
    <>
      <PageHeader
        title="Apps"
        description="Each app is one product sending events through the agent. Install the snippet, then define pages, features and segments on its data."
        actions={canEdit && <Button onClick={() => setCreating(true)}>New app</Button>}
      />
      <Loaded state={apps} label="Loading apps…">{() => (
        <DataTable
          testId="apps-table"
          rows={apps.data?.apps ?? []}
          rowKey={(a) => a.id}
          empty="No app yet. Create one to get its install snippet."
          columns={[
            { key: "name", label: "Name", render: (a) => <Link to={`/apps/${encodeURIComponent(a.id)}`}>{a.name}</Link> },
            { key: "appKey", label: "App key", render: (a) => <Code>{a.appKey}</Code> },
            { key: "timeZone", label: "Time zone", sortValue: (a) => a.settings.timeZone, render: (a) => a.settings.timeZone },
            {
              key: "track",
              label: "Track events count as activity",
              sortValue: (a) => (a.settings.trackEventsCountAsActivity ? 1 : 0),
              render: (a) => (a.settings.trackEventsCountAsActivity ? "Yes" : "No"),
            },
            { key: "createdAt", label: "Created", render: (a) => formatTime(a.createdAt) },
          ]}
        />
      )}</Loaded>
      <CreateApp opened={creating} onClose={() => setCreating(false)} onCreated={apps.reload} />
    </>
  );
}

function CreateApp(props: { opened: boolean; onClose(): void; onCreated(): void }) {
  const zones = useTimeZones();
  const [name, setName] = useState("");
  const [timeZone, setTimeZone] = useState<string | null>("UTC");
  const [track, setTrack] = useState(false);
  const [created, setCreated] = useState<{ id: string; name: string; trackSecret: string } | null>(null);
  const save = useMutation((body: { name: string; settings: AppSettings }) => api<AppView & { trackSecret: string }>("/apps", { body }));
  async function submit(e: FormEvent) {
    e.preventDefault();
    const r = await save.run({ name, settings: { timeZone: timeZone ?? "UTC", trackEventsCountAsActivity: track } });
    if (r) {
      setCreated({ id: r.id, name: r.name, trackSecret: r.trackSecret });
      props.onCreated();
    }
  }
  const close = () => {
    setCreated(null);
    setName("");
    save.clear();
    props.onClose();
  };
  return (
    <Modal closeButtonProps={{ "aria-label": "Close" }} opened={props.opened} onClose={close} title={created ? `App ${created.name} created` : "New app"}>
      {created ? (
        <Stack>
          <SecretOnce secret={created.trackSecret} />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Close
            </Button>
            <Button
              onClick={() => {
                const id = created.id;
                close();
                navigate(`/apps/${encodeURIComponent(id)}`);
              }}
            >
              Open the app
            </Button>
          </Group>
        </Stack>
      ) : (
        <form onSubmit={submit}>
          <Stack>
            {save.error && !save.error.field && <ErrorNotice error={save.error} />}
            <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} error={fieldError(save.error, "name")} data-autofocus />
            <Select
              label="Time zone"
              description="Reports count days in this zone unless they name their own."
              data={zones}
              searchable
              value={timeZone}
              onChange={setTimeZone}
              allowDeselect={false}
              error={fieldError(save.error, "settings.timeZone")}
            />
            <Switch label="Track events count as activity" description="When on, custom track events add to time on site." checked={track} onChange={(e) => setTrack(e.currentTarget.checked)} />
            <Button type="submit" loading={save.busy}>
              Create app
            </Button>
          </Stack>
        </form>
      )}
    </Modal>
  );
}

/** The track secret, shown once after it is made. */
function SecretOnce(props: { secret: string }) {
  return (
    <>
      <Alert color="yellow" title="Track secret: shown once" styles={{ title: { color: "var(--mantine-color-dark-8)" } }}>
        Server-side track calls sign with this secret. Copy it now; Pendulum keeps only its hash.
      </Alert>
      <Group gap="xs" wrap="nowrap">
        <Code block data-testid="track-secret" style={{ flex: 1 }}>
          {props.secret}
        </Code>
        <CopyButton value={props.secret}>
          {({ copied, copy }) => (
            <Button size="xs" variant="light" onClick={copy}>
              {copied ? "Copied" : "Copy"}
            </Button>
          )}
        </CopyButton>
      </Group>
    </>
  );
}

/** One app: install snippet, settings and the track secret. */
function AppDetail(props: { params: Record<string, string> }) {
  const id = props.params["id"] ?? "";
  const app = useApi<AppView>(`/apps/${encodeURIComponent(id)}`);
  const canEdit = useCanEdit();
  return (
    <>
      <PageHeader title={app.data ? app.data.name : "App"} back={{ to: "/apps", label: "All apps" }} />
      <ErrorNotice error={app.error} onRetry={app.reload} />
      {app.loading && !app.data ? (
        <Loading label="Loading the app…" />
      ) : app.data ? (
        <Stack gap="lg">
          <Install app={app.data} />
          <SettingsForm app={app.data} canEdit={canEdit} onSaved={app.reload} />
          {canEdit && <RotateSecret appId={app.data.id} />}
        </Stack>
      ) : null}
    </>
  );
}

function Install(props: { app: AppView }) {
  return (
    <Card withBorder>
      <Title order={2} size="h4" mb={4}>
        Install the agent
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        Paste this into every page of your web app, then call <Code>pendulum.initialize</Code> with the signed-in visitor and account ids. Page loads, clicks and activity
        arrive at once.
      </Text>
      <Group gap="xs" mb="xs">
        <Text size="sm">App key</Text>
        <Code data-testid="app-key">{props.app.appKey}</Code>
      </Group>
      <Code block data-testid="install-snippet" aria-label="Install snippet">
        {props.app.snippet}
      </Code>
      <Group mt="sm" gap="sm">
        <CopyButton value={props.app.snippet}>
          {({ copied, copy }) => (
            <Button size="xs" variant="light" onClick={copy}>
              {copied ? "Snippet copied" : "Copy snippet"}
            </Button>
          )}
        </CopyButton>
        <Text size="xs" c="dimmed">
          The same snippet prints with <Code>pendulum apps snippet --token $TOKEN</Code>. The agent is served by Pendulum itself, so there is no package to install.
        </Text>
      </Group>
    </Card>
  );
}

function SettingsForm(props: { app: AppView; canEdit: boolean; onSaved(): void }) {
  const zones = useTimeZones();
  const [timeZone, setTimeZone] = useState<string | null>(props.app.settings.timeZone);
  const [track, setTrack] = useState(props.app.settings.trackEventsCountAsActivity);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    setTimeZone(props.app.settings.timeZone);
    setTrack(props.app.settings.trackEventsCountAsActivity);
  }, [props.app.settings.timeZone, props.app.settings.trackEventsCountAsActivity]);
  const save = useMutation((body: AppSettings) => api<AppView>(`/apps/${encodeURIComponent(props.app.id)}/settings`, { method: "PATCH", body }));
  const dirty = timeZone !== props.app.settings.timeZone || track !== props.app.settings.trackEventsCountAsActivity;
  const unsaved = useUnsavedMark(dirty, "The app's settings");
  async function submit(e: FormEvent) {
    e.preventDefault();
    setSaved(false);
    if (await save.run({ timeZone: timeZone ?? "UTC", trackEventsCountAsActivity: track })) {
      setSaved(true);
      props.onSaved();
    }
  }
  return (
    <Card withBorder component="form" onSubmit={submit} aria-labelledby="app-settings-title">
      <Group gap="sm" mb="sm">
        <Title order={2} size="h4" id="app-settings-title">
          Settings
        </Title>
        {unsaved.mark}
      </Group>
      <Stack maw={480}>
        {save.error && !save.error.field && <ErrorNotice error={save.error} />}
        <Select
          label="Time zone"
          description="Reports count days in this zone unless they name their own."
          data={zones}
          searchable
          value={timeZone}
          onChange={(v) => {
            setTimeZone(v);
            setSaved(false);
          }}
          allowDeselect={false}
          disabled={!props.canEdit}
          error={fieldError(save.error, "timeZone")}
        />
        <Switch
          label="Track events count as activity"
          description="When on, custom track events add to time on site and days active."
          checked={track}
          disabled={!props.canEdit}
          onChange={(e) => {
            setTrack(e.currentTarget.checked);
            setSaved(false);
          }}
        />
        {props.canEdit && (
          <Group>
            <Button type="submit" loading={save.busy} disabled={!dirty}>
              Save settings
            </Button>
            {saved && !dirty && (
              <Text size="sm" fw={600} aria-live="polite">
                ✓ Settings saved.
              </Text>
            )}
          </Group>
        )}
      </Stack>
    </Card>
  );
}

function RotateSecret(props: { appId: string }) {
  const [confirming, setConfirming] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const rotate = useMutation(() => api<{ trackSecret: string }>(`/apps/${encodeURIComponent(props.appId)}/track-secret`, { method: "POST", body: {} }));
  const close = () => {
    setConfirming(false);
    setSecret(null);
    rotate.clear();
  };
  return (
    <Card withBorder>
      <Title order={2} size="h4" mb={4}>
        Track secret
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        Server-side track calls are signed with the app's track secret. Rotate it if it leaked: the old secret stops working at once.
      </Text>
      <Group>
        <Button color="red" variant="light" onClick={() => setConfirming(true)}>
          Rotate track secret
        </Button>
      </Group>
      <Modal closeButtonProps={{ "aria-label": "Close" }} opened={confirming} onClose={close} title={secret ? "New track secret" : "Rotate the track secret?"}>
        {secret ? (
          <Stack>
            <SecretOnce secret={secret} />
            <Button onClick={close}>Done</Button>
          </Stack>
        ) : (
          <Stack>
            <ErrorNotice error={rotate.error} />
            <Text size="sm">Servers still using the current secret will be refused until they switch to the new one.</Text>
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button
                color="red"
                loading={rotate.busy}
                onClick={() =>
                  void rotate.run(undefined).then((r) => {
                    if (r) setSecret(r.trackSecret);
                  })
                }
              >
                Rotate now
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </Card>
  );
}

export { Apps, AppDetail };
