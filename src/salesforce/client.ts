import { Connection } from "jsforce";
import { requestSession, type SalesforceCredentials, type SalesforceSession } from "./connect.js";
import { toCsv } from "./csv.js";
import { errorCodeOf, isTransient, withRetry, DEFAULT_RETRY, type RetryPolicy } from "./retry.js";
import { SalesforceError, isGrantRefused } from "./errors.js";
import { instrumentTransport, type CallStats } from "./transport.js";
import type { ApiUsage, FieldInfo, ObjectInfo, WriteResult } from "./types.js";

/** sObject Collections take at most 200 records a request. */
export const COLLECTION_SIZE = 200;
/** Above this many changed records one Bulk API 2.0 job costs fewer calls than Collections. */
export const BULK_THRESHOLD = 2_000;

export type SalesforceClientOptions = {
  credentials: SalesforceCredentials;
  /** A stored session to start from (no token call when it is still good). */
  session?: SalesforceSession;
  version?: string;
  retry?: RetryPolicy;
  /** A request that takes longer is abandoned and retried. */
  timeoutMs?: number;
  /** API calls of the org's daily allocation Pendulum must leave for everyone else. */
  reserve?: number;
  /** Collections requests in flight at once. */
  parallel?: number;
  /** Bulk job polling interval. */
  pollMs?: number;
  /** Called with every new session so it can be stored (encrypted). */
  onSession?(session: SalesforceSession): void | Promise<void>;
};

/** Pendulum's one client for a Salesforce-compatible org, over jsforce. */
export type SalesforceClient = ReturnType<typeof createSalesforceClient>;

type JsforceSave = { success: boolean; id?: string; errors?: { errorCode?: string; statusCode?: string; message: string; fields?: string[] }[] };

function toWriteResult(id: string, r: JsforceSave): WriteResult {
  return { id: r.id ?? id, success: r.success, errors: (r.errors ?? []).map((e) => ({ code: e.errorCode ?? e.statusCode ?? "UNKNOWN", message: e.message, ...(e.fields ? { fields: e.fields } : {}) })) };
}

function failedChunk(ids: string[], e: unknown): WriteResult[] {
  const message = e instanceof Error ? e.message : String(e);
  return ids.map((id) => ({ id, success: false, errors: [{ code: errorCodeOf(e), message }] }));
}

/** True for failures that say the org did not take the request (so a retry cannot write twice). */
function notTaken(e: unknown): boolean {
  return isTransient(e) && ["REQUEST_LIMIT_EXCEEDED", "SERVER_UNAVAILABLE", "ERROR_HTTP_429", "ERROR_HTTP_503"].includes(errorCodeOf(e));
}

/** Builds a client; nothing is sent until the first call. */
export function createSalesforceClient(options: SalesforceClientOptions) {
  const retry = options.retry ?? DEFAULT_RETRY;
  const version = options.version ?? "62.0";
  const stats: CallStats = { calls: 0, tokenCalls: 0 };
  let session = options.session;
  let conn: Promise<Connection> | undefined;

  async function newSession(refreshToken: string | undefined): Promise<SalesforceSession> {
    const s = await requestSession(options.credentials, refreshToken, retry, { onCall: () => stats.tokenCalls++, timeoutMs: options.timeoutMs ?? 120_000 });
    session = s;
    await options.onSession?.(s);
    return s;
  }

  async function open(): Promise<Connection> {
    const s = session ?? (await newSession(undefined));
    const c = new Connection({
      version,
      instanceUrl: s.instanceUrl,
      accessToken: s.accessToken,
      oauth2: { loginUrl: options.credentials.loginUrl, clientId: options.credentials.clientId, clientSecret: options.credentials.clientSecret },
      // jsforce calls this on 401: a refresh token when there is one, else the grant again.
      refreshFn: (_c, callback) => {
        newSession(session?.refreshToken)
          .then((fresh) => callback(null, fresh.accessToken))
          .catch((e: unknown) => callback(e instanceof Error ? e : new Error(String(e))));
      },
    });
    instrumentTransport(c, () => stats.calls++, options.timeoutMs ?? 120_000);
    return c;
  }

  const connection = (): Promise<Connection> => {
    conn ??= open().catch((e: unknown) => {
      conn = undefined;
      throw e;
    });
    return conn;
  };

  /** One call with retries; a refused grant or an exhausted retry becomes a run-stopping SalesforceError. */
  async function call<T>(fn: (c: Connection) => Promise<T>, retryable: (e: unknown) => boolean = isTransient): Promise<T> {
    try {
      return await withRetry(async () => fn(await connection()), retry, retryable);
    } catch (e) {
      if (e instanceof SalesforceError) throw e;
      if (isGrantRefused(e)) throw new SalesforceError("RECONNECT_REQUIRED", `The CRM refused the session: ${e instanceof Error ? e.message : String(e)}`, e);
      if (isTransient(e)) throw new SalesforceError("CRM_UNAVAILABLE", `The CRM kept failing after ${retry.attempts} attempts: ${e instanceof Error ? e.message : String(e)}`, e);
      throw e;
    }
  }

  /**
   * Writes records in sObject Collections of 200, a few requests at a time, results in record
   * order. A chunk that kept failing for a passing reason is reported record by record; a refused
   * session or the API reserve stops the whole write.
   */
  async function inCollections<R extends Record<string, unknown>>(
    records: R[],
    idOf: (r: R) => string,
    write: (c: Connection, chunk: R[]) => Promise<unknown>,
    onChunk?: (results: WriteResult[]) => Promise<void>,
    retryable?: (e: unknown) => boolean,
  ): Promise<WriteResult[]> {
    const chunks: R[][] = [];
    for (let i = 0; i < records.length; i += COLLECTION_SIZE) chunks.push(records.slice(i, i + COLLECTION_SIZE));
    const results: WriteResult[][] = new Array(chunks.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < chunks.length) {
        const i = next++;
        const chunk = chunks[i] as R[];
        let out: WriteResult[];
        try {
          const saved = (await call(async (c) => (await write(c, chunk)) as JsforceSave[], retryable)) as JsforceSave[];
          out = saved.map((r, k) => toWriteResult(idOf(chunk[k] as R), r));
        } catch (e) {
          if (e instanceof SalesforceError && e.problem !== "CRM_UNAVAILABLE") throw e;
          out = failedChunk(chunk.map(idOf), e);
        }
        results[i] = out;
        await onChunk?.(out);
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.parallel ?? 4, chunks.length) }, worker));
    return results.flat();
  }

  async function apiUsage(): Promise<ApiUsage | undefined> {
    const c = await connection();
    const u = c.limitInfo.apiUsage;
    return u ? { used: u.used, limit: u.limit } : undefined;
  }

  return {
    stats,
    /** Total requests sent, token requests included. */
    calls: (): number => stats.calls + stats.tokenCalls,
    session: (): SalesforceSession | undefined => session,
    /** The last Sforce-Limit-Info the org sent (no extra call). */
    apiUsage,
    /** Throws API_BUDGET_RESERVE when `calls` more requests would leave less than the reserve of the day's allocation. */
    async ensureBudget(calls: number): Promise<void> {
      const u = await apiUsage();
      const reserve = options.reserve ?? 0;
      if (u && u.limit - u.used - calls < reserve) {
        throw new SalesforceError("API_BUDGET_RESERVE", `Stopped to keep the org's API reserve: ${u.used} of ${u.limit} daily requests are used, the next step needs ${calls} and ${reserve} are reserved`);
      }
    },
    /** The signed-in user and org, from the identity URL. */
    async identity(): Promise<{ orgId: string; userId: string; username: string; displayName: string }> {
      const id = await call((c) => c.identity());
      return { orgId: id.organization_id, userId: id.user_id, username: id.username, displayName: id.display_name };
    },
    /** The org's daily API usage from /limits. */
    async limits(): Promise<ApiUsage> {
      const l = await call((c) => c.limits());
      const d = l.DailyApiRequests ?? { Max: 0, Remaining: 0 };
      return { used: d.Max - d.Remaining, limit: d.Max };
    },
    /** Fields of an object. */
    async describe(object: string): Promise<ObjectInfo> {
      const d = await call((c) => c.sobject(object).describe());
      return {
        name: d.name,
        fields: d.fields.map(
          (f): FieldInfo => ({ name: f.name, label: f.label, type: f.type, updateable: f.updateable, createable: f.createable, idLookup: f.idLookup ?? false, externalId: f.externalId ?? false, unique: f.unique ?? false, nillable: f.nillable, scale: f.scale ?? 0, length: f.length ?? 0 }),
        ),
      };
    },
    /** Every record a SOQL query returns, page by page (each page retried on its own). */
    async query(soql: string): Promise<Record<string, unknown>[]> {
      const out: Record<string, unknown>[] = [];
      let page = await call((c) => Promise.resolve(c.query<Record<string, unknown>>(soql, { autoFetch: false })));
      for (;;) {
        for (const r of page.records) {
          const { attributes: _a, ...rest } = r;
          out.push(rest);
        }
        const next = page.nextRecordsUrl;
        if (page.done || !next) break;
        page = await call((c) => Promise.resolve(c.queryMore<Record<string, unknown>>(next)));
      }
      return out;
    },
    /** Updates records through sObject Collections (200 a call, allOrNone false); `onChunk` sees each chunk's outcome as it lands. */
    update(object: string, records: ({ Id: string } & Record<string, unknown>)[], onChunk?: (results: WriteResult[]) => Promise<void>): Promise<WriteResult[]> {
      return inCollections(records, (r) => String(r.Id), (c, chunk) => c.sobject(object).update(chunk as ({ Id: string } & Record<string, unknown>)[], { allOrNone: false }), onChunk);
    },
    /**
     * Inserts records through sObject Collections; a refused record is reported by position (its
     * result's id is ""). Only failures that mean the request was not taken (429, 503, request
     * limit) are retried: a timed-out insert may have landed, and a retry would insert it twice.
     */
    insert(object: string, records: Record<string, unknown>[], onChunk?: (results: WriteResult[]) => Promise<void>): Promise<WriteResult[]> {
      return inCollections(records, () => "", (c, chunk) => c.sobject(object).create(chunk, { allOrNone: false }), onChunk, notTaken);
    },
    /** Inserts or updates records matched on an external id field (or Id), through sObject Collections. */
    upsert(object: string, records: Record<string, unknown>[], externalIdField: string, onChunk?: (results: WriteResult[]) => Promise<void>): Promise<WriteResult[]> {
      return inCollections(records, (r) => String(r[externalIdField] ?? ""), (c, chunk) => c.sobject(object).upsert(chunk, externalIdField, { allOrNone: false }), onChunk);
    },
    /** Adds a custom field through the Tooling API (`FullName` such as `Account.Health__c`); an admin's set-up step. */
    async createCustomField(fullName: string, metadata: Record<string, unknown>): Promise<void> {
      await call((c) => c.tooling.sobject("CustomField").create({ FullName: fullName, Metadata: metadata }));
    },
    /** Updates records with one Bulk API 2.0 ingest job (each step retried on its own); results by record. */
    async bulkUpdate(object: string, fields: string[], records: ({ Id: string } & Record<string, unknown>)[]): Promise<WriteResult[]> {
      const c = await connection();
      const job = c.bulk2.createJob({ object, operation: "update", lineEnding: "LF" });
      await call(() => job.open());
      await call(() => job.uploadData(toCsv(["Id", ...fields], records)));
      await call(() => job.close());
      for (;;) {
        const info = await call(() => job.check());
        if (info.state === "JobComplete") break;
        if (info.state === "Failed" || info.state === "Aborted") throw new SalesforceError("CRM_UNAVAILABLE", `Bulk job ${info.id} ended ${info.state}: ${info.errorMessage ?? "no message"}`);
        await new Promise((r) => setTimeout(r, options.pollMs ?? 500));
      }
      const ok = await call(() => job.getSuccessfulResults());
      const failed = await call(() => job.getFailedResults());
      const out: WriteResult[] = ok.map((r) => ({ id: r.sf__Id, success: true, errors: [] }));
      const failedIds = new Set<string>();
      for (const r of failed) {
        const id = String((r as Record<string, unknown>)["Id"] ?? r.sf__Id);
        failedIds.add(id);
        const colon = r.sf__Error.indexOf(":");
        out.push({ id, success: false, errors: [{ code: colon > 0 ? r.sf__Error.slice(0, colon) : "UNKNOWN", message: colon > 0 ? r.sf__Error.slice(colon + 1) : r.sf__Error }] });
      }
      const seen = new Set(out.map((r) => r.id));
      for (const r of records) if (!seen.has(r.Id)) out.push({ id: r.Id, success: false, errors: [{ code: "UNPROCESSED", message: "The bulk job did not process this record" }] });
      return out;
    },
    /** Signs in now (a setup check) and tells who the CRM says we are. */
    async verify(): Promise<void> {
      await connection();
    },
  };
}
