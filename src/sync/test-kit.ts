import jsforce from "jsforce";
import type { ModuleContext } from "../kernel/index.js";
import { startTestPendulum, type TestPendulum } from "../../test/harness.js";
import { createAnalyticsModule, type AnalyticsModule } from "../analytics/index.js";
import { createCrmModule, type CrmModule, type CrmOptions } from "../crm/index.js";
import { createSyncModule, type SyncModule } from "./index.js";

/** The built-in CRM's API user and connected app, seeded from PENDULUM_CRM_* on first start. */
export const SYNC_CRM = { username: "sync-api@acme.test", password: "s3cret-Passw0rd-sync", clientId: "3MVG9sync_client_0123456789", clientSecret: "sync-client-secret-0123456789" };

/** The article's three Account fields the analytics push writes, plus a link field and a CRM-owned Health__c. */
export const SYNC_FIELDS = [
  { FullName: "Account.Pendo_numberofvisitors_last30d__c", Metadata: { type: "Number", label: "Pendo Number of Visitors (Last 30d)", precision: 18, scale: 0 } },
  { FullName: "Account.Pendo_timeonsite_last30d__c", Metadata: { type: "Number", label: "Pendo Time On Site (Last 30d)", precision: 18, scale: 2 } },
  { FullName: "Account.Pendo_lastvisit_last30d__c", Metadata: { type: "Date", label: "Pendo Last Visit (Last 30d)" } },
  { FullName: "Account.Analytics_Account_Id__c", Metadata: { type: "Text", label: "Analytics Account Id", length: 64, externalId: true } },
  { FullName: "Account.Health__c", Metadata: { type: "Text", label: "Health", length: 20 } },
];

/** The built-in CRM, analytics and sync, wired as the composition root wires them. */
export type SyncModules = { crm: CrmModule; analytics: AnalyticsModule; sync: SyncModule };

export type SyncPendulum = TestPendulum<SyncModules> & { conn: jsforce.Connection; analytics: AnalyticsModule; sync: SyncModule; json<T>(path: string, init?: RequestInit): Promise<T> };

/** Pendulum with the built-in CRM, analytics and sync; the sync reaches the CRM only through jsforce, over HTTP. */
export async function startSyncPendulum(o: { dataDir?: string; crm?: Partial<CrmOptions>; parallel?: number; timeoutMs?: number; createFields?: boolean; port?: number; env?: Record<string, string> } = {}): Promise<SyncPendulum> {
  const p = (await startTestPendulum({
    ...(o.dataDir ? { dataDir: o.dataDir } : {}),
    compose: (ctx: ModuleContext): SyncModules => {
      const crm = createCrmModule(ctx, o.crm ?? {});
      const analytics = createAnalyticsModule(ctx);
      const sync = createSyncModule(ctx, { analytics, tuning: { retry: { attempts: 8, baseDelayMs: 5, maxDelayMs: 60 }, timeoutMs: o.timeoutMs ?? 5_000, pollMs: 20, parallel: o.parallel ?? 4 }, resumeDelayMs: 50 });
      return { crm, analytics, sync };
    },
    env: { ...o.env, ...(o.port ? { PORT: String(o.port) } : {}), PENDULUM_CRM_USERNAME: SYNC_CRM.username, PENDULUM_CRM_PASSWORD: SYNC_CRM.password, PENDULUM_CRM_CLIENT_ID: SYNC_CRM.clientId, PENDULUM_CRM_CLIENT_SECRET: SYNC_CRM.clientSecret },
  })) as SyncPendulum;
  p.analytics = p.modules.analytics;
  p.sync = p.modules.sync;
  p.json = async <T>(path: string, init?: RequestInit): Promise<T> => {
    const res = await p.api(path, init);
    const body = (await res.json()) as T;
    if (!res.ok) throw new Error(`${init?.method ?? "GET"} ${path}: ${res.status} ${JSON.stringify(body)}`);
    return body;
  };
  p.conn = new jsforce.Connection({ loginUrl: p.url, version: "62.0", oauth2: { loginUrl: p.url, clientId: SYNC_CRM.clientId, clientSecret: SYNC_CRM.clientSecret } });
  await p.conn.login(SYNC_CRM.username, SYNC_CRM.password);
  if (o.createFields !== false) for (const f of SYNC_FIELDS) await p.conn.tooling.sobject("CustomField").create(f);
  return p;
}

/** PUT /api/v1/sync/connection with the password grant against the built-in CRM. */
export async function connectCrm(p: SyncPendulum, extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  return p.json("/api/v1/sync/connection", { method: "PUT", body: JSON.stringify({ loginUrl: p.url, clientId: SYNC_CRM.clientId, clientSecret: SYNC_CRM.clientSecret, grant: "password", username: SYNC_CRM.username, password: SYNC_CRM.password, ...extra }) });
}

/** Inserts CRM Accounts through Bulk API 2.0 (CSV with a header row). */
export async function insertAccounts(p: SyncPendulum, header: string[], rows: (string | number)[][]): Promise<string[]> {
  const csv = `${header.join(",")}\n${rows.map((r) => r.join(",")).join("\n")}\n`;
  const res = await p.conn.bulk2.loadAndWaitForResults({ object: "Account", operation: "insert", input: csv, pollInterval: 20, pollTimeout: 120_000 });
  if (res.failedResults.length > 0) throw new Error(`insert failed: ${JSON.stringify(res.failedResults[0])}`);
  return res.successfulResults.map((r) => r.sf__Id);
}

/** Analytics accounts seen now, without events (their report values are zeros). */
export async function seedAnalyticsAccounts(p: SyncPendulum, ids: string[]): Promise<void> {
  const appId = p.analytics.apps.list()[0]?.id as string;
  const now = Date.now();
  const accounts = new Map(ids.map((id) => [id, { first: now, last: now }]));
  await p.analytics.metadata.recordSeen([{ appId, visitors: new Map(), accounts, links: new Map(), eventNames: new Map() }]);
}
