import querystring from "node:querystring";
import type { FastifyReply, FastifyRequest } from "fastify";
import { MAX_JSON_DEPTH, tooDeep, type HttpApp } from "../kernel/index.js";
import { SfError, invalidSession } from "./errors.js";
import { OAuthError } from "./oauth.js";
import { attachSession, bearer } from "./request-context.js";
import type { CrmServices } from "./services.js";

/** The bearer session check of every API route; spends one request of the daily budget on `/services/data`. */
export function authenticate(svc: CrmServices) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const token = bearer(request);
    const session = token ? await svc.oauth.verify(token) : undefined;
    if (!session) {
      await reply.status(401).send(invalidSession().toBody());
      return;
    }
    // On PostgreSQL the budget's take and the custom-field check are one statement, one round
    // trip (the check only reads, so a refused call loses nothing).
    const spend = request.url.startsWith("/services/data/") ? svc.limits.takeStatement() : true;
    let allowed: boolean;
    if (typeof spend === "boolean") {
      await svc.data.refreshIfChanged();
      allowed = spend;
    } else allowed = svc.limits.settle(await svc.data.refreshIfChanged(spend));
    if (!allowed) {
      await reply.status(403).send([{ message: "TotalRequests Limit exceeded.", errorCode: "REQUEST_LIMIT_EXCEEDED" }]);
      return;
    }
    attachSession(request, session);
  };
}

/** Salesforce's error shape, body parsers, fault injection and the limit header for one scope. */
export function setupScope(scope: HttpApp, svc: CrmServices): void {
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
    const fe = err as { statusCode?: number; code?: string; validation?: Array<{ instancePath?: string; message?: string }>; validationContext?: string; message: string };
    if (fe.validation) {
      const type = String(request.headers["content-type"] ?? "");
      if (fe.validationContext === "body" && !/json/i.test(type)) {
        return reply.status(415).send([{ message: `This resource takes a JSON body (application/json); got ${type || "no content type"}`, errorCode: "UNSUPPORTED_MEDIA_TYPE" }]);
      }
      const first = fe.validation[0];
      return reply.status(400).send([{ message: `${first?.instancePath || "request"} ${first?.message ?? "is invalid"}`, errorCode: "JSON_PARSER_ERROR" }]);
    }
    if (fe.code === "FST_ERR_CTP_BODY_TOO_LARGE") return reply.status(413).send([{ message: "The request body is too large", errorCode: "REQUEST_TOO_LARGE" }]);
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) return reply.status(fe.statusCode).send([{ message: fe.message, errorCode: "INVALID_REQUEST" }]);
    request.log.error({ err }, "crm: unhandled error");
    return reply.status(500).send([{ message: "An unexpected error occurred. Please include this ErrorId if you contact support: pendulum-crm", errorCode: "UNKNOWN_EXCEPTION" }]);
  });
  scope.setNotFoundHandler((request, reply) => reply.status(404).send([{ errorCode: "NOT_FOUND", message: `The requested resource does not exist: ${request.method} ${request.url.split("?")[0]}` }]));

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

