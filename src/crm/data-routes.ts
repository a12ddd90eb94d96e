import type { FastifyRequest } from "fastify";
import { Type } from "@sinclair/typebox";
import type { HttpApp } from "../kernel/index.js";
import { SfError } from "./errors.js";
import type { CrmServices } from "./services.js";
import { list, opContext, send, sessionOf, versionOf } from "./request-context.js";
import { describeObject, globalEntry } from "./describe.js";
import { childRelationshipsOf } from "./metadata.js";

const BATCH_SIZE = /batchSize\s*=\s*(\d+)/i;

/** The batch size a client asked for with `Sforce-Query-Options: batchSize=N` (200–2000, default 2000). */
function batchSizeOf(request: FastifyRequest): number {
  const raw = request.headers["sforce-query-options"];
  const m = typeof raw === "string" ? BATCH_SIZE.exec(raw) : null;
  return m ? Math.min(2000, Math.max(200, Number(m[1]))) : 2000;
}

const SoqlQuery = Type.Object({ q: Type.Optional(Type.String()), columns: Type.Optional(Type.String()) }, { additionalProperties: true });
const RecordBody = Type.Record(Type.String(), Type.Unknown());
const TypeParams = Type.Object({ version: Type.String(), sobject: Type.String({ pattern: "^[A-Za-z][A-Za-z0-9_]*$" }) });
const RecordParams = Type.Object({ version: Type.String(), sobject: Type.String({ pattern: "^[A-Za-z][A-Za-z0-9_]*$" }), id: Type.String() });
const UpsertParams = Type.Object({ version: Type.String(), sobject: Type.String({ pattern: "^[A-Za-z][A-Za-z0-9_]*$" }), field: Type.String(), value: Type.String() });
const RecordCountQuery = Type.Object({ sObjects: Type.Optional(Type.String()) }, { additionalProperties: true });
const FieldsQuery = Type.Object({ fields: Type.Optional(Type.String()) }, { additionalProperties: true });

/** The REST API proper: version resources, limits, describe, sObject CRUD and external-id upsert, SOQL. */
export function registerDataRoutes(api: HttpApp, svc: CrmServices): void {
  api.get("/data/:version", async (request) => {
    const v = `/services/data/v${versionOf(request)}`;
    return {
      tooling: `${v}/tooling`,
      query: `${v}/query`,
      queryAll: `${v}/queryAll`,
      sobjects: `${v}/sobjects`,
      limits: `${v}/limits`,
      composite: `${v}/composite`,
      jobs: `${v}/jobs`,
      identity: `${svc.baseUrl(request)}/id/${svc.oauth.orgId()}/${sessionOf(request).userId}`,
    };
  });
  api.get("/data/:version/limits", async (request) => {
    versionOf(request);
    const u = await svc.limits.current();
    return {
      DailyApiRequests: { Max: u.max, Remaining: Math.max(0, u.max - u.used) },
      DailyBulkV2QueryJobs: { Max: 10000, Remaining: 10000 },
      DailyBulkV2QueryFileStorageMB: { Max: 976562, Remaining: 976562 },
      DataStorageMB: { Max: 1024, Remaining: 1024 },
      FileStorageMB: { Max: 1024, Remaining: 1024 },
    };
  });
  // Exact counts of live records (Salesforce's are a cached estimate); unknown names are left out, as Salesforce does.
  api.get("/data/:version/limits/recordCount", { schema: { querystring: RecordCountQuery } }, async (request) => {
    versionOf(request);
    const asked = request.query.sObjects === undefined ? undefined : list(request.query.sObjects);
    const objects = asked ? asked.flatMap((name) => svc.data.object(name) ?? []) : svc.data.objects().filter((o) => o.name !== "CustomField");
    const sObjects = [];
    for (const obj of new Set(objects)) sObjects.push({ count: await svc.data.liveCount(obj), name: obj.name });
    return { sObjects };
  });
  api.get("/data/:version/sobjects", async (request) => {
    const v = versionOf(request);
    return { encoding: "UTF-8", maxBatchSize: 200, sobjects: svc.data.objects().filter((o) => o.name !== "CustomField").map((o) => globalEntry(v, o)) };
  });
  api.get("/data/:version/sobjects/:sobject", { schema: { params: TypeParams } }, async (request) => {
    const v = versionOf(request);
    const obj = svc.data.requireObject(request.params.sobject);
    const recent = await svc.ops.query({ userId: sessionOf(request).userId, version: v }, `SELECT Id, Name FROM ${obj.name} ORDER BY LastModifiedDate DESC LIMIT 10`, false, 200).catch(() => ({ body: { records: [] } }));
    return { objectDescribe: globalEntry(v, obj), recentItems: (recent.body as { records: unknown[] }).records };
  });
  api.get("/data/:version/sobjects/:sobject/describe", { schema: { params: TypeParams } }, async (request) => {
    const obj = svc.data.requireObject(request.params.sobject);
    return describeObject(versionOf(request), obj, childRelationshipsOf(obj, svc.data.objects()));
  });
  api.post("/data/:version/sobjects/:sobject", { schema: { params: TypeParams, body: RecordBody } }, async (request, reply) =>
    send(reply, await svc.ops.create(svc.data.db, opContext(request), request.params.sobject, request.body)),
  );
  api.get("/data/:version/sobjects/:sobject/:id", { schema: { params: RecordParams, querystring: FieldsQuery } }, async (request, reply) =>
    send(reply, await svc.ops.retrieve(svc.data.db, opContext(request), request.params.sobject, request.params.id, request.query.fields?.split(",").filter(Boolean))),
  );
  api.patch("/data/:version/sobjects/:sobject/:id", { schema: { params: RecordParams, body: RecordBody } }, async (request, reply) =>
    send(reply, await svc.ops.update(svc.data.db, opContext(request), request.params.sobject, request.params.id, request.body)),
  );
  api.delete("/data/:version/sobjects/:sobject/:id", { schema: { params: RecordParams } }, async (request, reply) =>
    send(reply, await svc.ops.remove(svc.data.db, opContext(request), request.params.sobject, request.params.id)),
  );
  api.get("/data/:version/sobjects/:sobject/:field/:value", { schema: { params: UpsertParams } }, async (request, reply) => {
    const ctx = opContext(request);
    const obj = svc.data.requireObject(request.params.sobject);
    const f = svc.data.externalField(obj, request.params.field);
    const found = await svc.ops.query(ctx, `SELECT Id FROM ${obj.name} WHERE ${f.name} = '${request.params.value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}' LIMIT 3`, false, 200);
    const recs = (found.body as { records: Array<{ Id: string }> }).records;
    if (recs.length === 0) throw new SfError(404, "NOT_FOUND", "The requested resource does not exist");
    if (recs.length > 1) return reply.status(300).send(recs.map((r) => `/services/data/v${ctx.version}/sobjects/${obj.name}/${r.Id}`));
    return send(reply, await svc.ops.retrieve(svc.data.db, ctx, obj.name, (recs[0] as { Id: string }).Id));
  });
  api.patch("/data/:version/sobjects/:sobject/:field/:value", { schema: { params: UpsertParams, body: RecordBody } }, async (request, reply) => {
    const ctx = opContext(request);
    try {
      return send(reply, await svc.ops.upsert(svc.data.db, ctx, request.params.sobject, request.params.field, request.params.value, request.body));
    } catch (e) {
      if (e instanceof SfError && e.status === 300) {
        const obj = svc.data.requireObject(request.params.sobject);
        const ids = /: (.*)$/.exec(e.message)?.[1]?.split(", ") ?? [];
        return reply.status(300).send(ids.map((id) => `/services/data/v${ctx.version}/sobjects/${obj.name}/${id}`));
      }
      throw e;
    }
  });
  for (const [path, includeDeleted] of [["query", false], ["queryAll", true]] as const) {
    api.get(`/data/:version/${path}`, { schema: { querystring: SoqlQuery } }, async (request, reply) => {
      const ctx = opContext(request);
      if (request.query.columns === "true") return send(reply, svc.ops.columns(request.query.q, includeDeleted));
      return send(reply, await svc.ops.query(ctx, request.query.q, includeDeleted, batchSizeOf(request)));
    });
  }
  api.get("/data/:version/query/:locator", async (request, reply) => send(reply, await svc.ops.queryMore(opContext(request), String((request.params as Record<string, unknown>)["locator"]))));
  api.get("/data/:version/queryAll/:locator", async (request, reply) => send(reply, await svc.ops.queryMore(opContext(request), String((request.params as Record<string, unknown>)["locator"]))));
}
