import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { startChildServer, type ChildServer } from "./child-server.js";
import { startTestPendulum, TEST_APP_KEY, TEST_TOKEN, type TestPendulum } from "./harness.js";
import { testDatabaseFor, testPostgresUrl } from "./postgres.js";

// Issue 18, build 6: several Pendulum processes (each with its own data folder for events) serve
// one workspace whose records are on ONE PostgreSQL database. Runs under `npm run test:postgres`.
const server = testPostgresUrl();

const children: ChildServer[] = [];
const inProcess: TestPendulum[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) await c.stop("SIGKILL");
  for (const p of inProcess.splice(0)) await p.close();
});

const CRM = { PENDULUM_CRM_USERNAME: "many@acme.test", PENDULUM_CRM_PASSWORD: "s3cret-Passw0rd-many", PENDULUM_CRM_CLIENT_ID: "3MVG9many_processes_client", PENDULUM_CRM_CLIENT_SECRET: "many-processes-secret-0123456789" };
const folder = (): string => fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-many-"));
const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value (not undefined), failing with `what` after `ms`. */
async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await wait(100);
  }
}

/** Pendulum's API on one process, as an admin client (the bootstrap token) sees it. */
function client(url: string) {
  return async <T = Record<string, unknown>>(method: string, pathname: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${url}/api/v1${pathname}`, { method, headers: { authorization: `Bearer ${TEST_TOKEN}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${pathname}: ${res.status} ${text}`);
    return JSON.parse(text) as T;
  };
}

/** A rule that copies each customer's visitors into usage on the rule date: local, no CRM needed; it writes when the date is new. */
async function seedLocalRule(api: ReturnType<typeof client>): Promise<string> {
  await api("POST", "/success/customers", { accountId: "A1", name: "Alpha", custom: { visitors: "12" } });
  await api("POST", "/success/usage/measures", { name: "visitors", label: "Visitors", type: "integer", aggregation: "sum" });
  const rule = await api<{ id: string }>("POST", "/success/rules", {
    name: "Visitors to usage",
    type: "Custom",
    customersOnly: true,
    filters: [],
    source: { kind: "customers" },
    show: ["accountId", "custom.visitors"],
    actions: [{ type: "loadToUsage", mappings: [{ to: "accountId", field: "accountId" }, { to: "visitors", field: "custom.visitors" }, { to: "aggregationLevel", constant: "ACCOUNTLEVEL" }, { to: "date", ruleDate: 0 }] }],
  });
  return rule.id;
}

type RunRow = { started_at: number; due_at: number | null; owner: string; status: string; trigger: string };

describe.skipIf(!server)("many Pendulum processes on one PostgreSQL", () => {
  it("runs a chain scheduled every minute exactly once per minute with two processes up, and goes on after the leader is killed with -9", async () => {
    const url = await testDatabaseFor(`many processes chain ${process.pid} ${Date.now()}`, server as string);
    // Both children share one fast clock (10 minutes a minute) from the same origin, so they agree on
    // the time and the test sees minutes of schedules in seconds. Leadership is checked every 500 ms.
    const speed = 10;
    const env = {
      PENDULUM_DATABASE_URL: url,
      TEST_CLOCK_ORIGIN: String(Date.now()),
      TEST_CLOCK_START: String(Date.UTC(2026, 0, 5, 9, 0, 30)),
      TEST_CLOCK_SPEED: String(speed),
      TEST_LEADER_CHECK_MS: "500",
    };
    const first = await startChildServer(folder(), env, { script: "serve-scaled-clock.ts" });
    children.push(first);
    // The second starts while the first is given its work (both on the records the first migrated).
    const starting = startChildServer(folder(), env, { script: "serve-scaled-clock.ts" }).then((c) => (children.push(c), c));
    const api = client(first.url);
    await seedLocalRule(api);
    await api("POST", "/jobs", { name: "rule step", kind: "rule", params: { rule: "Visitors to usage" } });
    const second = await starting;
    const chain = await api<{ id: string }>("POST", "/jobs", { name: "every minute", kind: "chain", params: { steps: ["rule step"] }, schedule: "* * * * *" });

    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      const runs = async (): Promise<RunRow[]> =>
        (await db.query<RunRow>("SELECT started_at::float8 AS started_at, due_at::float8 AS due_at, owner, status, trigger FROM job_runs WHERE job_id = $1 ORDER BY started_at", [chain.id])).rows;
      const pidOf = (owner: string): number => Number(owner.split("-")[0]);
      const finished = async (n: number): Promise<RunRow[] | undefined> => {
        const r = await runs();
        return r.length >= n && r.every((x) => x.status !== "running") ? r : undefined;
      };

      // Both up: three minutes, each run once, all by the one process that leads.
      const before = await until("three chain runs with both processes up", () => finished(3)).catch(async (e: unknown) => {
        throw new Error(`${(e as Error).message}\nruns: ${JSON.stringify(await runs())}\nfirst:\n${first.output()}\nsecond:\n${second.output()}`);
      });
      const leaderPid = pidOf((before.at(-1) as RunRow).owner);
      const [leader, follower] = leaderPid === first.child.pid ? [first, second] : [second, first];
      expect([first.child.pid, second.child.pid]).toContain(leaderPid);
      expect(new Set(before.map((r) => pidOf(r.owner)))).toEqual(new Set([leaderPid]));

      // The leader dies without a word; the follower takes the lead and the chain goes on.
      await leader.stop("SIGKILL");
      const killedAt = before.length;
      const after = await until("three more chain runs after the leader was killed", () => finished(killedAt + 3));
      const survivorRuns = after.slice(killedAt);
      expect(new Set(survivorRuns.map((r) => pidOf(r.owner)))).toEqual(new Set([follower.child.pid]));

      // Exactly once per minute: every due time a whole minute, consecutive, none twice, none skipped.
      const due = after.map((r) => r.due_at as number);
      expect(due.every((d) => d % 60_000 === 0)).toBe(true);
      expect(due.slice(1).map((d, i) => d - (due[i] as number))).toEqual(due.slice(1).map(() => 60_000));
      expect(after.map((r) => [r.trigger, r.status])).toEqual(after.map(() => ["schedule", "success"]));
      // Each run started in the minute it was due (the follower took over within seconds of real time).
      for (const r of after) expect(Math.floor(r.started_at / 60_000)).toBe((r.due_at as number) / 60_000);

      // The run history is the same from the survivor's API.
      const history = await client(follower.url)<{ runs: { dueAt: number | null }[] }>("GET", `/jobs/${chain.id}/runs?limit=500`);
      expect(history.runs.map((r) => r.dueAt).reverse()).toEqual(due.slice(0, history.runs.length));
    } finally {
      await db.end();
    }
  }, 150_000);

  it("a rule run in one process refreshes the other's segment cache; guides, apps, sessions and tokens made on one work on the other", async () => {
    const url = await testDatabaseFor(`many processes signals ${process.pid} ${Date.now()}`, server as string);
    const a = await startTestPendulum({ env: { PENDULUM_DATABASE_URL: url, ...CRM } });
    inProcess.push(a);
    const apiA = client(a.url);
    const appId = (await apiA<{ apps: { id: string }[] }>("GET", "/apps")).apps[0]?.id as string;
    // A visitor of account "green" whose guide targets red accounts only.
    const seen = { first: Date.now(), last: Date.now() };
    await a.modules.analytics.metadata.recordSeen([{ appId, visitors: new Map([["v-green", seen]]), accounts: new Map([["green", seen]]), links: new Map([["v-green\ngreen", { visitorId: "v-green", accountId: "green", ...seen }]]), eventNames: new Map() }]);
    await a.modules.analytics.metadata.replaceCrm(appId, "account", new Map([["green", { health: "Green" }]]));
    const segment = await apiA<{ id: string }>("POST", "/segments", { name: "Red accounts", definition: { op: "and", rules: [{ kind: "metadata", target: "account", group: "crm", key: "health", operator: "equals", value: "Red" }] } });
    const guide = await apiA<{ id: string }>("POST", "/guides", { name: "For red accounts", status: "public", steps: [{ layout: "lightbox", content: "Hello" }], targeting: { segment: segment.id } });
    const ruleId = await seedLocalRule(apiA);

    // The second process starts on the same records with a data folder of its own.
    const b = await startTestPendulum({ env: { PENDULUM_DATABASE_URL: url, ...CRM } });
    inProcess.push(b);
    expect(b.coordination.shared).toBe(true);
    expect([a.coordination.isLeader(), b.coordination.isLeader()]).toEqual([true, false]);
    const guidesOnB = async (): Promise<string[]> => {
      const q = new URLSearchParams({ key: TEST_APP_KEY, visitor: "v-green", account: "green", url: "https://app.example.com/home" });
      return ((await (await fetch(`${b.url}/data/guides?${q}`)).json()) as { guides: { id: string }[] }).guides.map((g) => g.id);
    };
    await b.modules.guides.refreshSegments();
    expect(await guidesOnB()).toEqual([]);

    // The account turns red (as a CRM pull would make it): B's cache still says green…
    await a.modules.analytics.metadata.replaceCrm(appId, "account", new Map([["green", { health: "Red" }]]));
    await wait(500);
    expect(await guidesOnB()).toEqual([]);
    // …until a rule run in A (it writes, so it signals rule-ran) reaches B, which refreshes at once
    // (its own timer would take five minutes).
    const run = await apiA<{ status: string }>("POST", `/success/rules/${ruleId}/run`, { date: "2026-01-05" });
    expect(run.status).toBe("success");
    expect(await until("the guide on B after A's rule run", async () => ((await guidesOnB()).includes(guide.id) ? true : undefined), 10_000)).toBe(true);

    // A guide made on A after B started is delivered by B (guides are held in memory there).
    const later = await apiA<{ id: string }>("POST", "/guides", { name: "For everyone", status: "public", steps: [{ layout: "lightbox", content: "Hi" }] });
    expect(await until("B to deliver A's new guide", async () => ((await guidesOnB()).includes(later.id) ? true : undefined), 10_000)).toBe(true);

    // An app made on A is known to B's ingest at once (apps are held in memory there).
    const { appKey } = await apiA<{ appKey: string }>("POST", "/apps", { name: "Second app" });
    expect((await fetch(`${b.url}/data/guides?${new URLSearchParams({ key: "pk_unknown", visitor: "v1", url: "https://x.example.com/" })}`)).status).toBe(403);
    const q = new URLSearchParams({ key: appKey, visitor: "v1", url: "https://second.example.com/" });
    expect(await until("B to know A's new app", async () => ((await fetch(`${b.url}/data/guides?${q}`)).status === 200 ? true : undefined), 10_000)).toBe(true);

    // A session signed in on A is good on B, and ends on both when signed out on B.
    const login = await fetch(`${a.url}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json", origin: a.url }, body: JSON.stringify({ email: "admin@example.com", password: "correct horse battery" }) });
    expect(login.status).toBe(200);
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] as string;
    const me = (p: TestPendulum) => fetch(`${p.url}/api/v1/auth/me`, { headers: { cookie } });
    expect((await me(b)).status).toBe(200);
    expect((await fetch(`${b.url}/api/v1/auth/logout`, { method: "POST", headers: { cookie, origin: b.url } })).status).toBe(200);
    expect([(await me(a)).status, (await me(b)).status]).toEqual([401, 401]);

    // An API token made on B works on A; revoked on A, refused on B.
    const token = await client(b.url)<{ id: string; token: string }>("POST", "/tokens", { name: "ops", role: "viewer" });
    const withToken = (p: TestPendulum) => fetch(`${p.url}/api/v1/jobs`, { headers: { authorization: `Bearer ${token.token}` } });
    expect((await withToken(a)).status).toBe(200);
    await apiA("DELETE", `/tokens/${token.id}`);
    expect((await withToken(b)).status).toBe(401);

    // The built-in CRM's OAuth token from A works on B (B caches it); revoked on A, B forgets it.
    const crm = a.config.crm;
    const form = new URLSearchParams({ grant_type: "password", client_id: crm.clientId as string, client_secret: crm.clientSecret as string, username: crm.username as string, password: crm.password as string });
    const issued = (await (await fetch(`${a.url}/services/oauth2/token`, { method: "POST", body: form })).json()) as { access_token: string };
    const limits = () => fetch(`${b.url}/services/data/v62.0/limits`, { headers: { authorization: `Bearer ${issued.access_token}` } });
    expect((await limits()).status).toBe(200);
    expect((await fetch(`${a.url}/services/oauth2/revoke`, { method: "POST", body: new URLSearchParams({ token: issued.access_token }) })).status).toBe(200);
    expect(await until("B to refuse the revoked CRM token", async () => ((await limits()).status === 401 ? true : undefined), 10_000)).toBe(true);
  }, 120_000);
});
