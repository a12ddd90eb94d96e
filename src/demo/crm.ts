import { Connection } from "jsforce";
import type { LoopTarget } from "./api.js";
import type { DemoAccount } from "./generator.js";

/** The field that links a CRM Account to an analytics account; not Pendo_, so the push never owns it. */
export const LINK_FIELD = "Analytics_Account_Id__c";

/** The article's three fields the analytics push writes (Pendo_ prefix). */
export const PENDO_FIELDS = ["Pendo_numberofvisitors_last30d__c", "Pendo_timeonsite_last30d__c", "Pendo_lastvisit_last30d__c"] as const;

/** The 7-day report's fields, pushed beside the 30-day ones. */
export const PENDO_7D_FIELDS = ["Pendo_numberofvisitors_last7d__c", "Pendo_timeonsite_last7d__c", "Pendo_daysactive_last7d__c"] as const;

/** The fields customer success writes back to the Account (rule 2), which the pull brings to segments. */
export const SUCCESS_FIELDS = ["Health_Score__c", "Health_Color__c", "Renewal_Date__c", "Onboarding_Status__c"] as const;

const FIELDS: { name: string; metadata: Record<string, unknown> }[] = [
  { name: "Pendo_numberofvisitors_last30d__c", metadata: { type: "Number", label: "Pendo Number of Visitors (Last 30d)", precision: 18, scale: 0 } },
  { name: "Pendo_timeonsite_last30d__c", metadata: { type: "Number", label: "Pendo Time On Site (Last 30d)", precision: 18, scale: 2 } },
  { name: "Pendo_lastvisit_last30d__c", metadata: { type: "Date", label: "Pendo Last Visit (Last 30d)" } },
  { name: "Pendo_numberofvisitors_last7d__c", metadata: { type: "Number", label: "Pendo Number of Visitors (Last 7d)", precision: 18, scale: 0 } },
  { name: "Pendo_timeonsite_last7d__c", metadata: { type: "Number", label: "Pendo Time On Site (Last 7d)", precision: 18, scale: 2 } },
  { name: "Pendo_daysactive_last7d__c", metadata: { type: "Number", label: "Pendo Days Active (Last 7d)", precision: 18, scale: 0 } },
  { name: LINK_FIELD, metadata: { type: "Text", label: "Analytics Account Id", length: 64, externalId: true } },
  { name: "Health_Score__c", metadata: { type: "Number", label: "Health Score", precision: 5, scale: 0 } },
  { name: "Health_Color__c", metadata: { type: "Text", label: "Health Color", length: 20 } },
  { name: "Renewal_Date__c", metadata: { type: "Date", label: "Renewal Date" } },
  { name: "Onboarding_Status__c", metadata: { type: "Text", label: "Onboarding Status", length: 40 } },
];

/** Signs in as the CRM's API user with the password grant, the way a Salesforce integration does. */
export async function crmLogin(target: LoopTarget): Promise<Connection> {
  const conn = new Connection({ loginUrl: target.url, version: "62.0", oauth2: { loginUrl: target.url, clientId: target.crm.clientId, clientSecret: target.crm.clientSecret } });
  await conn.login(target.crm.username, target.crm.password);
  return conn;
}

/** Creates the article's Account fields through the Tooling API, skipping ones that exist. */
export async function createAccountFields(conn: Connection): Promise<number> {
  const existing = new Set((await conn.sobject("Account").describe()).fields.map((f) => f.name));
  let created = 0;
  for (const f of FIELDS) {
    if (existing.has(f.name)) continue;
    await conn.tooling.sobject("CustomField").create({ FullName: `Account.${f.name}`, Metadata: f.metadata });
    created++;
  }
  return created;
}

/** Inserts one CRM Account per generated account (200 per sObject Collections call); returns analytics id → CRM Id. */
export async function insertAccounts(conn: Connection, accounts: DemoAccount[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (let i = 0; i < accounts.length; i += 200) {
    const chunk = accounts.slice(i, i + 200);
    const results = await conn.sobject("Account").create(
      chunk.map((a) => ({ Name: a.name, [LINK_FIELD]: a.id })),
      { allOrNone: true },
    );
    results.forEach((r, j) => {
      const a = chunk[j];
      if (!r.success || !r.id || !a) throw new Error(`Account insert failed: ${JSON.stringify(r)}`);
      ids.set(a.id, r.id);
    });
  }
  return ids;
}
