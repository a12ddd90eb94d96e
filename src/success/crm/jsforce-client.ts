import type { Connection } from "jsforce";
import type { CrmClient, CrmField, CrmSaveResult } from "./crm-client.js";

/** sObject Collections take at most 200 records per request. */
export const COLLECTION_SIZE = 200;
/** Requests in flight at once: enough to hide latency, few enough to stay inside an org's concurrency limits. */
const PARALLEL = 4;

type JsforceSave = { success: boolean; id?: string; errors?: { errorCode?: string; statusCode?: string; message: string; fields?: string[] }[] };

function toResult(r: JsforceSave): CrmSaveResult {
  if (r.success && r.id) return { success: true, id: r.id };
  if (r.success) return { success: true, id: "" };
  return { success: false, errors: (r.errors ?? []).map((e) => ({ errorCode: e.errorCode ?? e.statusCode ?? "UNKNOWN", message: e.message, ...(e.fields ? { fields: e.fields } : {}) })) };
}

/** Runs `write` over chunks of 200, a few at a time, keeping results in record order. */
async function inCollections(records: Record<string, unknown>[], write: (chunk: Record<string, unknown>[]) => Promise<JsforceSave[]>): Promise<CrmSaveResult[]> {
  const chunks: Record<string, unknown>[][] = [];
  for (let i = 0; i < records.length; i += COLLECTION_SIZE) chunks.push(records.slice(i, i + COLLECTION_SIZE));
  const results: CrmSaveResult[][] = new Array(chunks.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < chunks.length) {
      const i = next++;
      const out = await write(chunks[i] as Record<string, unknown>[]);
      results[i] = out.map(toResult);
    }
  }
  await Promise.all(Array.from({ length: Math.min(PARALLEL, chunks.length) }, worker));
  return results.flat();
}

function stripAttributes(r: Record<string, unknown>): Record<string, unknown> {
  const { attributes: _attributes, ...rest } = r;
  return rest;
}

/** A CrmClient over a jsforce Connection; `connect` is called once and its connection reused. */
export function jsforceCrmClient(connect: () => Promise<Connection>): CrmClient {
  let conn: Promise<Connection> | undefined;
  const connection = () => {
    conn ??= connect().catch((e: unknown) => {
      conn = undefined;
      throw e;
    });
    return conn;
  };
  return {
    async query(soql) {
      const c = await connection();
      const records: Record<string, unknown>[] = [];
      let page = await c.query<Record<string, unknown>>(soql);
      for (;;) {
        for (const r of page.records) records.push(stripAttributes(r));
        if (page.done || !page.nextRecordsUrl) break;
        page = await c.queryMore<Record<string, unknown>>(page.nextRecordsUrl);
      }
      return records;
    },
    async insert(object, records) {
      const c = await connection();
      return inCollections(records, (chunk) => c.sobject(object).create(chunk, { allOrNone: false }) as Promise<JsforceSave[]>);
    },
    async update(object, records) {
      const c = await connection();
      return inCollections(records, (chunk) => c.sobject(object).update(chunk as { Id: string }[], { allOrNone: false }) as Promise<JsforceSave[]>);
    },
    async upsert(object, records, externalIdField) {
      const c = await connection();
      return inCollections(records, (chunk) => c.sobject(object).upsert(chunk, externalIdField, { allOrNone: false }) as Promise<JsforceSave[]>);
    },
    async describe(object) {
      const c = await connection();
      const d = await c.sobject(object).describe();
      return {
        name: d.name,
        fields: d.fields.map(
          (f): CrmField => ({ name: f.name, type: f.type, updateable: f.updateable, createable: f.createable, externalId: f.externalId ?? false, idLookup: f.idLookup ?? false, nillable: f.nillable }),
        ),
      };
    },
  };
}
