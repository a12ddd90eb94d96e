import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import jsforce from "jsforce";
import { loadConfig } from "../src/config.js";
import { createCrmModule } from "../src/crm/index.js";
import { startComposed } from "../src/server/index.js";
import { benchRecordsEnv, printFigure, seconds, type BenchOptions } from "./lib.js";

const CLIENT_ID = "bench_client_id_0123456789";
const CLIENT_SECRET = "bench_client_secret_0123456789";

/** Built-in CRM: Collections update vs single PATCH, Bulk 2.0 upsert of 50k Accounts, full paged SOQL read. */
export async function run(opts: BenchOptions): Promise<void> {
  const total = opts.scale === "small" ? 5_000 : 50_000;
  const sample = opts.scale === "small" ? 200 : 1_000;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-crm-bench-"));
  const config = loadConfig({
    ...(await benchRecordsEnv(dataDir)),
    PORT: "0",
    PENDULUM_DATA_DIR: dataDir,
    PENDULUM_LOG_LEVEL: "warn",
    PENDULUM_API_TOKEN: "bench_admin_token_0123456789",
    PENDULUM_CRM_USERNAME: "bench@pendulum.test",
    PENDULUM_CRM_PASSWORD: "bench-password-1",
    PENDULUM_CRM_CLIENT_ID: CLIENT_ID,
    PENDULUM_CRM_CLIENT_SECRET: CLIENT_SECRET,
  });
  const p = await startComposed(config, (ctx) => ({ crm: createCrmModule(ctx) }));
  try {
    const conn = new jsforce.Connection({ loginUrl: p.url, version: "62.0", oauth2: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, loginUrl: p.url } });
    await conn.login("bench@pendulum.test", "bench-password-1");
    const fields = [
      { FullName: "Account.Pendo_Account_Id__c", Metadata: { type: "Text", label: "Pendo Account Id", length: 64, externalId: true } },
      { FullName: "Account.Pendo_Minutes__c", Metadata: { type: "Number", label: "Minutes", precision: 12, scale: 0 } },
      { FullName: "Account.Pendo_Visitors__c", Metadata: { type: "Number", label: "Visitors", precision: 9, scale: 0 } },
      { FullName: "Account.Pendo_Last_Visit__c", Metadata: { type: "DateTime", label: "Last Visit" } },
      { FullName: "Account.Pendo_NPS__c", Metadata: { type: "Number", label: "NPS", precision: 5, scale: 1 } },
    ];
    for (const f of fields) await conn.tooling.sobject("CustomField").create(f);

    const row = (i: number, round: number) => ({
      Name: `Account ${i}`,
      Pendo_Account_Id__c: `acc-${i}`,
      Pendo_Minutes__c: i * round,
      Pendo_Visitors__c: (i % 50) + round,
      Pendo_Last_Visit__c: new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString(),
      Pendo_NPS__c: ((i % 200) - 100) / 2,
    });
    const csvOf = (round: number): string => {
      const lines = ["Name,Pendo_Account_Id__c,Pendo_Minutes__c,Pendo_Visitors__c,Pendo_Last_Visit__c,Pendo_NPS__c"];
      for (let i = 0; i < total; i++) {
        const r = row(i, round);
        lines.push([r.Name, r.Pendo_Account_Id__c, r.Pendo_Minutes__c, r.Pendo_Visitors__c, r.Pendo_Last_Visit__c, r.Pendo_NPS__c].join(","));
      }
      return `${lines.join("\n")}\n`;
    };

    // CPU seconds (client and server share this process) alongside wall time: on a shared,
    // loaded machine they show where the process itself spends its time.
    const cpu = (from: NodeJS.CpuUsage): number => {
      const d = process.cpuUsage(from);
      return Math.round((d.user + d.system) / 1000) / 1000;
    };
    // 1. Bulk API 2.0 upsert of every Account (all inserts on an empty org).
    let t = performance.now();
    let c = process.cpuUsage();
    const loaded = await conn.bulk2.loadAndWaitForResults({ object: "Account", operation: "upsert", externalIdFieldName: "Pendo_Account_Id__c", input: csvOf(1), pollInterval: 100, pollTimeout: 600_000 });
    const bulkSeconds = seconds(t);
    const bulkCpu = cpu(c);
    if (loaded.failedResults.length > 0) throw new Error(`bulk upsert failed ${loaded.failedResults.length} rows`);
    const ids = loaded.successfulResults.map((r) => r.sf__Id);

    // 2. Full paged SOQL read (2,000 per page, autoFetch).
    t = performance.now();
    c = process.cpuUsage();
    const read = await conn.query("SELECT Id, Name, Pendo_Account_Id__c, Pendo_Minutes__c, Pendo_Visitors__c, Pendo_Last_Visit__c, Pendo_NPS__c FROM Account", { autoFetch: true, maxFetch: total + 1 });
    const readSeconds = seconds(t);
    const readCpu = cpu(c);
    if (read.records.length !== total) throw new Error(`paged read returned ${read.records.length} of ${total}`);

    // 3. Baseline: single-record PATCH, sampled; then Collections update of every record, 200 per call.
    t = performance.now();
    for (let i = 0; i < sample; i++) await conn.sobject("Account").update({ Id: ids[i] as string, Pendo_Minutes__c: i + 7 });
    const singleRate = sample / seconds(t);
    t = performance.now();
    c = process.cpuUsage();
    for (let i = 0; i < ids.length; i += 200) {
      const batch = ids.slice(i, i + 200).map((Id, k) => ({ Id, Pendo_Minutes__c: i + k + 11, Pendo_NPS__c: 9 }));
      const res = await conn.sobject("Account").update(batch);
      if (!res.every((r) => r.success)) throw new Error("collections update failed");
    }
    const collectionsRate = ids.length / seconds(t);
    const collectionsCpu = cpu(c);

    // Bulk upsert again, now every row is an update of an existing record.
    t = performance.now();
    c = process.cpuUsage();
    const again = await conn.bulk2.loadAndWaitForResults({ object: "Account", operation: "upsert", externalIdFieldName: "Pendo_Account_Id__c", input: csvOf(2), pollInterval: 100, pollTimeout: 600_000 });
    const bulkUpdateSeconds = seconds(t);
    const bulkUpdateCpu = cpu(c);
    if (again.failedResults.length > 0) throw new Error(`bulk re-upsert failed ${again.failedResults.length} rows`);

    printFigure({ bench: "crm.collections_update", value: collectionsRate, unit: "records/s", baseline: singleRate, baseline_name: "single-record PATCH", records: total, cpu_s: collectionsCpu, goal: ">= 10000" });
    printFigure({ bench: "crm.bulk_upsert_50k", value: bulkSeconds, unit: "s", records: total, update_run_s: Math.round(bulkUpdateSeconds * 1000) / 1000, cpu_s: bulkCpu, update_run_cpu_s: bulkUpdateCpu, goal: "<= 10" });
    printFigure({ bench: "crm.paged_read", value: readSeconds, unit: "s", records: total, cpu_s: readCpu, goal: "<= 3" });
  } finally {
    await p.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
