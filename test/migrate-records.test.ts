// `pendulum migrate-records` end to end on the real engines: a demo workspace (the demo's own
// set-up and one pass of the loop) is built on SQLite, moved into a fresh PostgreSQL database, and
// Pendulum started on that database and the same data folder's events must serve the same account
// reports, customers, rule history and CRM Accounts (read through jsforce) as before. A second move
// into the now-filled database is refused, naming its tables; bad input is refused up front.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import jsforce from "jsforce";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import type { CliIo } from "../src/cli/command.js";
import { runLoopDemo } from "../src/demo/index.js";
import { startTestPendulum, TEST_TOKEN, type TestPendulum } from "./harness.js";
import { testDatabaseFor, testDatabasePrefix, testPostgresUrl } from "./postgres.js";

const CRM = { username: "move-api@acme.test", password: "s3cret-Passw0rd-move", clientId: "3MVG9move_client_0123456789", clientSecret: "move-client-secret-0123456789" };
const CRM_ENV = { PENDULUM_CRM_USERNAME: CRM.username, PENDULUM_CRM_PASSWORD: CRM.password, PENDULUM_CRM_CLIENT_ID: CRM.clientId, PENDULUM_CRM_CLIENT_SECRET: CRM.clientSecret };
// The machine's PostgreSQL (scripts/test-postgres.sh makes the role); under test:postgres, the run's server.
const SERVER = testPostgresUrl() ?? "postgres://pendulum_test:pendulum_test@127.0.0.1:5432/postgres";

type Snapshot = { reports: unknown[]; customers: unknown; ruleRuns: unknown[]; scoreHistory: unknown; accounts: Record<string, unknown>[] };

/** What a person sees of the workspace: account reports, customers, rule history, score history, CRM Accounts. */
async function snapshot(p: TestPendulum): Promise<Snapshot> {
  const get = async (pathname: string): Promise<unknown> => {
    const res = await p.api(pathname);
    expect(res.status, pathname).toBe(200);
    return res.json();
  };
  const { reports } = (await get("/api/v1/reports")) as { reports: { id: string; name: string }[] };
  const results: unknown[] = [];
  for (const r of [...reports].sort((a, b) => a.name.localeCompare(b.name))) results.push({ name: r.name, results: await get(`/api/v1/reports/${r.id}/results`) });
  const customers = (await get("/api/v1/success/customers")) as { customers?: { accountId: string }[] };
  const { rules } = (await get("/api/v1/success/rules")) as { rules: { id: string; name: string }[] };
  const ruleRuns: unknown[] = [];
  for (const r of [...rules].sort((a, b) => a.name.localeCompare(b.name))) ruleRuns.push({ name: r.name, runs: await get(`/api/v1/success/rules/${encodeURIComponent(r.id)}/runs`) });
  const firstCustomer = customers.customers?.[0]?.accountId;
  const scoreHistory = firstCustomer ? await get(`/api/v1/success/customers/${encodeURIComponent(firstCustomer)}/score-history`) : undefined;
  // Every Account field, custom ones included, through jsforce as an integration would read them.
  const conn = new jsforce.Connection({ loginUrl: p.url, version: "62.0", oauth2: { loginUrl: p.url, clientId: CRM.clientId, clientSecret: CRM.clientSecret } });
  await conn.login(CRM.username, CRM.password);
  const fields = (await conn.sobject("Account").describe()).fields.map((f) => f.name);
  const read = await conn.query<Record<string, unknown>>(`SELECT ${fields.join(", ")} FROM Account ORDER BY Id`, { autoFetch: true, maxFetch: 100_000 });
  return { reports: results, customers, ruleRuns, scoreHistory, accounts: read.records };
}

function capture(env: Record<string, string> = {}): CliIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { env, cwd: process.cwd(), out: (l) => lines.push(l), err: (l) => errors.push(l), stopped: new Promise<void>(() => undefined), lines, errors };
}

const made: string[] = [];
/** A new, empty database on the test server (dropped after the file). */
async function freshDatabase(key: string): Promise<string> {
  const url = await testDatabaseFor(key, SERVER);
  made.push(new URL(url).pathname.slice(1));
  return url;
}

describe("pendulum migrate-records", () => {
  // The move needs a PostgreSQL server: `npm run test:postgres` (and CI) runs it; plain `npm test` skips it.
  describe.skipIf(!testPostgresUrl())("into a PostgreSQL database", () => {
  let dataDir: string;
  let before: Snapshot;

  beforeAll(async () => {
    // Records on SQLite whatever the run's engine: this is the embedded workspace to move.
    const p = await startTestPendulum({ env: { ...CRM_ENV, PENDULUM_DATABASE_URL: "" } });
    dataDir = p.dataDir;
    try {
      expect(p.records.engine).toBe("sqlite");
      const report = await runLoopDemo({ url: p.url, token: TEST_TOKEN, crm: CRM }, { accounts: 6, visitorsPerAccount: 3, days: 3, out: () => undefined });
      expect(report.status).toBe("success");
      before = await snapshot(p);
    } finally {
      await p.close();
    }
  }, 300_000);

  afterAll(async () => {
    const admin = new pg.Client({ connectionString: SERVER });
    await admin.connect();
    for (const name of made) if (name.startsWith(testDatabasePrefix())) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

    it("moves a demo workspace to PostgreSQL, which then serves the same reports, customers, rule history and CRM Accounts", async () => {
      expect(before.accounts.length).toBe(6);
      // The account reports hold a row per account, so comparing them compares real figures.
      expect(before.reports.length).toBeGreaterThan(0);
      for (const r of before.reports as { results: { rows: unknown[] } }[]) expect(r.results.rows.length).toBe(6);
      expect((before.customers as { customers: unknown[] }).customers.length).toBe(6);
      // The demo's rules, with the runs its history back-fill and the loop pass made.
      expect(before.ruleRuns.length).toBeGreaterThanOrEqual(2);
      expect(JSON.stringify(before.ruleRuns)).toContain("success");
      const url = await freshDatabase(`${dataDir}-moved`);
      const io = capture();
      const code = await main(["migrate-records", "--to", url, "--data-dir", dataDir], io);
      expect(io.errors).toEqual([]);
      expect(code).toBe(0);
      expect(io.lines.some((l) => l.includes("Every table holds the same number of rows on both ends."))).toBe(true);
      // The per-table check is printed: the CRM's Accounts and the customers, six each on both ends.
      expect(io.lines.some((l) => /^\s+crm_account\s+6\s+6$/.test(l))).toBe(true);
      expect(io.lines.some((l) => /^\s+success_customers\s+6\s+6$/.test(l))).toBe(true);

      const moved = await startTestPendulum({ dataDir, env: { ...CRM_ENV, PENDULUM_DATABASE_URL: url } });
      try {
        expect(moved.records.engine).toBe("postgres");
        const after = await snapshot(moved);
        expect(after.accounts).toEqual(before.accounts);
        expect(after.customers).toEqual(before.customers);
        expect(after.ruleRuns).toEqual(before.ruleRuns);
        expect(after.scoreHistory).toEqual(before.scoreHistory);
        expect(after.reports).toEqual(before.reports);

        // New records continue after the copied ones: a new Account gets a new, larger id.
        const conn = new jsforce.Connection({ loginUrl: moved.url, version: "62.0", oauth2: { loginUrl: moved.url, clientId: CRM.clientId, clientSecret: CRM.clientSecret } });
        await conn.login(CRM.username, CRM.password);
        const created = await conn.sobject("Account").create({ Name: "Added after the move" });
        expect(created.success).toBe(true);
        const ids = before.accounts.map((a) => String(a["Id"]));
        expect(ids).not.toContain(created.id);
        expect(String(created.id) > (ids.sort().at(-1) as string)).toBe(true);
        // And the rules run on the moved records: one more run in the rule's history.
        const rule = (await (await moved.api("/api/v1/success/rules")).json()) as { rules: { id: string }[] };
        const id = encodeURIComponent(rule.rules[0]?.id as string);
        const runsBefore = ((await (await moved.api(`/api/v1/success/rules/${id}/runs`)).json()) as { runs: unknown[] }).runs.length;
        const ran = await moved.api(`/api/v1/success/rules/${id}/run`, { method: "POST", body: "{}" });
        expect(ran.status).toBeLessThan(300);
        expect(((await (await moved.api(`/api/v1/success/rules/${id}/runs`)).json()) as { runs: unknown[] }).runs.length).toBe(runsBefore + 1);
      } finally {
        await moved.close();
      }

      // Into the now-filled database: refused, naming the tables that hold records, and nothing changes.
      const again = capture();
      expect(await main(["migrate-records", "--to", url, "--data-dir", dataDir], again)).toBe(1);
      const message = again.errors.join("\n");
      expect(message).toContain("is not empty");
      expect(message).toContain("crm_account");
      expect(message).toContain("success_customers");
      const check = new pg.Client({ connectionString: url });
      await check.connect();
      try {
        expect(Number((await check.query(`SELECT count(*) AS n FROM crm_account`)).rows[0].n)).toBe(7);
      } finally {
        await check.end();
      }
    }, 300_000);
  });

  it("refuses bad input with a message naming what to fix", async () => {
    // A real data folder on SQLite; nothing here needs a PostgreSQL server to answer.
    const p = await startTestPendulum({ env: { PENDULUM_DATABASE_URL: "" } });
    const dataDir = p.dataDir;
    await p.close();
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-empty-folder-"));
    try {
      const noUrl = capture();
      expect(await main(["migrate-records", "--data-dir", dataDir], noUrl)).toBe(2);
      expect(noUrl.errors.join("\n")).toContain("--to postgres://");

      const notPostgres = capture();
      expect(await main(["migrate-records", "--to", "mysql://db.example.com/x", "--data-dir", dataDir], notPostgres)).toBe(2);
      expect(notPostgres.errors.join("\n")).toContain("--to: expected a postgres:// URL");

      const unreachable = capture();
      expect(await main(["migrate-records", "--to", "postgres://u:secret-pw@no-such-host.invalid:5432/x", "--data-dir", dataDir], unreachable)).toBe(1);
      expect(unreachable.errors.join("\n")).toContain("--to: cannot reach PostgreSQL at no-such-host.invalid:5432/x");
      expect(unreachable.errors.join("\n")).not.toContain("secret-pw");

      const nowhere = path.join(os.tmpdir(), `pendulum-no-such-folder-${process.pid}`);
      const missing = capture();
      expect(await main(["migrate-records", "--to", SERVER, "--data-dir", nowhere], missing)).toBe(1);
      expect(missing.errors.join("\n")).toContain(`no data folder at ${nowhere}`);
      expect(fs.existsSync(nowhere)).toBe(false);

      const badBatch = capture();
      expect(await main(["migrate-records", "--to", SERVER, "--data-dir", dataDir, "--batch", "0"], badBatch)).toBe(2);
      expect(badBatch.errors.join("\n")).toContain("--batch");

      const noRecords = capture();
      expect(await main(["migrate-records", "--to", SERVER, "--data-dir", empty], noRecords)).toBe(1);
      expect(noRecords.errors.join("\n")).toContain("holds no records.sqlite");

      const help = capture();
      expect(await main(["migrate-records", "--help"], help)).toBe(0);
      expect(help.lines.join("\n")).toContain("EMPTY PostgreSQL database");
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
      fs.rmSync(empty, { recursive: true, force: true });
    }
  }, 60_000);
});
