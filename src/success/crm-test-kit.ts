import jsforce from "jsforce";
import { startSuccessPendulum, type SuccessPendulum } from "../../test/success-kit.js";

/** The API user and connected app the built-in CRM seeds from PENDULUM_CRM_* on first start. */
export const CRM_LOGIN = { username: "success-api@acme.test", password: "s3cret-Passw0rd-success", clientId: "3MVG9success_client_0123456789", clientSecret: "success-client-secret-0123456789" };

/** The article's Account fields: three the analytics push writes, two the success rules write. */
export const ACCOUNT_FIELDS = [
  { FullName: "Account.Pendo_numberofvisitors_last30d__c", Metadata: { type: "Number", label: "Pendo Number of Visitors (Last 30d)", precision: 18, scale: 0 } },
  { FullName: "Account.Pendo_timeonsite_last30d__c", Metadata: { type: "Number", label: "Pendo Time On Site (Last 30d)", precision: 18, scale: 2 } },
  { FullName: "Account.Pendo_lastvisit_last30d__c", Metadata: { type: "Date", label: "Pendo Last Visit (Last 30d)" } },
  { FullName: "Account.Health_Score__c", Metadata: { type: "Number", label: "Health Score", precision: 5, scale: 0 } },
  { FullName: "Account.Renewal_Date__c", Metadata: { type: "Date", label: "Renewal Date" } },
];

/** The test's own view of the CRM (jsforce, as a Salesforce admin would look). */
export type CrmSuccessPendulum = SuccessPendulum & { conn: jsforce.Connection };

/** Signs in to the built-in CRM with jsforce as the API user. */
export async function crmConnection(url: string): Promise<jsforce.Connection> {
  const conn = new jsforce.Connection({ loginUrl: url, version: "62.0", oauth2: { loginUrl: url, clientId: CRM_LOGIN.clientId, clientSecret: CRM_LOGIN.clientSecret } });
  await conn.login(CRM_LOGIN.username, CRM_LOGIN.password);
  return conn;
}

/**
 * Pendulum with the built-in CRM, analytics, sync and success; the Account fields exist and the
 * admin has connected the CRM in the connection wizard's API (the rules engine writes through it).
 */
export async function startCrmSuccessPendulum(options: { connect?: boolean; apiReserve?: number } = {}): Promise<CrmSuccessPendulum> {
  const p = (await startSuccessPendulum({
    crm: true,
    env: { PENDULUM_CRM_USERNAME: CRM_LOGIN.username, PENDULUM_CRM_PASSWORD: CRM_LOGIN.password, PENDULUM_CRM_CLIENT_ID: CRM_LOGIN.clientId, PENDULUM_CRM_CLIENT_SECRET: CRM_LOGIN.clientSecret },
  })) as CrmSuccessPendulum;
  p.conn = await crmConnection(p.url);
  for (const f of ACCOUNT_FIELDS) await p.conn.tooling.sobject("CustomField").create(f);
  if (options.connect !== false) await connectSyncCrm(p, options.apiReserve === undefined ? {} : { apiReserve: options.apiReserve });
  return p;
}

/** PUT /api/v1/sync/connection with the password grant, as an admin does in the connection wizard. */
export async function connectSyncCrm(p: SuccessPendulum, extra: Record<string, unknown> = {}): Promise<void> {
  const res = await p.api("/api/v1/sync/connection", {
    method: "PUT",
    body: JSON.stringify({ loginUrl: p.url, clientId: CRM_LOGIN.clientId, clientSecret: CRM_LOGIN.clientSecret, grant: "password", username: CRM_LOGIN.username, password: CRM_LOGIN.password, ...extra }),
  });
  if (!res.ok) throw new Error(`connecting the CRM: ${res.status} ${await res.text()}`);
}
