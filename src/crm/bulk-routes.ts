import { Type } from "@sinclair/typebox";
import type { HttpApp } from "../kernel/index.js";
import { SfError } from "./errors.js";
import { opContext, sessionOf, versionOf } from "./request-context.js";
import type { CrmServices } from "./services.js";

const Operation = Type.Union([Type.Literal("insert"), Type.Literal("update"), Type.Literal("upsert"), Type.Literal("delete"), Type.Literal("hardDelete")]);
const LineEnding = Type.Union([Type.Literal("LF"), Type.Literal("CRLF")]);
const IngestBody = Type.Object(
  { object: Type.String(), operation: Operation, externalIdFieldName: Type.Optional(Type.String()), lineEnding: Type.Optional(LineEnding), columnDelimiter: Type.Optional(Type.String()), contentType: Type.Optional(Type.String()) },
  { additionalProperties: true },
);
const QueryBody = Type.Object({ query: Type.String(), operation: Type.Optional(Type.String()), lineEnding: Type.Optional(LineEnding), columnDelimiter: Type.Optional(Type.String()) }, { additionalProperties: true });
const StateBody = Type.Object({ state: Type.String() }, { additionalProperties: true });
const JobParams = Type.Object({ version: Type.String(), id: Type.String() });
const ResultParams = Type.Object({ version: Type.String(), id: Type.String(), kind: Type.Union([Type.Literal("successfulResults"), Type.Literal("failedResults"), Type.Literal("unprocessedrecords")]) });
const ResultsQuery = Type.Object({ locator: Type.Optional(Type.String()), maxRecords: Type.Optional(Type.String({ pattern: "^\\d+$" })) });

/** Bulk API 2.0: ingest jobs (create, upload CSV, close, poll, results) and query jobs (results with Sforce-Locator). */
export function registerBulkRoutes(api: HttpApp, svc: CrmServices): void {
  api.post("/data/:version/jobs/ingest", { schema: { body: IngestBody } }, async (request) => {
    const ctx = opContext(request);
    return svc.bulk.createIngest(request.body, ctx.userId, ctx.version);
  });
  api.get("/data/:version/jobs/ingest", async (request) => {
    versionOf(request);
    return { done: true, records: svc.bulk.listIngest(), nextRecordsUrl: null };
  });
  api.put("/data/:version/jobs/ingest/:id/batches", { bodyLimit: svc.options.bulkUploadLimitBytes, schema: { params: JobParams } }, async (request, reply) => {
    versionOf(request);
    if (typeof request.body !== "string") throw new SfError(400, "INVALIDJOB", "Upload the data as text/csv");
    await svc.bulk.upload(request.params.id, request.body);
    return reply.status(201).send();
  });
  api.patch("/data/:version/jobs/ingest/:id", { schema: { params: JobParams, body: StateBody } }, async (request) => {
    versionOf(request);
    return svc.bulk.setState(request.params.id, request.body.state);
  });
  api.get("/data/:version/jobs/ingest/:id", { schema: { params: JobParams } }, async (request) => {
    versionOf(request);
    return svc.bulk.ingestInfo(request.params.id);
  });
  api.delete("/data/:version/jobs/ingest/:id", { schema: { params: JobParams } }, async (request, reply) => {
    versionOf(request);
    await svc.bulk.deleteIngest(request.params.id);
    return reply.status(204).send();
  });
  api.get("/data/:version/jobs/ingest/:id/:kind", { schema: { params: ResultParams } }, async (request, reply) => {
    versionOf(request);
    return reply.type("text/csv").send(await svc.bulk.results(request.params.id, request.params.kind));
  });

  api.post("/data/:version/jobs/query", { schema: { body: QueryBody } }, async (request) => svc.bulk.createQuery(request.body, sessionOf(request).userId, versionOf(request)));
  api.get("/data/:version/jobs/query/:id", { schema: { params: JobParams } }, async (request) => {
    versionOf(request);
    return svc.bulk.queryInfo(request.params.id);
  });
  api.delete("/data/:version/jobs/query/:id", { schema: { params: JobParams } }, async (request, reply) => {
    versionOf(request);
    svc.bulk.deleteQuery(request.params.id);
    return reply.status(204).send();
  });
  api.get("/data/:version/jobs/query/:id/results", { schema: { params: JobParams, querystring: ResultsQuery } }, async (request, reply) => {
    versionOf(request);
    const page = svc.bulk.queryResults(request.params.id, request.query.locator, request.query.maxRecords ? Number(request.query.maxRecords) : undefined);
    return reply.header("Sforce-Locator", page.next).header("Sforce-NumberOfRecords", String(page.count)).type("text/csv").send(page.csv);
  });
}
