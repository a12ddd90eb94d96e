/** One record's outcome in a CRM write; errors carry the CRM's error code. `id` is "" for an insert the CRM refused. */
export type CrmWriteResult = { id: string; success: boolean; errors: { code: string; message: string; fields?: string[] }[] };

/** A CRM field as describe shows it. */
export type CrmField = { name: string; type: string; updateable: boolean; createable: boolean; externalId: boolean; idLookup: boolean; nillable: boolean };

/**
 * What the rules engine needs from a CRM: query, describe and writes in sObject Collections.
 * The composition root hands it the sync connection's client (Pendulum's one Salesforce client,
 * with its retries and API reserve), so rules write as the integration user the admin connected.
 */
export type CrmClient = {
  /** Every record the SOQL query returns, all pages fetched. */
  query(soql: string): Promise<Record<string, unknown>[]>;
  /** Writes in Collections of ≤200 records, allOrNone false: one result per record, in order. */
  insert(object: string, records: Record<string, unknown>[]): Promise<CrmWriteResult[]>;
  update(object: string, records: ({ Id: string } & Record<string, unknown>)[]): Promise<CrmWriteResult[]>;
  upsert(object: string, records: Record<string, unknown>[], externalIdField: string): Promise<CrmWriteResult[]>;
  describe(object: string): Promise<{ name: string; fields: CrmField[] }>;
  /** Refuses (API_BUDGET_RESERVE) when `calls` more requests would eat into the org's reserved API allocation. */
  ensureBudget(calls: number): Promise<void>;
};

/** How the rules engine reaches the CRM: a client per run, and a word back when the run is over. */
export type CrmAccess = {
  client(): Promise<CrmClient>;
  /** Tells the connection what the run learned (API usage; a refused session means the admin must reconnect). */
  finished?(client: CrmClient, error?: unknown): Promise<void>;
};
