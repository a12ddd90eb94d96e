import type { Connection } from "jsforce";
import type { TestPendulum } from "../../test/harness.js";
import { createCrmModule } from "../crm/index.js";
import { connectWithPassword } from "./crm/connect.js";
import { jsforceCrmClient } from "./crm/jsforce-client.js";
import { startSuccessPendulum } from "./test-kit.js";

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

export type CrmSuccessPendulum = TestPendulum & { conn: Connection };

/** Pendulum with the built-in CRM and the success module, which reaches the CRM only through jsforce; the Account fields exist. */
export async function startCrmSuccessPendulum(): Promise<CrmSuccessPendulum> {
  const p = (await startSuccessPendulum({
    before: [createCrmModule],
    env: { PENDULUM_CRM_USERNAME: CRM_LOGIN.username, PENDULUM_CRM_PASSWORD: CRM_LOGIN.password, PENDULUM_CRM_CLIENT_ID: CRM_LOGIN.clientId, PENDULUM_CRM_CLIENT_SECRET: CRM_LOGIN.clientSecret },
    deps: (current) => {
      const client = jsforceCrmClient(() => connectWithPassword({ loginUrl: current().url, ...CRM_LOGIN }));
      return { crm: () => Promise.resolve(client) };
    },
  })) as CrmSuccessPendulum;
  p.conn = await connectWithPassword({ loginUrl: p.url, ...CRM_LOGIN });
  for (const f of ACCOUNT_FIELDS) await p.conn.tooling.sobject("CustomField").create(f);
  return p;
}
