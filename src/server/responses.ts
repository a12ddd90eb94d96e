import { Ajv, type ValidateFunction } from "ajv";
import type { FastifyReply, FastifyRequest, RouteOptions } from "fastify";
import { ApiError, ErrorBody } from "../kernel/index.js";

/** One `/api/v1` route as registered, for the check that every route describes its answers. */
export type ApiRoute = { method: string; url: string; hidden: boolean; responseCodes: string[]; response: Record<string, unknown> | undefined };

type SchemaOf = { hide?: boolean; response?: Record<string, unknown> };

/**
 * Called for every `/api/v1` route as it is registered: refusals share one shape, so each route
 * that describes its answers gets the error body for 4xx and 5xx without repeating it. The route
 * is recorded in `table`, which the API's tests scan.
 */
export function describeApiRoute(route: RouteOptions, table: ApiRoute[]): void {
  const schema = (route.schema ?? {}) as SchemaOf;
  if (schema.response) {
    schema.response = { "4xx": ErrorBody, "5xx": ErrorBody, ...schema.response };
    route.schema = schema;
  }
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  // HEAD routes Fastify adds beside each GET answer no body.
  for (const method of methods) if (method !== "HEAD") table.push({ method, url: route.url, hidden: schema.hide === true, responseCodes: Object.keys(schema.response ?? {}), response: schema.response });
}

/** A copy of a schema in which an object lists all its properties unless it says it is open. */
export function closedSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closedSchema);
  if (!schema || typeof schema !== "object") return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) out[k] = k === "const" || k === "default" || k === "examples" ? v : closedSchema(v);
  if (out["type"] === "object" && out["properties"] && out["additionalProperties"] === undefined && out["patternProperties"] === undefined) out["additionalProperties"] = false;
  return out;
}

/** The schema a route declares for a status code: the code itself, then `2xx`-style ranges, then `default`. */
export function schemaFor(response: Record<string, unknown>, status: number): unknown {
  const entry = response[String(status)] ?? response[`${String(status)[0]}xx`] ?? response["default"];
  if (entry && typeof entry === "object" && "content" in entry) {
    const content = (entry as { content: Record<string, { schema?: unknown }> }).content;
    return content["application/json"]?.schema ?? null;
  }
  return entry;
}

/**
 * The test-time check (`strictResponses`): before Fastify serialises an answer, the value the handler
 * returned is validated against its route's schema with every object closed, so a property a
 * schema does not describe (which serialisation would silently drop) fails the request with a 500
 * that names the route and the property.
 */
export function strictResponseCheck(): (request: FastifyRequest, reply: FastifyReply, payload: unknown) => Promise<unknown> {
  // addUsedSchema off: a schema with an $id (a recursive segment definition) is used by several routes.
  const ajv = new Ajv({ allErrors: false, strict: false, coerceTypes: false, useDefaults: false, removeAdditional: false, addUsedSchema: false });
  const compiled = new WeakMap<object, ValidateFunction>();
  return async (request, reply, payload) => {
    const schema = request.routeOptions.schema as SchemaOf | undefined;
    // Hidden routes, and a route describing no answer at all (the route scan in the tests names those).
    if (schema?.hide || !schema?.response) return payload;
    const where = `${request.method} ${request.routeOptions.url ?? request.url}`;
    const found = schemaFor(schema.response, reply.statusCode);
    if (!found || typeof found !== "object") {
      throw new ApiError(500, "RESPONSE_NOT_DESCRIBED", `${where} answered ${reply.statusCode} but describes no JSON response for it`);
    }
    let validate = compiled.get(found);
    if (!validate) {
      validate = ajv.compile(closedSchema(found) as object);
      compiled.set(found, validate);
    }
    // The value as it would travel (Dates become strings), as a client will see it.
    const travelled: unknown = JSON.parse(JSON.stringify(payload) ?? "null");
    if (!validate(travelled)) {
      const e = validate.errors?.[0];
      const extra = e?.params && "additionalProperty" in e.params ? ` (${String(e.params["additionalProperty"])})` : "";
      throw new ApiError(500, "RESPONSE_SHAPE", `${where} answered ${reply.statusCode} with a shape its schema does not describe: ${e?.instancePath || "/"} ${e?.message ?? ""}${extra}`);
    }
    return payload;
  };
}
