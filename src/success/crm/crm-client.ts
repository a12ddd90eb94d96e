/** One record's outcome in a CRM write, as Salesforce's sObject Collections answer it. */
export type CrmSaveResult = { success: true; id: string } | { success: false; errors: { errorCode: string; message: string; fields?: string[] }[] };

/** A CRM field as describe shows it. */
export type CrmField = { name: string; type: string; updateable: boolean; createable: boolean; externalId: boolean; idLookup: boolean; nillable: boolean };

/**
 * What the success module needs from a CRM: the Salesforce REST API's query, DML and describe.
 * The built-in CRM and a real org both satisfy it through jsforce; nothing else reaches the CRM.
 */
export type CrmClient = {
  /** Every record the SOQL query returns, all pages fetched. */
  query(soql: string): Promise<Record<string, unknown>[]>;
  /** Writes in sObject Collections of ≤200 records, allOrNone false: one result per record, in order. */
  insert(object: string, records: Record<string, unknown>[]): Promise<CrmSaveResult[]>;
  update(object: string, records: Record<string, unknown>[]): Promise<CrmSaveResult[]>;
  upsert(object: string, records: Record<string, unknown>[], externalIdField: string): Promise<CrmSaveResult[]>;
  describe(object: string): Promise<{ name: string; fields: CrmField[] }>;
};

/** Reaching the CRM failed as a whole (not one record): the run fails with this message. */
export class CrmUnavailableError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "CrmUnavailableError";
  }
}
