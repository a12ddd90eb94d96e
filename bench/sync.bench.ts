import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import jsforce from "jsforce";
import { loadConfig } from "../src/config.js";
import { createCrmModule } from "../src/crm/index.js";
import { createAnalyticsModule } from "../src/analytics/index.js";
import { startComposed } from "../src/server/index.js";
import { createSyncModule } from "../src/sync/index.js";
import { benchRecordsEnv, printFigure, seconds, type BenchOptions } from "./lib.js";

const TOKEN = "bench_admin_token_0123456789";
const CRM = { username: "bench-sync@pendulum.test", password: "bench-password-1", clientId: "bench_sync_client_0123456789", clientSecret: "bench_sync_secret_0123456789" };
const FIELDS = [
  { FullName: "Account.Pendo_numberofvisitors_last30d__c", Metadata: { type: "Number", label: "Visitors", precision: 18, scale: 0 } },
  { FullName: "Account.Pendo_timeonsite_last30d__c", Metadata: { type: "Number", label: "Time on site", precision: 18, scale: 2 } },
  { FullName: "Account.Pendo_lastvisit_last30d__c", Metadata: { type: "Date", label: "Last visit" } },
  { FullName: "Account.Analytics_Account_Id__c", Metadata: { type: "Text", label: "Analytics Account Id", length: 64, externalId: true } },
];

/** Sync push of 50,000 accounts: first push, unchanged push and 1% changed, against a naive one-update-per-account push. */
// The goals are stated for 50,000 accounts, so every scale runs the same size.
export async function run(_opts: BenchOptions): Promise<void> {
  const total = 50_000;
  const sample = 2_000;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-sync-bench-"));
  const config = loadConfig({
    ...(await benchRecordsEnv(dataDir)),
    PORT: "0",
    PENDULUM_DATA_DIR: dataDir,
    PENDULUM_LOG_LEVEL: "warn",
    PENDULUM_API_TOKEN: TOKEN,
    PENDULUM_APP_KEY: "pk_bench_sync_1",
    PENDULUM_CRM_USERNAME: CRM.username,
    PENDULUM_CRM_PASSWORD: CRM.password,
    PENDULUM_CRM_CLIENT_ID: CRM.clientId,
    PENDULUM_CRM_CLIENT_SECRET: CRM.clientSecret,
    PENDULUM_FLUSH_INTERVAL_MS: "200",
  });
  const p = await startComposed(config, (ctx) => {
    const analytics = createAnalyticsModule(ctx);
    return { crm: createCrmModule(ctx), analytics, sync: createSyncModule(ctx, { analytics, tuning: { pollMs: 100 } }) };
  });
  const api = async <T>(method: string, pathname: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${p.url}/api/v1${pathname}`, { method, headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { "content-type": "application/json" }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const json = (await res.json()) as T;
    if (!res.ok) throw new Error(`${method} ${pathname}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  try {
    const analytics = p.modules.analytics;
    const sync = p.modules.sync;
    const conn = new jsforce.Connection({ loginUrl: p.url, version: "62.0", oauth2: { loginUrl: p.url, clientId: CRM.clientId, clientSecret: CRM.clientSecret } });
    await conn.login(CRM.username, CRM.password);
    for (const f of FIELDS) await conn.tooling.sobject("CustomField").create(f);
    const ids = Array.from({ length: total }, (_, i) => `acct-${i}`);
    const loaded = await conn.bulk2.loadAndWaitForResults({ object: "Account", operation: "insert", input: `Name,Analytics_Account_Id__c\n${ids.map((id) => `Account ${id},${id}`).join("\n")}\n`, pollInterval: 100, pollTimeout: 600_000 });
    if (loaded.failedResults.length > 0) throw new Error("seeding CRM accounts failed");
    const appId = analytics.apps.list()[0]?.id as string;
    const seenAt = Date.now();
    await analytics.metadata.recordSeen([{ appId, visitors: new Map(), accounts: new Map(ids.map((id) => [id, { first: seenAt, last: seenAt }])), links: new Map(), eventNames: new Map() }]);
    // Events for every 10th account so the report holds real numbers and dates, not only zeros.
    const ingest = async (accountIds: string[], minutesAgo: number): Promise<void> => {
      for (let i = 0; i < accountIds.length; i += 50) {
        await Promise.all(
          accountIds.slice(i, i + 50).map((id) =>
            fetch(`${p.url}/data/ingest?key=pk_bench_sync_1`, {
              method: "POST",
              headers: { "content-type": "text/plain" },
              body: JSON.stringify({ visitor: { id: `v-${id}` }, account: { id }, events: [{ type: "load", ts: Date.now() - minutesAgo * 60_000, url: "https://app.example.com/home" }] }),
            }),
          ),
        );
      }
      await analytics.settle();
    };
    await ingest(ids.filter((_, i) => i % 10 === 0), 30);

    await api("PUT", "/sync/connection", { loginUrl: p.url, clientId: CRM.clientId, clientSecret: CRM.clientSecret, grant: "password", username: CRM.username, password: CRM.password });
    await api("PUT", "/sync/link", { accountField: "Analytics_Account_Id__c" });
    const report = await api<{ id: string }>("POST", "/reports", { name: "Pendo push, last 30 days", range: { last: 30 }, columns: ["visitors", "minutes", "lastVisit"] });
    const fields = [
      { column: "visitors", field: "Pendo_numberofvisitors_last30d__c" },
      { column: "minutes", field: "Pendo_timeonsite_last30d__c" },
      { column: "lastVisit", field: "Pendo_lastvisit_last30d__c" },
    ];
    await api("POST", "/sync/push-mappings", { reportId: report.id, fields, dailySync: true });

    // Baseline: the naive push, one update call per account, on a sample, scaled to every account.
    const saved = await analytics.reports.get(report.id);
    if (!saved) throw new Error("the report was not saved");
    const rows = (await analytics.reportService.run(saved)).rows;
    const sfIds = new Map(loaded.successfulResults.map((r, i) => [ids[i] as string, r.sf__Id]));
    let t = performance.now();
    for (const row of rows.slice(0, sample)) {
      await conn.sobject("Account").update({ Id: sfIds.get(row.id) as string, Pendo_numberofvisitors_last30d__c: Number(row.values["visitors"]), Pendo_timeonsite_last30d__c: Number(row.values["minutes"]) });
    }
    const naiveSeconds = (seconds(t) / sample) * total;
    // Undo the sample so the first push starts from an org that holds nothing.
    await conn.bulk2.loadAndWaitForResults({ object: "Account", operation: "update", input: `Id,Pendo_numberofvisitors_last30d__c,Pendo_timeonsite_last30d__c\n${rows.slice(0, sample).map((r) => `${sfIds.get(r.id)},#N/A,#N/A`).join("\n")}\n`, pollInterval: 100, pollTimeout: 600_000 });

    t = performance.now();
    const first = await sync.runSync({ push: true, pull: false });
    const firstSeconds = seconds(t);
    if (first.status !== "success" || first.counts.written !== total) throw new Error(`first push: ${first.status} ${JSON.stringify(first.counts)} ${first.message ?? ""}`);
    printFigure({ bench: "sync.first_push", value: firstSeconds, unit: "s", baseline: naiveSeconds, accounts: total, goal: "<= 30 s" });
    printFigure({ bench: "sync.first_push_calls", value: first.apiCalls, unit: "calls", baseline: total + 1, written: first.counts.written });

    const unchanged = await sync.runSync({ push: true, pull: false });
    printFigure({ bench: "sync.unchanged_calls", value: unchanged.apiCalls, unit: "calls", baseline: total + 1, written: unchanged.counts.written, goal: "<= 30 calls, 0 writes" });

    await ingest(ids.filter((_, i) => i % 100 === 1), 5);
    const onePercent = await sync.runSync({ push: true, pull: false });
    printFigure({ bench: "sync.one_percent_calls", value: onePercent.apiCalls, unit: "calls", baseline: total + 1, changed: onePercent.counts.changed, written: onePercent.counts.written, goal: "<= 35 calls" });
  } finally {
    await p.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
