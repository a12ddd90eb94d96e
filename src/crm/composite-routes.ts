import { Type } from "@sinclair/typebox";
import type { HttpApp } from "../kernel/index.js";
import { Rollback } from "./data.js";
import { SfError } from "./errors.js";
import type { OpContext, OpReply } from "./ops.js";
import { list, opContext, send } from "./request-context.js";
import type { CrmServices } from "./services.js";
import type { Db } from "./sql.js";
import { createTrees } from "./tree.js";
import { parseVersion } from "./versions.js";

const CollectionBody = Type.Object({ allOrNone: Type.Optional(Type.Boolean()), records: Type.Array(Type.Record(Type.String(), Type.Unknown())) }, { additionalProperties: true });
const RetrieveBody = Type.Object({ ids: Type.Array(Type.String()), fields: Type.Array(Type.String()) });
const TypeParams = Type.Object({ version: Type.String(), sobject: Type.String({ pattern: "^[A-Za-z][A-Za-z0-9_]*$" }) });
const UpsertParams = Type.Object({ version: Type.String(), sobject: Type.String({ pattern: "^[A-Za-z][A-Za-z0-9_]*$" }), field: Type.String() });
const IdsQuery = Type.Object({ ids: Type.Optional(Type.String()), fields: Type.Optional(Type.String()), allOrNone: Type.Optional(Type.String()) });
const Subrequest = Type.Object({ method: Type.String(), url: Type.String(), referenceId: Type.String({ pattern: "^[A-Za-z0-9_]+$" }), body: Type.Optional(Type.Unknown()) }, { additionalProperties: true });
const CompositeBody = Type.Object({ allOrNone: Type.Optional(Type.Boolean()), collateSubrequests: Type.Optional(Type.Boolean()), compositeRequest: Type.Array(Subrequest, { maxItems: 25 }) });
const BatchBody = Type.Object({ haltOnError: Type.Optional(Type.Boolean()), batchRequests: Type.Array(Type.Object({ method: Type.String(), url: Type.String(), richInput: Type.Optional(Type.Unknown()) }, { additionalProperties: true }), { maxItems: 25 }) });

/** `/composite/sobjects` (Collections), `/composite` with references, `/composite/batch` and `/composite/tree`. */
export function registerCompositeRoutes(api: HttpApp, svc: CrmServices): void {
  api.post("/data/:version/composite/sobjects", { schema: { body: CollectionBody } }, async (request, reply) => send(reply, await svc.ops.createMany(opContext(request), request.body)));
  api.patch("/data/:version/composite/sobjects", { schema: { body: CollectionBody } }, async (request, reply) => send(reply, await svc.ops.updateMany(opContext(request), request.body)));
  api.delete("/data/:version/composite/sobjects", { schema: { querystring: IdsQuery } }, async (request, reply) =>
    send(reply, await svc.ops.removeMany(opContext(request), list(request.query.ids), request.query.allOrNone === "true")),
  );
  api.patch("/data/:version/composite/sobjects/:sobject/:field", { schema: { params: UpsertParams, body: CollectionBody } }, async (request, reply) =>
    send(reply, await svc.ops.upsertMany(opContext(request), request.params.sobject, request.params.field, request.body)),
  );
  api.post("/data/:version/composite/sobjects/:sobject", { schema: { params: TypeParams, body: RetrieveBody } }, async (request, reply) =>
    send(reply, await svc.ops.retrieveMany(opContext(request), request.params.sobject, request.body.ids, request.body.fields)),
  );
  api.post("/data/:version/composite/tree/:sobject", { schema: { params: TypeParams } }, async (request, reply) =>
    send(reply, await createTrees(svc.data, opContext(request), request.params.sobject, request.body)),
  );
  api.get("/data/:version/composite/sobjects/:sobject", { schema: { params: TypeParams, querystring: IdsQuery } }, async (request, reply) =>
    send(reply, await svc.ops.retrieveMany(opContext(request), request.params.sobject, list(request.query.ids), list(request.query.fields))),
  );

  api.post("/data/:version/composite", { schema: { body: CompositeBody } }, async (request) => {
    const ctx = opContext(request);
    const subs = request.body.compositeRequest;
    const refs = new Map<string, unknown>();
    const out: Array<{ body: unknown; httpHeaders: Record<string, string>; httpStatusCode: number; referenceId: string }> = [];
    const allOrNone = request.body.allOrNone === true;
    const runAll = async (db: Db): Promise<void> => {
      let halted = false;
      for (const sub of subs) {
        if (halted) {
          out.push({ body: [{ errorCode: "PROCESSING_HALTED", message: "The transaction was rolled back since another operation in the same transaction failed." }], httpHeaders: {}, httpStatusCode: 400, referenceId: sub.referenceId });
          continue;
        }
        let r: OpReply;
        try {
          const url = resolveRefs(sub.url, refs, true) as string;
          r = await dispatch(svc, db, ctx, sub.method.toUpperCase(), url, resolveRefs(sub.body, refs, false));
        } catch (e) {
          if (!(e instanceof SfError)) throw e;
          r = { status: e.status, body: e.toBody() };
        }
        out.push({ body: r.body ?? null, httpHeaders: r.headers ? { Location: r.headers["location"] ?? "" } : {}, httpStatusCode: r.status, referenceId: sub.referenceId });
        if (r.status < 300) refs.set(sub.referenceId, r.body);
        else if (allOrNone) halted = true;
      }
      if (halted) throw new Rollback();
    };
    if (allOrNone) {
      const ok = await svc.data.transaction(async (trx) => {
        await runAll(trx);
        return true;
      });
      if (!ok) {
        // Everything before the failure was undone; say so for each succeeded subrequest.
        for (const r of out) if (r.httpStatusCode < 300) Object.assign(r, { httpStatusCode: 400, httpHeaders: {}, body: [{ errorCode: "PROCESSING_HALTED", message: "The transaction was rolled back since another operation in the same transaction failed." }] });
      }
    } else {
      await runAll(svc.data.db);
    }
    return { compositeResponse: out };
  });

  api.post("/data/:version/composite/batch", { schema: { body: BatchBody } }, async (request) => {
    const ctx = opContext(request);
    const results: Array<{ statusCode: number; result: unknown }> = [];
    let hasErrors = false;
    for (const sub of request.body.batchRequests) {
      if (hasErrors && request.body.haltOnError) {
        results.push({ statusCode: 412, result: [{ errorCode: "BATCH_PROCESSING_HALTED", message: "Batch processing halted per request" }] });
        continue;
      }
      try {
        const r = await dispatch(svc, svc.data.db, ctx, sub.method.toUpperCase(), sub.url.startsWith("/services") ? sub.url : `/services/data/${sub.url.replace(/^\//, "")}`, sub.richInput);
        results.push({ statusCode: r.status, result: r.body ?? null });
        if (r.status >= 400) hasErrors = true;
      } catch (e) {
        if (!(e instanceof SfError)) throw e;
        hasErrors = true;
        results.push({ statusCode: e.status, result: e.toBody() });
      }
    }
    return { hasErrors, results };
  });
}

/** Replaces `@{ref.field}` (and `@{ref.records[0].Id}`) with values from earlier subrequests. */
function resolveRefs(value: unknown, refs: Map<string, unknown>, inUrl: boolean): unknown {
  if (value === undefined) return undefined;
  const text = typeof value === "string" && inUrl ? value : JSON.stringify(value);
  const replaced = text.replace(/@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])+)\}/g, (_m, ref: string, path: string) => {
    let cur: unknown = refs.get(ref);
    if (cur === undefined) throw new SfError(400, "INVALID_REFERENCE", `Invalid reference specified. No value for ${ref} found.`);
    for (const part of path.match(/\.[A-Za-z0-9_]+|\[\d+\]/g) ?? []) {
      const key = part.startsWith(".") ? part.slice(1) : Number(part.slice(1, -1));
      cur = typeof cur === "object" && cur !== null ? (cur as Record<string | number, unknown>)[key] : undefined;
    }
    if (cur === undefined || cur === null) throw new SfError(400, "INVALID_REFERENCE", `Invalid reference specified: @{${ref}${path}}`);
    return inUrl ? encodeURIComponent(String(cur)) : JSON.stringify(String(cur)).slice(1, -1);
  });
  return typeof value === "string" && inUrl ? replaced : (JSON.parse(replaced) as unknown);
}

/** Routes one composite subrequest to the same operations the REST routes use. */
async function dispatch(svc: CrmServices, db: Db, ctx: OpContext, method: string, url: string, body: unknown): Promise<OpReply> {
  const parsed = new URL(url, "http://composite.local");
  const parts = parsed.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] !== "services" || parts[1] !== "data" || !parts[2] || !parseVersion(parts[2])) throw new SfError(404, "NOT_FOUND", `The requested resource does not exist: ${url}`);
  const sub: OpContext = { ...ctx, version: parseVersion(parts[2]) as string };
  const [, , , resource, type, a, b] = parts;
  if (resource === "sobjects" && type) {
    if (a === undefined && method === "POST") return svc.ops.create(db, sub, type, body);
    if (a !== undefined && b === undefined) {
      if (method === "GET") return svc.ops.retrieve(db, sub, type, a, list(parsed.searchParams.get("fields") ?? undefined));
      if (method === "PATCH") return svc.ops.update(db, sub, type, a, body);
      if (method === "DELETE") return svc.ops.remove(db, sub, type, a);
    }
    if (a !== undefined && b !== undefined && method === "PATCH") return svc.ops.upsert(db, sub, type, a, b, body);
  }
  if ((resource === "query" || resource === "queryAll") && method === "GET") {
    if (type) return svc.ops.queryMore(sub, type);
    return svc.ops.query(sub, parsed.searchParams.get("q") ?? undefined, resource === "queryAll", 2000, db);
  }
  throw new SfError(400, "INVALID_API_INPUT", `${method} ${parsed.pathname} is not supported inside a composite request`);
}
