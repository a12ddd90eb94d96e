import type { CrmData, ManyItem, ManyMode, ManyOutcome, SaveResult } from "./data.js";
import type { ObjectDef } from "./metadata.js";
import { failedResult, Rollback } from "./data.js";
import { SfError } from "./errors.js";
import type { QueryEngine } from "./query.js";
import type { Db } from "./sql.js";
import { recordUrl } from "./values.js";

/** An operation's answer before it becomes an HTTP reply (also used inside /composite). */
export type OpReply = { status: number; body: unknown; headers?: Record<string, string> };

/** Who is calling and in which API version. */
export type OpContext = { userId: string; version: string };

const MAX_COLLECTION = 200;

function asRecord(body: unknown): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new SfError(400, "JSON_PARSER_ERROR", "The request body must be a JSON object");
  return body as Record<string, unknown>;
}

function rolledBack(): SaveResult {
  return { id: null, success: false, errors: [{ statusCode: "ALL_OR_NONE_OPERATION_ROLLED_BACK", message: "Record rolled back because not all records were valid and the request was using AllOrNone header", fields: [] }] };
}

/** The sObject REST operations, written once for the routes and for /composite. */
export type CrmOps = ReturnType<typeof createOps>;

/** Builds the operations over the data layer and query engine. */
export function createOps(data: CrmData, queries: QueryEngine) {
  async function create(db: Db, ctx: OpContext, type: string, body: unknown): Promise<OpReply> {
    const obj = data.requireObject(type);
    const id = await data.insert(db, obj, data.prepare(obj, asRecord(body), "insert"), ctx.userId);
    return { status: 201, body: { id, success: true, errors: [] }, headers: { location: recordUrl(ctx.version, obj, id) } };
  }

  async function retrieve(db: Db, ctx: OpContext, type: string, id: string, fields?: string[]): Promise<OpReply> {
    const obj = data.requireObject(type);
    const rec = await data.retrieve(db, obj, id, fields && fields.length > 0 ? fields : undefined);
    if (!rec) throw new SfError(404, "NOT_FOUND", "The requested resource does not exist");
    return { status: 200, body: { attributes: { type: obj.name, url: recordUrl(ctx.version, obj, String(rec["Id"] ?? id)) }, ...rec } };
  }

  async function update(db: Db, ctx: OpContext, type: string, id: string, body: unknown): Promise<OpReply> {
    const obj = data.requireObject(type);
    await data.update(db, obj, id, data.prepare(obj, asRecord(body), "update"), ctx.userId);
    return { status: 204, body: undefined };
  }

  async function remove(db: Db, _ctx: OpContext, type: string, id: string): Promise<OpReply> {
    const obj = data.requireObject(type);
    await data.remove(db, obj, id);
    return { status: 204, body: undefined };
  }

  async function upsert(db: Db, ctx: OpContext, type: string, fieldName: string, value: string, body: unknown): Promise<OpReply> {
    const obj = data.requireObject(type);
    const f = data.externalField(obj, fieldName);
    const rec = asRecord(body);
    const cells = data.prepare(obj, Object.fromEntries(Object.entries(rec).filter(([k]) => k.toLowerCase() !== f.name.toLowerCase())), "upsert");
    const res = await data.upsert(db, obj, f, value, cells, ctx.userId);
    if (res.created) return { status: 201, body: { id: res.id, success: true, errors: [], created: true }, headers: { location: recordUrl(ctx.version, obj, res.id) } };
    // From v46.0 an update by external id answers 200 with a body; earlier versions answer 204.
    return Number(ctx.version) >= 46 ? { status: 200, body: { id: res.id, success: true, errors: [], created: false } } : { status: 204, body: undefined };
  }

  /** Runs per-record work for a collection in one transaction; allOrNone undoes everything on the first failure. */
  async function collection<T>(items: T[], allOrNone: boolean, work: (db: Db, item: T) => Promise<SaveResult>): Promise<SaveResult[]> {
    if (items.length > MAX_COLLECTION) throw new SfError(400, "EXCEEDED_ID_LIMIT", `record limit reached. cannot submit more than ${MAX_COLLECTION} records into this call`);
    let results: SaveResult[] = [];
    const committed = await data.transaction(async (trx) => {
      results = [];
      for (const item of items) {
        try {
          results.push(await work(trx, item));
        } catch (e) {
          results.push(failedResult(e));
        }
      }
      if (allOrNone && results.some((r) => !r.success)) throw new Rollback();
      return true;
    });
    if (!committed) return results.map((r) => (r.success ? rolledBack() : { ...r, id: null }));
    return results;
  }

  /**
   * Collections that write records: every record is validated first (pure checks), then each
   * object's records go to the database through data.writeMany in one transaction — with the
   * results, record by record, of writing them one at a time in order. A call that writes one
   * statement and undoes nothing (not allOrNone) sends it without BEGIN and COMMIT on
   * PostgreSQL: one statement is atomic by itself, and the two round trips were a tenth of a
   * 200-record update's time.
   */
  async function writeCollection(
    count: number,
    allOrNone: boolean,
    userId: string,
    mode: ManyMode,
    plan: (i: number) => { obj: ObjectDef; item: ManyItem },
    result: (i: number, outcome: ManyOutcome) => SaveResult,
  ): Promise<SaveResult[]> {
    if (count > MAX_COLLECTION) throw new SfError(400, "EXCEEDED_ID_LIMIT", `record limit reached. cannot submit more than ${MAX_COLLECTION} records into this call`);
    const planned = new Array<SaveResult>(count);
    const groups = new Map<ObjectDef, { items: ManyItem[]; slots: number[] }>();
    for (let i = 0; i < count; i++) {
      try {
        const { obj, item } = plan(i);
        const g = groups.get(obj) ?? { items: [], slots: [] };
        g.items.push(item);
        g.slots.push(i);
        groups.set(obj, g);
      } catch (e) {
        planned[i] = result(i, { ok: false, error: e });
      }
    }
    let results: SaveResult[] = [];
    const writeAll = async (db: Db): Promise<void> => {
      results = [...planned];
      // Objects live in separate tables with no cross-object effects, so writing them object by object is the same as in order.
      for (const [obj, g] of groups) {
        const outcomes = await data.writeMany(db, obj, mode, g.items, userId);
        outcomes.forEach((o, k) => (results[g.slots[k] as number] = result(g.slots[k] as number, o)));
      }
    };
    const only = groups.size === 1 ? [...groups][0] : undefined;
    if (!allOrNone && only && data.writesInOneStatement(only[0], mode, only[1].items)) {
      await writeAll(data.db);
      return results;
    }
    const committed = await data.transaction(async (trx) => {
      await writeAll(trx);
      if (allOrNone && results.some((r) => !r.success)) throw new Rollback();
      return true;
    });
    if (!committed) return results.map((r) => (r.success ? rolledBack() : { ...r, id: null }));
    return results;
  }

  function recordsOf(body: unknown): { allOrNone: boolean; records: Array<Record<string, unknown>> } {
    const b = asRecord(body);
    if (!Array.isArray(b["records"])) throw new SfError(400, "JSON_PARSER_ERROR", "Collections need a records array");
    return { allOrNone: b["allOrNone"] === true, records: (b["records"] as unknown[]).map(asRecord) };
  }

  function typeOf(rec: Record<string, unknown>): string {
    const attrs = rec["attributes"] as { type?: unknown } | undefined;
    if (!attrs || typeof attrs.type !== "string") throw new SfError(400, "INVALID_TYPE", "Each record needs attributes.type");
    return attrs.type;
  }

  return {
    create,
    retrieve,
    update,
    remove,
    upsert,
    /** `/query` and `/queryAll`. */
    async query(ctx: OpContext, soql: string | undefined, includeDeleted: boolean, batchSize: number, db?: Db): Promise<OpReply> {
      if (!soql) throw new SfError(400, "MALFORMED_QUERY", "A query needs the q parameter");
      return { status: 200, body: await queries.run(soql, { version: ctx.version, batchSize, includeDeleted, db }) };
    },
    /** `/query?q=…&columns=true`: what the statement's columns are, not its rows. */
    columns(soql: string | undefined, includeDeleted: boolean): OpReply {
      if (!soql) throw new SfError(400, "MALFORMED_QUERY", "A query needs the q parameter");
      return { status: 200, body: queries.columns(soql, includeDeleted) };
    },
    async queryMore(ctx: OpContext, locator: string): Promise<OpReply> {
      return { status: 200, body: await queries.more(locator, ctx.version) };
    },
    /** POST /composite/sobjects. */
    async createMany(ctx: OpContext, body: unknown): Promise<OpReply> {
      const { allOrNone, records } = recordsOf(body);
      const results = await writeCollection(
        records.length,
        allOrNone,
        ctx.userId,
        { kind: "insert" },
        (i) => {
          const rec = records[i] as Record<string, unknown>;
          if (rec["Id"] !== undefined || rec["id"] !== undefined) throw new SfError(400, "INVALID_FIELD", "cannot specify Id in an insert call", ["Id"]);
          const obj = data.requireObject(typeOf(rec), 400);
          return { obj, item: { cells: data.prepare(obj, rec, "insert") } };
        },
        (_i, o) => (o.ok ? { id: o.id, success: true, errors: [] } : failedResult(o.error)),
      );
      return { status: 200, body: results };
    },
    /** PATCH /composite/sobjects. */
    async updateMany(ctx: OpContext, body: unknown): Promise<OpReply> {
      const { allOrNone, records } = recordsOf(body);
      const idOf = (rec: Record<string, unknown>): string | undefined => (typeof rec["Id"] === "string" ? rec["Id"] : typeof rec["id"] === "string" ? rec["id"] : undefined);
      const results = await writeCollection(
        records.length,
        allOrNone,
        ctx.userId,
        { kind: "update" },
        (i) => {
          const rec = records[i] as Record<string, unknown>;
          const { id: _lower, Id: _upper, ...rest } = rec;
          const id = idOf(rec);
          if (!id) throw new SfError(400, "MISSING_ARGUMENT", "Id not specified in an update call", ["Id"]);
          const obj = data.requireObject(typeOf(rec), 400);
          return { obj, item: { cells: data.prepare(obj, rest, "update"), rawId: id } };
        },
        (i, o) => {
          if (o.ok) return { id: o.id, success: true, errors: [] };
          // A missing Id is reported without one; every other failure names the Id the record gave.
          const id = idOf(records[i] as Record<string, unknown>);
          return id ? failedResult(o.error, id) : failedResult(o.error);
        },
      );
      return { status: 200, body: results };
    },
    /** PATCH /composite/sobjects/{type}/{externalIdField}. */
    async upsertMany(ctx: OpContext, type: string, fieldName: string, body: unknown): Promise<OpReply> {
      const obj = data.requireObject(type);
      const f = data.externalField(obj, fieldName);
      const { allOrNone, records } = recordsOf(body);
      const results = await writeCollection(
        records.length,
        allOrNone,
        ctx.userId,
        { kind: "upsert", field: f },
        (i) => {
          const rec = records[i] as Record<string, unknown>;
          const key = Object.keys(rec).find((k) => k.toLowerCase() === f.name.toLowerCase());
          const value = key ? rec[key] : undefined;
          const rest = Object.fromEntries(Object.entries(rec).filter(([k]) => k !== key));
          return { obj, item: { cells: data.prepare(obj, rest, "upsert"), rawValue: value } };
        },
        (_i, o) => (o.ok ? { id: o.id, success: true, errors: [], created: o.created } : failedResult(o.error)),
      );
      return { status: 200, body: results };
    },
    /** GET or POST /composite/sobjects/{type} with ids and fields. */
    async retrieveMany(ctx: OpContext, type: string, ids: string[], fields: string[]): Promise<OpReply> {
      if (ids.length > 2000) throw new SfError(400, "EXCEEDED_ID_LIMIT", "too many ids: at most 2000 per call");
      const obj = data.requireObject(type);
      const names = fields.length > 0 ? fields : obj.fields.map((f) => f.name);
      const out = [];
      for (const id of ids) {
        const rec = await data.retrieve(data.db, obj, id, names);
        out.push(rec ? { attributes: { type: obj.name, url: recordUrl(ctx.version, obj, String(rec["Id"] ?? id)) }, ...rec } : null);
      }
      return { status: 200, body: out };
    },
    /** DELETE /composite/sobjects?ids=…&allOrNone=…. */
    async removeMany(_ctx: OpContext, ids: string[], allOrNone: boolean): Promise<OpReply> {
      const results = await collection(ids, allOrNone, async (db, id) => {
        try {
          const obj = data.objects().find((o) => o.keyPrefix === id.slice(0, 3));
          if (!obj) throw new SfError(404, "MALFORMED_ID", `malformed id ${id}`);
          return { id: await data.remove(db, obj, id), success: true, errors: [] };
        } catch (e) {
          return failedResult(e, id);
        }
      });
      return { status: 200, body: results };
    },
  };
}
