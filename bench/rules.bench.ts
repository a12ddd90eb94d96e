import fs from "node:fs";
import { startTestPendulum } from "../test/harness.js";
import jsforce from "jsforce";
import { createSalesforceClient } from "../src/salesforce/index.js";
import type { RuleRun } from "../src/success/index.js";
import { benchRecordsEnv, printFigure, seconds, type BenchOptions } from "./lib.js";
import { RULE_ACCOUNT_TO_USAGE } from "../src/demo/rules.js";

const LOGIN = { username: "bench-api@acme.test", password: "bench-Passw0rd-123", clientId: "3MVG9bench_client_0123456789", clientSecret: "bench-client-secret-0123456789" };
const PENDO_FIELDS = ["Pendo_numberofvisitors_last30d__c", "Pendo_timeonsite_last30d__c", "Pendo_lastvisit_last30d__c"];
const RULE_DATE = "2024-05-15";

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** `npm run bench -- rules`: the article's two rules over N customers against the built-in CRM, through jsforce. */
export async function run(options: BenchOptions): Promise<void> {
  const customers = options.scale === "small" ? 50_000 : 200_000;
  // All of Pendulum, as npm start runs it: the rules reach the CRM through the connection made below.
  const p = await startTestPendulum({
    env: { ...(await benchRecordsEnv(`rules-${customers}`)), PENDULUM_CRM_USERNAME: LOGIN.username, PENDULUM_CRM_PASSWORD: LOGIN.password, PENDULUM_CRM_CLIENT_ID: LOGIN.clientId, PENDULUM_CRM_CLIENT_SECRET: LOGIN.clientSecret, PENDULUM_LOG_LEVEL: "error" },
  });
  const url = p.url;
  const client = createSalesforceClient({ credentials: { loginUrl: url, grant: "password", ...LOGIN } });
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await p.api(`/api/v1/success${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const out = (await res.json()) as T;
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(out)}`);
    return out;
  };
  try {
    const conn = new jsforce.Connection({ loginUrl: url, version: "62.0", oauth2: { loginUrl: url, clientId: LOGIN.clientId, clientSecret: LOGIN.clientSecret } });
    await conn.login(LOGIN.username, LOGIN.password);
    const connected = await p.api("/api/v1/sync/connection", { method: "PUT", body: JSON.stringify({ loginUrl: url, grant: "password", ...LOGIN }) });
    if (!connected.ok) throw new Error(`connecting the CRM: ${connected.status} ${await connected.text()}`);
    for (const f of [
      { FullName: "Account.Pendo_numberofvisitors_last30d__c", Metadata: { type: "Number", label: "Visitors 30d", precision: 18, scale: 0 } },
      { FullName: "Account.Pendo_timeonsite_last30d__c", Metadata: { type: "Number", label: "Time on site 30d", precision: 18, scale: 2 } },
      { FullName: "Account.Pendo_lastvisit_last30d__c", Metadata: { type: "Date", label: "Last visit 30d" } },
      { FullName: "Account.Health_Score__c", Metadata: { type: "Number", label: "Health Score", precision: 5, scale: 0 } },
      { FullName: "Account.Renewal_Date__c", Metadata: { type: "Date", label: "Renewal Date" } },
    ]) {
      await conn.tooling.sobject("CustomField").create(f);
    }

    // Seed: N Accounts through Bulk API 2.0, then one customer per Account through the CSV import.
    const accounts = Array.from({ length: customers }, (_, i) => ({
      Name: `Account ${i}`,
      Pendo_numberofvisitors_last30d__c: i % 500,
      Pendo_timeonsite_last30d__c: (i % 1000) / 4,
      Pendo_lastvisit_last30d__c: `2024-05-${String((i % 28) + 1).padStart(2, "0")}`,
    }));
    const seedStart = performance.now();
    const load = await conn.bulk2.loadAndWaitForResults({ object: "Account", operation: "insert", input: accounts, pollInterval: 200, pollTimeout: 600_000 });
    if (load.failedResults.length > 0) throw new Error(`Seeding Accounts: ${load.failedResults.length} failed, first: ${JSON.stringify(load.failedResults[0])}`);
    const ids = (await client.query("SELECT Id FROM Account")).map((r) => String(r["Id"]));
    const csv = ["accountId,name,healthScore,renewalDate", ...ids.map((id, i) => `${id},Customer ${i},${i % 101},2025-${String((i % 12) + 1).padStart(2, "0")}-15`)].join("\n");
    const imported = await p.api("/api/v1/success/customers/import", { method: "POST", body: csv, headers: { "content-type": "text/csv" } });
    const importBody = (await imported.json()) as { created: number };
    if (importBody.created !== customers) throw new Error(`Seeding customers: created ${importBody.created} of ${customers}`);
    const seedSeconds = seconds(seedStart);

    for (const [name, type, aggregation] of [
      ["Pendo_numberofvisitors_last30d", "integer", "sum"],
      ["Pendo_timeonsite_last30d", "number", "sum"],
      ["Pendo_lastvisit_last30d", "date", "max"],
    ]) {
      await api("POST", "/usage/measures", { name, label: name, type, aggregation });
    }
    await api("PUT", "/crm/writable", { objects: [{ object: "Account", fields: ["Id", "Health_Score__c", "Renewal_Date__c"] }] });
    await api("POST", "/rules", RULE_ACCOUNT_TO_USAGE);
    await api("POST", "/rules", {
      name: "Pendo: Sync data from Gainsight to Account",
      type: "Custom",
      source: { kind: "customers" },
      show: ["accountId", "healthScore", "renewalDate"],
      filters: [],
      customersOnly: true,
      actions: [
        {
          type: "loadToCrm",
          object: "Account",
          operation: "update",
          mappings: [
            { to: "Id", field: "accountId", identifier: true },
            { to: "Health_Score__c", field: "healthScore" },
            { to: "Renewal_Date__c", field: "renewalDate" },
          ],
        },
      ],
    });

    // Baseline: the connector's raw paged read of the same fields, in the same process and run. The machine is
    // shared, so both sides are the median of three: three raw reads, and rule 1 on three rule dates in three
    // different weeks, each a real back-fill that writes every row.
    const soql = `SELECT ${["Id", ...PENDO_FIELDS].join(", ")} FROM Account`;
    const rawTimes: number[] = [];
    const ruleTimes: number[] = [];
    let run1: RuleRun | undefined;
    for (const date of ["2024-05-15", "2024-05-22", "2024-05-29"]) {
      const rawStart = performance.now();
      const rawCount = (await client.query(soql)).length;
      rawTimes.push(seconds(rawStart));
      if (rawCount !== customers) throw new Error(`Raw read returned ${rawCount} of ${customers}`);
      const r1Start = performance.now();
      run1 = await api<RuleRun>("POST", `/rules/${encodeURIComponent("Pendo: Sync data from Account to Usage")}/run`, { date });
      ruleTimes.push(seconds(r1Start));
      if (run1.status !== "success" || run1.rowsWritten !== customers) throw new Error(`Rule 1: ${run1.status}, ${run1.rowsWritten} written: ${run1.message}`);
    }
    printFigure({
      bench: "rules.rule1",
      value: median(ruleTimes),
      unit: "s",
      baseline: median(rawTimes),
      customers,
      rows_read: run1?.rowsRead,
      rows_written: run1?.rowsWritten,
      runs: ruleTimes.map((t) => Math.round(t * 1000) / 1000),
      raw_reads: rawTimes.map((t) => Math.round(t * 1000) / 1000),
      steps_ms: run1?.timings,
      seed_s: Math.round(seedSeconds * 10) / 10,
      goal: "≤ 5 s, ratio ≤ 2",
    });

    const r2Start = performance.now();
    const run2 = await api<RuleRun>("POST", `/rules/${encodeURIComponent("Pendo: Sync data from Gainsight to Account")}/run`, { date: RULE_DATE });
    const r2Seconds = seconds(r2Start);
    if (run2.status !== "success" || run2.rowsWritten !== customers) throw new Error(`Rule 2: ${run2.status}, ${run2.rowsWritten} written: ${run2.message}`);
    printFigure({ bench: "rules.rule2", value: r2Seconds, unit: "s", customers, rows_read: run2.rowsRead, rows_written: run2.rowsWritten, steps_ms: run2.timings, goal: "≤ 15 s" });

    // A rerun finds every Account already holding the values and writes nothing.
    const r2bStart = performance.now();
    const rerun2 = await api<RuleRun>("POST", `/rules/${encodeURIComponent("Pendo: Sync data from Gainsight to Account")}/run`, { date: RULE_DATE });
    const rerunSeconds = seconds(r2bStart);
    if (rerun2.status !== "success" || rerun2.rowsWritten !== 0) throw new Error(`Rule 2 rerun: ${rerun2.status}, ${rerun2.rowsWritten} written: ${rerun2.message}`);
    printFigure({ bench: "rules.rule2.rerun", value: rerunSeconds, unit: "s", baseline: r2Seconds, customers, rows_written: rerun2.rowsWritten, steps_ms: rerun2.timings });
  } finally {
    await p.close();
    fs.rmSync(p.dataDir, { recursive: true, force: true });
  }
}
