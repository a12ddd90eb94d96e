import { Type } from "@sinclair/typebox";
import { ApiError } from "../../kernel/index.js";
import type { HttpApp } from "../../kernel/index.js";
import { QueryInt, queryInt } from "../query.js";
import { FIELD_KEY_PATTERN } from "../customers/customer.js";
import { DATE_PATTERN, dayOf } from "../dates.js";
import { FilterSchema, filterProblem } from "../rules/filter.js";
import { CustomObjectSchema, ObjectFieldSchema } from "./object-definition.js";
import type { Objects } from "./objects.js";
import { ObjectRecordSchema, RecordWriteResult } from "../responses.js";
import { NoContent } from "../../kernel/index.js";

const NameParams = Type.Object({ name: Type.String({ pattern: FIELD_KEY_PATTERN }) });
const Value = Type.Union([Type.String({ maxLength: 4096 }), Type.Number(), Type.Boolean(), Type.Null()]);

/** `/success/objects`: custom objects (MDA), their records and queries. */
export function objectRoutes(app: HttpApp, objects: Objects, clock: () => number): void {
  const tags = ["success: custom objects"];
  app.get("/objects", { schema: { tags, response: { 200: Type.Object({ objects: Type.Array(CustomObjectSchema) }) } } }, async () => ({ objects: await objects.list() }));
  app.post("/objects", { schema: { tags, body: CustomObjectSchema, response: { 201: CustomObjectSchema } } }, async (request, reply) => reply.status(201).send(await objects.define(request.body)));
  app.get("/objects/:name", { schema: { tags, params: NameParams, response: { 200: CustomObjectSchema } } }, async (request) => objects.require(request.params.name));
  app.delete("/objects/:name", { schema: { tags, params: NameParams, response: { 204: NoContent } } }, async (request, reply) => {
    if (!(await objects.remove(request.params.name))) throw new ApiError(404, "OBJECT_NOT_FOUND", `No custom object is named ${request.params.name}.`, "name");
    return reply.status(204).send(null);
  });
  app.post("/objects/:name/fields", { schema: { tags, params: NameParams, body: Type.Object({ fields: Type.Array(ObjectFieldSchema, { minItems: 1, maxItems: 200 }) }, { additionalProperties: false }), response: { 200: CustomObjectSchema } } }, async (request) =>
    objects.addFields(request.params.name, request.body.fields),
  );
  app.get(
    "/objects/:name/records",
    { schema: { tags, params: NameParams, querystring: Type.Object({ limit: QueryInt, offset: QueryInt }), response: { 200: Type.Object({ total: Type.Number(), records: Type.Array(ObjectRecordSchema) }) } } },
    async (request) => {
      await objects.require(request.params.name);
      const all = await objects.records(request.params.name);
      const offset = queryInt(request.query.offset, "offset", 0, 0, 1e9);
      return { total: all.length, records: all.slice(offset, offset + queryInt(request.query.limit, "limit", 1000, 1, 10_000)) };
    },
  );
  app.post(
    "/objects/:name/records",
    {
      schema: {
        tags,
        params: NameParams,
        body: Type.Object(
          {
            records: Type.Array(Type.Record(Type.String({ pattern: FIELD_KEY_PATTERN }), Value), { minItems: 1, maxItems: 10_000 }),
            operation: Type.Union([Type.Literal("insert"), Type.Literal("update"), Type.Literal("upsert")], { default: "insert" }),
            identifiers: Type.Array(Type.String({ pattern: FIELD_KEY_PATTERN }), { default: [], maxItems: 10 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: RecordWriteResult },
      },
    },
    async (request) => objects.writeMany(request.params.name, request.body.records, { operation: request.body.operation, identifiers: request.body.identifiers }),
  );
  app.post(
    "/objects/:name/query",
    {
      schema: {
        tags,
        params: NameParams,
        body: Type.Object(
          {
            filters: Type.Array(FilterSchema, { default: [], maxItems: 50 }),
            date: Type.Optional(Type.String({ pattern: DATE_PATTERN, description: "The date that `{ruleDate: N}` filter values count from; today by default." })),
            limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ records: Type.Array(ObjectRecordSchema) }) },
      },
    },
    async (request) => {
      request.body.filters.forEach((f, i) => {
        const p = filterProblem(f);
        if (p) throw new ApiError(400, "INVALID_FILTER", `Filter ${i + 1} (${f.field}): ${p}.`, `filters[${i}]`);
      });
      return { records: await objects.query(request.params.name, request.body.filters, request.body.date ?? dayOf(clock()), request.body.limit) };
    },
  );
}
