import { createSalesforceClient } from "../salesforce/index.js";
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

/** What the demo needs of the CRM: describe, Tooling's CustomField and Collections inserts (Pendulum's one Salesforce client satisfies it). */
export type DemoCrm = {
  describe(object: string): Promise<{ fields: { name: string }[] }>;
  createCustomField(fullName: string, metadata: Record<string, unknown>): Promise<void>;
  insert(object: string, records: Record<string, unknown>[]): Promise<{ id: string; success: boolean; errors: { code: string; message: string }[] }[]>;
};

/** Signs in as the CRM's API user with the password grant, the way a Salesforce integration does. */
export function crmLogin(target: LoopTarget): DemoCrm {
  return createSalesforceClient({ credentials: { loginUrl: target.url, grant: "password", ...target.crm } });
}

/** Creates the article's Account fields through the Tooling API, skipping ones that exist. */
export async function createAccountFields(crm: DemoCrm): Promise<number> {
  const existing = new Set((await crm.describe("Account")).fields.map((f) => f.name));
  let created = 0;
  for (const f of FIELDS) {
    if (existing.has(f.name)) continue;
    await crm.createCustomField(`Account.${f.name}`, f.metadata);
    created++;
  }
  return created;
}

/** Inserts one CRM Account per generated account (sObject Collections of 200); returns analytics id → CRM Id. */
export async function insertAccounts(crm: DemoCrm, accounts: DemoAccount[]): Promise<Map<string, string>> {
  const results = await crm.insert(
    "Account",
    accounts.map((a) => ({ Name: a.name, [LINK_FIELD]: a.id })),
  );
  const ids = new Map<string, string>();
  results.forEach((r, j) => {
    const a = accounts[j];
    if (!r.success || !r.id || !a) throw new Error(`Account insert failed: ${JSON.stringify(r)}`);
    ids.set(a.id, r.id);
  });
  return ids;
}
