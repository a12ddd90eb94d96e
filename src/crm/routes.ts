import querystring from "node:querystring";
import type { FastifyReply, FastifyRequest } from "fastify";
import { Type } from "@sinclair/typebox";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { HttpApp } from "../kernel/index.js";
import { MAX_JSON_DEPTH, tooDeep } from "../kernel/index.js";
import { SfError, invalidSession } from "./errors.js";
import type { CrmServices } from "./services.js";
import { OAuthError, type Session } from "./oauth.js";
import type { OpContext, OpReply } from "./ops.js";
import { parseVersion, versionList } from "./versions.js";
import { describeObject, globalEntry } from "./describe.js";
import { registerCompositeRoutes } from "./composite-routes.js";
import { registerBulkRoutes } from "./bulk-routes.js";
import { registerToolingRoutes } from "./tooling-routes.js";
import { registerOAuthRoutes } from "./oauth-routes.js";

const sessions = new WeakMap<FastifyRequest, Session>();

/** The caller's session; routes behind the auth hook always have one. */
export function sessionOf(request: FastifyRequest): Session {
  const s = sessions.get(request);
  if (!s) throw invalidSession();
  return s;
}

/** The API version of a `/services/data/vXX.X/...` request. */
export function versionOf(request: FastifyRequest): string {
  const v = parseVersion(String((request.params as Record<string, unknown>)["version"] ?? ""));
  if (!v) throw new SfError(404, "NOT_FOUND", "The requested resource does not exist");
  return v;
}

/** Session and version together, as operations take them. */
export function opContext(request: FastifyRequest): OpContext {
  return { userId: sessionOf(request).userId, version: versionOf(request) };
}

/** Sends an operation's answer. */
export function send(reply: FastifyReply, r: OpReply): FastifyReply {
  if (r.headers) for (const [k, v] of Object.entries(r.headers)) reply.header(k, v);
  reply.status(r.status);
  return r.body === undefined ? reply.send() : reply.send(r.body);
}

function bearer(request: FastifyRequest): string | undefined {
  const h = request.headers.authorization;
  if (h && /^(Bearer|OAuth)\s+/i.test(h)) return h.replace(/^(Bearer|OAuth)\s+/i, "").trim();
  const q = (request.query as Record<string, unknown> | undefined)?.["oauth_token"];
  return typeof q === "string" ? q : undefined;
}

const BATCH_SIZE = /batchSize\s*=\s*(\d+)/i;

/** The batch size a client asked for with `Sforce-Query-Options: batchSize=N` (200–2000, default 2000). */
function batchSizeOf(request: FastifyRequest): number {
  const raw = request.headers["sforce-query-options"];
  const m = typeof raw === "string" ? BATCH_SIZE.exec(raw) : null;
  return m ? Math.min(2000, Math.max(200, Number(m[1]))) : 2000;
}

const SoqlQuery = Type.Object({ q: Type.Optional(Type.String()) }, { additionalProperties: true });
const RecordBody = Type.Record(Type.String(), Type.Unknown());
const TypeParams = Type.Object({ version: Type.String(), sobject: Type.String({ pattern: "^[A-Za-z][A-Za-z0-9_]*$" }) });
const RecordParams = Type.Object({ version: Type.String(), sobject: Type.String({ pattern: "^[A-Za-z][A-Za-z0-9_]*$" }), id: Type.String() });
const UpsertParams = Type.Object({ version: Type.String(), sobject: Type.String({ pattern: "^[A-Za-z][A-Za-z0-9_]*$" }), field: Type.String(), value: Type.String() });
const FieldsQuery = Type.Object({ fields: Type.Optional(Type.String()) }, { additionalProperties: true });

/** Registers `/services/*` and `/id/*` in their own scope: Salesforce's error shape, parsers, auth, limits and faults. */
export async function registerCrmRoutes(app: HttpApp, svc: CrmServices): Promise<void> {
  await app.register(
    async (plain) => {
      const scope: HttpApp = plain.withTypeProvider<TypeBoxTypeProvider>();
      setupScope(scope, svc);
      registerOAuthRoutes(scope, svc);
      scope.get("/data", async () => versionList());
      scope.get("/data/", async () => versionList());
      await scope.register(async (plainApi) => {
        const api: HttpApp = plainApi.withTypeProvider<TypeBoxTypeProvider>();
        api.addHook("onRequest", authenticate(svc));
        registerDataRoutes(api, svc);
        registerCompositeRoutes(api, svc);
        registerBulkRoutes(api, svc);
        registerToolingRoutes(api, svc);
        api.get("/oauth2/userinfo", async (request) => svc.oauth.identity(sessionOf(request).userId, svc.baseUrl(request), "62.0"));
      });
    },
    { prefix: "/services" },
  );
  await app.register(
    async (plain) => {
      const scope: HttpApp = plain.withTypeProvider<TypeBoxTypeProvider>();
      setupScope(scope, svc);
      scope.addHook("onRequest", authenticate(svc));
      scope.get("/:org/:user", async (request, reply) => {
        const { org, user } = request.params as { org: string; user: string };
        const s = sessionOf(request);
        if (org !== s.orgId || user !== s.userId) return reply.status(403).send([{ message: "You may only read your own identity", errorCode: "INSUFFICIENT_ACCESS" }]);
        return svc.oauth.identity(s.userId, svc.baseUrl(request), "62.0");
      });
    },
    { prefix: "/id" },
  );
}

function authenticate(svc: CrmServices) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const token = bearer(request);
    const session = token ? await svc.oauth.verify(token) : undefined;
    if (!session) {
      await reply.status(401).send(invalidSession().toBody());
      return;
    }
    if (request.url.startsWith("/services/data/") && !svc.limits.take()) {
      await reply.status(403).send([{ message: "TotalRequests Limit exceeded.", errorCode: "REQUEST_LIMIT_EXCEEDED" }]);
      return;
    }
    sessions.set(request, session);
    await svc.data.refreshIfChanged();
  };
}

/** Salesforce's error shape, body parsers, fault injection and the limit header for one scope. */
function setupScope(scope: HttpApp, svc: CrmServices): void {
  {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("application/json", { parseAs: "string" }, (_req, body, done) => {
      const text = String(body);
      if (text.trim() === "") return done(null, undefined);
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        return done(new SfError(400, "JSON_PARSER_ERROR", `Unexpected character in JSON body: ${e instanceof Error ? e.message : String(e)}`), undefined);
      }
      // Checked before anything recurses over the body (validation, Composite, JSON.stringify).
      const deep = typeof parsed === "object" && parsed !== null ? tooDeep(parsed) : undefined;
      if (deep !== undefined) return done(new SfError(400, "JSON_PARSER_ERROR", `The JSON body nests more than ${MAX_JSON_DEPTH} levels deep at ${deep}`), undefined);
      done(null, parsed);
    });
    scope.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_req, body, done) => done(null, querystring.parse(String(body))));
    scope.addContentTypeParser("text/csv", { parseAs: "string", bodyLimit: svc.options.bulkUploadLimitBytes }, (_req, body, done) => done(null, String(body)));
    scope.addContentTypeParser("*", { parseAs: "string" }, (_req, body, done) => done(null, String(body)));

    scope.setErrorHandler((err, request, reply) => {
      if (err instanceof SfError) return reply.status(err.status).send(err.toBody());
      if (err instanceof OAuthError) {
        if (err.headers) reply.headers(err.headers);
        return reply.status(err.status).send({ error: err.error, error_description: err.description });
      }
      const fe = err as { statusCode?: number; code?: string; validation?: Array<{ instancePath?: string; message?: string }>; message: string };
      if (fe.validation) {
        const first = fe.validation[0];
        return reply.status(400).send([{ message: `${first?.instancePath || "request"} ${first?.message ?? "is invalid"}`, errorCode: "JSON_PARSER_ERROR" }]);
      }
      if (fe.code === "FST_ERR_CTP_BODY_TOO_LARGE") return reply.status(413).send([{ message: "The request body is too large", errorCode: "REQUEST_TOO_LARGE" }]);
      if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) return reply.status(fe.statusCode).send([{ message: fe.message, errorCode: "INVALID_REQUEST" }]);
      request.log.error({ err }, "crm: unhandled error");
      return reply.status(500).send([{ message: "An unexpected error occurred. Please include this ErrorId if you contact support: pendulum-crm", errorCode: "UNKNOWN_EXCEPTION" }]);
    });
    scope.setNotFoundHandler((_request, reply) => reply.status(404).send([{ errorCode: "NOT_FOUND", message: "The requested resource does not exist" }]));

    // Faults first (they stand in for a sick server), then the API budget, then the session.
    scope.addHook("onRequest", async (request, reply) => {
      const fault = svc.faults.next();
      if (!fault) return;
      if (fault === "stall") {
        await new Promise((r) => setTimeout(r, svc.faults.settings().stallMs));
        return;
      }
      if (fault === "REQUEST_LIMIT_EXCEEDED") return reply.status(403).send([{ message: "TotalRequests Limit exceeded.", errorCode: "REQUEST_LIMIT_EXCEEDED" }]);
      return reply.status(Number(fault)).send([{ message: fault === "503" ? "Server temporarily unavailable" : "An unexpected error occurred (injected fault)", errorCode: fault === "503" ? "SERVER_UNAVAILABLE" : "UNKNOWN_EXCEPTION" }]);
    });

    scope.addHook("onSend", async (request, reply, payload) => {
      if (request.url.startsWith("/services/data/v")) {
        const u = svc.limits.usage();
        reply.header("Sforce-Limit-Info", `api-usage=${u.used}/${u.max}`);
      }
      return payload;
    });

  }
}

function registerDataRoutes(api: HttpApp, svc: CrmServices): void {
  {
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
        const u = svc.limits.usage();
        return {
          DailyApiRequests: { Max: u.max, Remaining: Math.max(0, u.max - u.used) },
          DailyBulkV2QueryJobs: { Max: 10000, Remaining: 10000 },
          DailyBulkV2QueryFileStorageMB: { Max: 976562, Remaining: 976562 },
          DataStorageMB: { Max: 1024, Remaining: 1024 },
          FileStorageMB: { Max: 1024, Remaining: 1024 },
        };
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
      api.get("/data/:version/sobjects/:sobject/describe", { schema: { params: TypeParams } }, async (request) => describeObject(versionOf(request), svc.data.requireObject(request.params.sobject)));
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
      api.get("/data/:version/query", { schema: { querystring: SoqlQuery } }, async (request, reply) => send(reply, await svc.ops.query(opContext(request), request.query.q, false, batchSizeOf(request))));
      api.get("/data/:version/queryAll", { schema: { querystring: SoqlQuery } }, async (request, reply) => send(reply, await svc.ops.query(opContext(request), request.query.q, true, batchSizeOf(request))));
      api.get("/data/:version/query/:locator", async (request, reply) => send(reply, await svc.ops.queryMore(opContext(request), String((request.params as Record<string, unknown>)["locator"]))));
      api.get("/data/:version/queryAll/:locator", async (request, reply) => send(reply, await svc.ops.queryMore(opContext(request), String((request.params as Record<string, unknown>)["locator"]))));

    }
}
