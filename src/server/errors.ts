import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ApiError, validationField, type ValidationItem } from "../kernel/index.js";


/** Installs the error handler that gives every failure the `{code, message, field}` shape. */
export function installErrorHandler(app: FastifyInstance, options: { notFound?: (request: FastifyRequest, reply: FastifyReply) => FastifyReply | undefined } = {}): void {
  app.setErrorHandler((err: FastifyError | ApiError, request, reply) => {
    if (err instanceof ApiError) {
      if (err.headers) reply.headers(err.headers);
      return reply.status(err.status).send(err.toBody());
    }
    const fe = err as FastifyError & { validation?: ValidationItem[]; validationContext?: string };
    if (fe.validation && fe.validation.length > 0) {
      const first = fe.validation[0] as ValidationItem;
      const field = validationField(first);
      const where = field ?? fe.validationContext ?? "request";
      const message = `${where} ${first.message ?? "is invalid"}`;
      return reply.status(400).send(field ? { code: "INVALID_INPUT", message, field } : { code: "INVALID_INPUT", message });
    }
    const status = fe.statusCode ?? 500;
    if (status === 413 || fe.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
      return reply.status(413).send({ code: "BODY_TOO_LARGE", message: "The request body is larger than the server accepts; send smaller batches." });
    }
    if (fe.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
      return reply.status(415).send({ code: "UNSUPPORTED_MEDIA_TYPE", message: "Send the body as JSON (Content-Type: application/json)." });
    }
    if (fe.code === "FST_ERR_CTP_EMPTY_JSON_BODY" || (status === 400 && err instanceof SyntaxError) || fe.code === "FST_ERR_CTP_INVALID_JSON_BODY") {
      return reply.status(400).send({ code: "MALFORMED_JSON", message: `The body is not valid JSON: ${err.message}` });
    }
    if (status >= 400 && status < 500) {
      return reply.status(status).send({ code: fe.code ?? "BAD_REQUEST", message: err.message });
    }
    request.log.error({ err }, "unhandled error");
    return reply.status(500).send({ code: "INTERNAL", message: "Pendulum hit an unexpected error; it is logged on the server." });
  });
  app.setNotFoundHandler((request, reply) => {
    if (options.notFound?.(request, reply)) return;
    reply.status(404).send({ code: "NOT_FOUND", message: `No route ${request.method} ${request.url.split("?")[0]}` });
  });
}
