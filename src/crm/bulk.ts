import crypto from "node:crypto";
import type { CrmData, ManyItem, ManyMode, ManyOutcome } from "./data.js";
import { failedResult } from "./data.js";
import { SfError } from "./errors.js";
import { counterOf, KEY_PREFIX, makeId } from "./ids.js";
import type { FieldDef, ObjectDef } from "./metadata.js";
import type { QueryEngine } from "./query.js";
import { all, exec, type Db } from "./sql.js";
import { DELIMITERS, parseCsv, toCsv } from "./csv.js";
import { formatDateTime, toCsvText } from "./values.js";

/** Bulk API 2.0 ingest operations. */
export type IngestOperation = "insert" | "update" | "upsert" | "delete" | "hardDelete";
type JobState = "Open" | "UploadComplete" | "InProgress" | "JobComplete" | "Failed" | "Aborted";

/** What a client sends to create an ingest job. */
export type NewIngestJob = { object: string; operation: IngestOperation; externalIdFieldName?: string; lineEnding?: "LF" | "CRLF"; columnDelimiter?: string; contentType?: string };

type IngestJob = {
  id: string;
  object: ObjectDef;
  operation: IngestOperation;
  externalIdField?: FieldDef;
  createdById: string;
  createdDate: string;
  modstamp: string;
  state: JobState;
  lineEnding: "LF" | "CRLF";
  columnDelimiter: string;
  apiVersion: string;
  header: string[] | undefined;
  /** Uploads received so far (they are kept in crm_bulk_uploads until the job ends). */
  uploads: number;
  processed: number;
  failed: number;
  started: number;
  finished: number;
  errorMessage?: string;
  /** Rows uploaded in this process (not kept: after a restart a job is processed in the background). */
  uploadedRows?: number;
};

type Role = "id" | "ext" | "field";

type QueryJob = { id: string; query: string; operation: string; createdById: string; createdDate: string; apiVersion: string; state: JobState; lineEnding: "LF" | "CRLF"; columnDelimiter: string; header: string[]; rows: string[][] };

/** Rows processed per transaction: large enough to be fast, small enough to keep the server responsive. */
const CHUNK = 2000;

/**
 * Bulk API 2.0 ingest and query jobs. Ingest jobs, their uploads and each chunk's results are rows
 * in the records database, written in the same transaction as the chunk's records, so a job
 * survives a crash: after a restart its state is known and an unfinished job resumes at the first
 * row not yet committed (nothing is written twice, nothing lost). Query jobs stay in memory: a
 * client re-runs a forgotten query without harm. Finished jobs are kept for seven days, as Salesforce keeps them.
 */
export type BulkJobs = ReturnType<typeof createBulkJobs>;

/** How long a finished ingest job stays readable. */
const KEEP_FINISHED_MS = 7 * 86_400_000;

/** Builds the job registry over the data layer. */
export function createBulkJobs(data: CrmData, queries: QueryEngine, clock: () => number) {
  const ingest = new Map<string, IngestJob>();
  const queryJobs = new Map<string, QueryJob>();
  let counter = Number.parseInt(crypto.randomBytes(3).toString("hex"), 16);

  const stamp = (): string => formatDateTime(new Date(clock()).toISOString());
  const nextJobId = (): string => {
    let id: string;
    do id = makeId(KEY_PREFIX.IngestJob, ++counter);
    while (ingest.has(id));
    return id;
  };

  /** Writes the job's state row (in the chunk's transaction when one is given). */
  async function saveJob(job: IngestJob, db: Db = data.db): Promise<void> {
    await exec(
      db,
      `INSERT INTO crm_bulk_jobs (id, object, operation, external_id_field, created_by, created_date, modstamp, state, line_ending, column_delimiter, api_version, header, uploads, processed, failed, started, finished, error_message)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET modstamp = excluded.modstamp, state = excluded.state, header = excluded.header, uploads = excluded.uploads, processed = excluded.processed, failed = excluded.failed, started = excluded.started, finished = excluded.finished, error_message = excluded.error_message`,
      [
        job.id,
        job.object.name,
        job.operation,
        job.externalIdField?.name ?? null,
        job.createdById,
        job.createdDate,
        job.modstamp,
        job.state,
        job.lineEnding,
        job.columnDelimiter,
        job.apiVersion,
        job.header ? JSON.stringify(job.header) : null,
        job.uploads,
        job.processed,
        job.failed,
        job.started,
        job.finished,
        job.errorMessage ?? null,
      ],
    );
  }

  /** The rows of a job's uploads, in order (the header of each is left out). */
  async function uploadedRows(job: IngestJob): Promise<string[][]> {
    const rows: string[][] = [];
    for (const u of await all(data.db, `SELECT csv FROM crm_bulk_uploads WHERE job_id = ? ORDER BY seq`, [job.id])) {
      const parsed = parseCsv(String(u["csv"]), DELIMITERS[job.columnDelimiter]);
      for (const r of parsed.slice(1)) rows.push(r);
    }
    return rows;
  }

  async function forget(id: string): Promise<void> {
    await data.transaction(async (trx) => {
      for (const table of ["crm_bulk_results", "crm_bulk_uploads", "crm_bulk_jobs"]) await exec(trx, `DELETE FROM ${table} WHERE ${table === "crm_bulk_jobs" ? "id" : "job_id"} = ?`, [id]);
      return true;
    });
    ingest.delete(id);
  }

  function info(job: IngestJob): Record<string, unknown> {
    return {
      id: job.id,
      operation: job.operation,
      object: job.object.name,
      createdById: job.createdById,
      createdDate: job.createdDate,
      systemModstamp: job.modstamp,
      state: job.state,
      ...(job.externalIdField ? { externalIdFieldName: job.externalIdField.name } : {}),
      concurrencyMode: "Parallel",
      contentType: "CSV",
      apiVersion: Number(job.apiVersion),
      jobType: "V2Ingest",
      contentUrl: `services/data/v${job.apiVersion}/jobs/ingest/${job.id}/batches`,
      lineEnding: job.lineEnding,
      columnDelimiter: job.columnDelimiter,
      numberRecordsProcessed: job.processed,
      numberRecordsFailed: job.failed,
      retries: 0,
      totalProcessingTime: job.finished ? job.finished - job.started : 0,
      apiActiveProcessingTime: job.finished ? job.finished - job.started : 0,
      apexProcessingTime: 0,
      ...(job.errorMessage ? { errorMessage: job.errorMessage } : {}),
    };
  }

  function getIngest(id: string): IngestJob {
    const job = ingest.get(id);
    if (!job) throw new SfError(404, "NOT_FOUND", "The requested resource does not exist");
    return job;
  }

  /** Reads one CSV row into the record writeMany takes; throws what the one-record path threw before writing. */
  function itemOf(job: IngestJob, header: string[], roles: Role[], row: string[]): ManyItem {
    if (row.length !== header.length) throw new SfError(400, "INVALID_FIELD", `Row has ${row.length} values but the header has ${header.length} columns`);
    const rec: Record<string, string> = {};
    let id: string | undefined;
    let extValue: string | undefined;
    for (let i = 0; i < header.length; i++) {
      const v = row[i] as string;
      if (roles[i] === "id") id = v || undefined;
      else if (roles[i] === "ext") extValue = v;
      else rec[header[i] as string] = v;
    }
    switch (job.operation) {
      case "insert":
        return { cells: data.prepare(job.object, rec, "insert", true) };
      case "update":
        if (!id) throw new SfError(400, "MISSING_ARGUMENT", "Id not specified in an update call", ["Id"]);
        return { cells: data.prepare(job.object, rec, "update", true), rawId: id };
      case "upsert": {
        const f = job.externalIdField as FieldDef;
        return { cells: data.prepare(job.object, rec, "upsert", true), rawValue: f.name === "Id" ? id : extValue };
      }
      case "delete":
      case "hardDelete":
        if (!id) throw new SfError(400, "MISSING_ARGUMENT", "Id not specified in a delete call", ["Id"]);
        return { cells: new Map(), rawId: id };
    }
  }

  /** What each CSV column is: the record Id, the upsert key, or a field (worked out once per chunk). */
  function rolesOf(job: IngestJob, header: string[]): Role[] {
    const ext = job.externalIdField?.name.toLowerCase();
    return header.map((h) => (h.toLowerCase() === "id" ? "id" : ext !== undefined && h.toLowerCase() === ext ? "ext" : "field"));
  }

  /** How a job's rows are written: one multi-row pass per chunk, deletes record by record. */
  function modeOf(job: IngestJob): ManyMode | undefined {
    if (job.operation === "insert" || job.operation === "update") return { kind: job.operation };
    if (job.operation === "upsert") return { kind: "upsert", field: job.externalIdField as FieldDef };
    return undefined;
  }

  /** Writes one chunk of rows inside a transaction; outcomes in row order. */
  async function processChunk(db: Db, job: IngestJob, header: string[], chunk: string[][]): Promise<ManyOutcome[]> {
    const mode = modeOf(job);
    const outcomes: ManyOutcome[] = new Array<ManyOutcome>(chunk.length);
    const items: ManyItem[] = [];
    const slots: number[] = [];
    const roles = rolesOf(job, header);
    for (const [i, row] of chunk.entries()) {
      try {
        const item = itemOf(job, header, roles, row);
        if (mode) {
          items.push(item);
          slots.push(i);
        } else {
          outcomes[i] = { ok: true, id: await data.remove(db, job.object, item.rawId as string), created: false };
        }
      } catch (e) {
        // Unexpected errors fail the job (its transaction rolls back), as they always did.
        if (!(e instanceof SfError)) throw e;
        outcomes[i] = { ok: false, error: e };
      }
    }
    if (mode) {
      const written = await data.writeMany(db, job.object, mode, items, job.createdById);
      written.forEach((o, k) => (outcomes[slots[k] as number] = o));
      // An unexpected error cut writeMany short: nothing after it counts.
      if (written.length < items.length) return outcomes.slice(0, (slots[written.length - 1] as number) + 1);
    }
    return outcomes;
  }

  /** Processes a job's rows from the first one not yet committed; each chunk commits with its results and counts. */
  async function run(job: IngestJob): Promise<void> {
    job.state = "InProgress";
    if (!job.started) job.started = clock();
    const header = job.header ?? [];
    try {
      const rows = await uploadedRows(job);
      await saveJob(job);
      for (let at = job.processed; at < rows.length; at += CHUNK) {
        if ((job.state as JobState) === "Aborted") return;
        const chunk = rows.slice(at, at + CHUNK);
        const before = { processed: job.processed, failed: job.failed };
        let created = 0;
        try {
          await data.transaction(async (trx) => {
            const outcomes = await processChunk(trx, job, header, chunk);
            const success: string[][] = [];
            const failures: string[][] = [];
            for (const [i, o] of outcomes.entries()) {
              const row = chunk[i] as string[];
              if (o.ok) {
                success.push([o.id, String(o.created), ...row]);
              } else {
                const failed = failedResult(o.error);
                const err = failed.errors[0];
                failures.push(["", err ? `${err.statusCode}:${err.message}:${err.fields.join(",") || "--"}` : "UNKNOWN_EXCEPTION", ...row]);
                job.failed++;
              }
              job.processed++;
            }
            // The chunk's results and the job's counts commit with its records, or not at all.
            await exec(trx, `INSERT INTO crm_bulk_results (job_id, first_row, success, failures) VALUES (?, ?, ?, ?)`, [job.id, at, JSON.stringify(success), JSON.stringify(failures)]);
            created = success.filter((r) => r[1] === "true").length;
            job.modstamp = stamp();
            await saveJob(job, trx);
            return true;
          });
        } catch (e) {
          Object.assign(job, before);
          throw e;
        }
        // A table a job fills from empty gets planner statistics as it grows (PostgreSQL); updates do not grow it.
        await data.noteWrites(job.object, created);
        // Let other requests (polls, other clients) in between chunks.
        await new Promise((r) => setImmediate(r));
      }
      job.state = "JobComplete";
    } catch (e) {
      job.state = "Failed";
      job.errorMessage = e instanceof Error ? e.message : String(e);
    } finally {
      if ((job.state as JobState) !== "InProgress") {
        job.finished = clock();
        job.modstamp = stamp();
        await saveJob(job).catch(() => undefined);
        // A finished job needs its uploads only for the unprocessed records of a failed or aborted one.
        if (job.state === "JobComplete") await exec(data.db, `DELETE FROM crm_bulk_uploads WHERE job_id = ?`, [job.id]).catch(() => undefined);
      }
    }
  }

  return {
    /**
     * Loads the ingest jobs a previous process left (forgetting those finished more than seven
     * days ago) and resumes the ones it was processing when it stopped.
     */
    async recover(): Promise<void> {
      const cutoff = clock() - KEEP_FINISHED_MS;
      for (const r of await all(data.db, `SELECT id FROM crm_bulk_jobs WHERE finished > 0 AND finished < ?`, [cutoff])) await forget(String(r["id"]));
      for (const r of await all(data.db, `SELECT * FROM crm_bulk_jobs ORDER BY id`)) {
        const object = data.object(String(r["object"]));
        if (!object) continue; // its object no longer exists
        const extName = r["external_id_field"] === null ? undefined : String(r["external_id_field"]);
        const job: IngestJob = {
          id: String(r["id"]),
          object,
          operation: String(r["operation"]) as IngestOperation,
          ...(extName ? { externalIdField: object.byLowerName.get(extName.toLowerCase()) } : {}),
          createdById: String(r["created_by"]),
          createdDate: String(r["created_date"]),
          modstamp: String(r["modstamp"]),
          state: String(r["state"]) as JobState,
          lineEnding: String(r["line_ending"]) === "CRLF" ? "CRLF" : "LF",
          columnDelimiter: String(r["column_delimiter"]),
          apiVersion: String(r["api_version"]),
          header: r["header"] === null ? undefined : (JSON.parse(String(r["header"])) as string[]),
          uploads: Number(r["uploads"]),
          processed: Number(r["processed"]),
          failed: Number(r["failed"]),
          started: Number(r["started"]),
          finished: Number(r["finished"]),
          ...(r["error_message"] === null ? {} : { errorMessage: String(r["error_message"]) }),
        };
        ingest.set(job.id, job);
        counter = Math.max(counter, counterOf(job.id));
        if (job.state === "UploadComplete" || job.state === "InProgress") setImmediate(() => void run(job));
      }
    },
    /** POST /jobs/ingest. */
    async createIngest(body: NewIngestJob, userId: string, version: string): Promise<Record<string, unknown>> {
      const object = data.requireObject(body.object, 400);
      if (!object.writable) throw new SfError(400, "INVALIDJOB", `Entity '${object.name}' is not supported by the Bulk API.`);
      const operation = body.operation;
      let externalIdField: FieldDef | undefined;
      if (operation === "upsert") {
        if (!body.externalIdFieldName) throw new SfError(400, "INVALIDJOB", "Upsert jobs need externalIdFieldName");
        externalIdField = data.externalField(object, body.externalIdFieldName);
      }
      const delimiter = body.columnDelimiter ?? "COMMA";
      if (!DELIMITERS[delimiter]) throw new SfError(400, "INVALIDJOB", `Unknown columnDelimiter ${delimiter}`);
      if (body.contentType && body.contentType !== "CSV") throw new SfError(400, "INVALIDJOB", "Only CSV content is supported");
      const job: IngestJob = {
        id: nextJobId(),
        object,
        operation,
        externalIdField,
        createdById: userId,
        createdDate: stamp(),
        modstamp: stamp(),
        state: "Open",
        lineEnding: body.lineEnding ?? "LF",
        columnDelimiter: delimiter,
        apiVersion: version,
        header: undefined,
        uploads: 0,
        processed: 0,
        failed: 0,
        started: 0,
        finished: 0,
      };
      ingest.set(job.id, job);
      await saveJob(job);
      return info(job);
    },
    /** PUT /jobs/ingest/{id}/batches: appends CSV data while the job is Open (kept until the job ends). */
    async upload(id: string, csv: string): Promise<void> {
      const job = getIngest(id);
      if (job.state !== "Open") throw new SfError(409, "INCORRECT_STATE", `Job ${id} is ${job.state}; data can only be uploaded while it is Open`);
      let rows: string[][];
      try {
        rows = parseCsv(csv, DELIMITERS[job.columnDelimiter]);
      } catch (e) {
        throw new SfError(400, "INVALIDJOB", `The CSV data could not be read: ${e instanceof Error ? e.message : String(e)}`);
      }
      const [header, ...body] = rows;
      if (!header) return;
      for (const h of header) {
        if (h.toLowerCase() !== "id" && !job.object.byLowerName.has(h.toLowerCase())) throw new SfError(400, "INVALIDJOB", `Field name not found : ${h}`);
      }
      if (job.header && job.header.join("\u0000").toLowerCase() !== header.join("\u0000").toLowerCase()) throw new SfError(400, "INVALIDJOB", "Every upload to one job must have the same header");
      job.uploadedRows = (job.uploadedRows ?? 0) + body.length;
      job.header = header;
      job.uploads++;
      await data.transaction(async (trx) => {
        await exec(trx, `INSERT INTO crm_bulk_uploads (job_id, seq, csv) VALUES (?, ?, ?)`, [job.id, job.uploads, csv]);
        await saveJob(job, trx);
        return true;
      });
    },
    /** PATCH /jobs/ingest/{id}: UploadComplete starts processing; Aborted stops it. */
    async setState(id: string, state: string): Promise<Record<string, unknown>> {
      const job = getIngest(id);
      if (state === "UploadComplete") {
        if (job.state !== "Open") throw new SfError(409, "INCORRECT_STATE", `Job ${id} is ${job.state}, not Open`);
        job.state = "UploadComplete";
        job.modstamp = stamp();
        await saveJob(job);
        const snapshot = info(job);
        // A job of one chunk is done before this answers, so a client's first poll finds it
        // complete instead of waiting out its polling interval (the Salesforce CLI's is 5 s).
        if ((job.uploadedRows ?? Infinity) <= CHUNK) await run(job);
        else setImmediate(() => void run(job));
        return snapshot;
      }
      if (state === "Aborted") {
        if (job.state === "JobComplete" || job.state === "Failed") throw new SfError(409, "INCORRECT_STATE", `Job ${id} is already ${job.state}`);
        job.state = "Aborted";
        job.finished = clock();
        job.modstamp = stamp();
        await saveJob(job);
        return info(job);
      }
      throw new SfError(400, "INVALIDJOB", `Unknown state ${state}; use UploadComplete or Aborted`);
    },
    ingestInfo: (id: string) => info(getIngest(id)),
    listIngest: () => [...ingest.values()].map(info),
    async deleteIngest(id: string): Promise<void> {
      const job = getIngest(id);
      if (job.state === "InProgress" || job.state === "UploadComplete") throw new SfError(409, "INCORRECT_STATE", "A job in progress cannot be deleted");
      await forget(id);
    },
    /** The three result files as CSV. */
    async results(id: string, kind: "successfulResults" | "failedResults" | "unprocessedrecords"): Promise<string> {
      const job = getIngest(id);
      const d = DELIMITERS[job.columnDelimiter] as string;
      const eol = job.lineEnding === "CRLF" ? "\r\n" : "\n";
      const header = job.header ?? [];
      if (kind === "unprocessedrecords") {
        const left = job.state === "Aborted" || job.state === "Failed" ? (await uploadedRows(job)).slice(job.processed) : [];
        return toCsv([header, ...left], d, eol);
      }
      const column = kind === "successfulResults" ? "success" : "failures";
      const rows: string[][] = [kind === "successfulResults" ? ["sf__Id", "sf__Created", ...header] : ["sf__Id", "sf__Error", ...header]];
      for (const r of await all(data.db, `SELECT ${column} AS list FROM crm_bulk_results WHERE job_id = ? ORDER BY first_row`, [job.id])) {
        for (const row of JSON.parse(String(r["list"])) as string[][]) rows.push(row);
      }
      return toCsv(rows, d, eol);
    },
    /** POST /jobs/query: runs the query at once and keeps its rows for the results pages. */
    async createQuery(body: { query: string; operation?: string; lineEnding?: "LF" | "CRLF"; columnDelimiter?: string }, userId: string, version: string): Promise<Record<string, unknown>> {
      const operation = body.operation ?? "query";
      if (operation !== "query" && operation !== "queryAll") throw new SfError(400, "INVALIDJOB", "operation must be query or queryAll");
      const delimiter = body.columnDelimiter ?? "COMMA";
      if (!DELIMITERS[delimiter]) throw new SfError(400, "INVALIDJOB", `Unknown columnDelimiter ${delimiter}`);
      const { plan, records } = await queries.everything(body.query, operation === "queryAll", version);
      const header = plan.columns.map((c) => c.alias);
      const rows = records.map((r) =>
        plan.columns.map((c) => {
          const holder = c.relationship ? (r[c.relationship.name] as Record<string, unknown> | null) : r;
          const v = holder ? holder[c.field.name] : null;
          return v === null || v === undefined ? "" : toCsvText(c.field, c.field.type === "datetime" ? String(v).replace("+0000", "Z") : c.field.type === "boolean" ? (v ? 1 : 0) : v);
        }),
      );
      const job: QueryJob = { id: nextJobId(), query: body.query, operation, createdById: userId, createdDate: stamp(), apiVersion: version, state: "JobComplete", lineEnding: body.lineEnding ?? "LF", columnDelimiter: delimiter, header, rows };
      queryJobs.set(job.id, job);
      return { ...this.queryInfo(job.id), state: "UploadComplete" };
    },
    queryInfo(id: string): Record<string, unknown> {
      const job = queryJobs.get(id);
      if (!job) throw new SfError(404, "NOT_FOUND", "The requested resource does not exist");
      return {
        id: job.id,
        operation: job.operation,
        object: "",
        createdById: job.createdById,
        createdDate: job.createdDate,
        systemModstamp: job.createdDate,
        state: job.state,
        concurrencyMode: "Parallel",
        contentType: "CSV",
        apiVersion: Number(job.apiVersion),
        jobType: "V2Query",
        lineEnding: job.lineEnding,
        columnDelimiter: job.columnDelimiter,
        numberRecordsProcessed: job.rows.length,
        retries: 0,
        totalProcessingTime: 0,
      };
    },
    /** One page of a query job's results and the locator of the next (or "null"). */
    queryResults(id: string, locator: string | undefined, maxRecords: number | undefined): { csv: string; next: string; count: number } {
      const job = queryJobs.get(id);
      if (!job) throw new SfError(404, "NOT_FOUND", "The requested resource does not exist");
      const from = locator ? Number.parseInt(locator, 36) : 0;
      if (!Number.isFinite(from) || from < 0) throw new SfError(400, "INVALID_LOCATOR", `invalid locator ${locator}`);
      const size = Math.max(1, Math.min(maxRecords ?? 10_000, 100_000));
      const page = job.rows.slice(from, from + size);
      const next = from + size < job.rows.length ? (from + size).toString(36) : "null";
      const d = DELIMITERS[job.columnDelimiter] as string;
      return { csv: toCsv([job.header, ...page], d, job.lineEnding === "CRLF" ? "\r\n" : "\n"), next, count: page.length };
    },
    deleteQuery(id: string): void {
      if (!queryJobs.delete(id)) throw new SfError(404, "NOT_FOUND", "The requested resource does not exist");
    },
  };
}
