import { Ajv } from "ajv";
import Fastify, { LogController, type FastifyReply, type FastifyRequest } from "fastify";
import swagger from "@fastify/swagger";
import { Type } from "@sinclair/typebox";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { apiGuard, createAuthRoutes } from "./auth.js";
import type { AuthStore } from "./auth-store.js";
import { installErrorHandler } from "./errors.js";
import { refuseDeepBody } from "../kernel/index.js";
import type { HttpApp, HttpModule } from "../kernel/index.js";
import { isUiPage, registerWebUi } from "./web-ui.js";
import { describeApiRoute, strictResponseCheck, type ApiRoute } from "./responses.js";

export type ServerOptions = {
  auth: AuthStore;
  modules: HttpModule[];
  logLevel?: string;
  secureCookies?: boolean;
  /** Largest body any route accepts; ingest routes set their own smaller limits. */
  bodyLimit?: number;
  /** Folder of the built admin UI (default dist/web). */
  webUiDir?: string;
  /** Pendulum's public URL (read per request: it is known only once the server listens on port 0). */
  publicUrl?: () => string;
  /**
   * Tests: validate what each `/api/v1` handler returns against its response schema with every
   * object closed, and fail the request on a property the schema does not describe.
   */
  strictResponses?: boolean;
};

const apiRouteTables = new WeakMap<object, ApiRoute[]>();

/** The `/api/v1` routes a server registered, with the status codes each describes (for tests). */
export function apiRoutesOf(app: HttpApp): ApiRoute[] {
  return apiRouteTables.get(app) ?? [];
}

/** Pages other than the admin UI (the CRM's sign-in, "the UI is not built") run no script at all. */
const DEFAULT_HTML_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'";

/**
 * Headers every answer carries: no MIME sniffing, and no framing of Pendulum's pages by any other
 * page (the admin UI and the CRM's sign-in form could otherwise be overlaid and clicked through).
 * An HTML answer without its own Content-Security-Policy gets one that allows no script.
 */
async function securityHeaders(_request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
  reply.header("x-content-type-options", "nosniff");
  reply.header("x-frame-options", "DENY");
  const type = String(reply.getHeader("content-type") ?? "");
  if (type.startsWith("text/html") && !reply.hasHeader("content-security-policy")) reply.header("content-security-policy", DEFAULT_HTML_CSP);
  return payload;
}

/** Builds the HTTP server: error shape, OpenAPI, the guarded `/api/v1` scope and each module's routes. */
export async function createHttpServer(options: ServerOptions): Promise<HttpApp> {
  const app = Fastify({
    logger: { level: options.logLevel ?? "info" },
    bodyLimit: options.bodyLimit ?? 10 * 1024 * 1024,
    logController: new LogController({ disableRequestLogging: true }),
  }).withTypeProvider<TypeBoxTypeProvider>();
  // Bodies are validated as sent (no coercion: a number stays a number inside a union);
  // query strings and path parameters arrive as text, so they are coerced to their schema.
  const strict = new Ajv({ allErrors: false, coerceTypes: false, useDefaults: true, removeAdditional: false, strict: false });
  const lenient = new Ajv({ allErrors: false, coerceTypes: "array", useDefaults: true, removeAdditional: false, strict: false });
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === "body" ? strict : lenient).compile(schema));
  // Before any route is registered, so every route and module scope inherits it.
  app.addHook("onSend", securityHeaders);
  const ui = registerWebUi(app, options.webUiDir);
  // A browser reloading a client-side route (/accounts/42) gets the UI; everything else a JSON 404.
  installErrorHandler(app, { notFound: (request, reply) => (isUiPage(request) ? ui.servePage(reply) : undefined) });
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: { title: "Pendulum API", version: "1", description: "Product analytics, CRM integration and customer success, one loop." },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
      security: [{ bearer: [] }],
    },
  });
  app.get("/health", { schema: { hide: true } }, async () => ({ ok: true }));
  const modules = [createAuthRoutes(options.auth, { secureCookies: options.secureCookies ?? false }), ...options.modules];
  const table: ApiRoute[] = [];
  apiRouteTables.set(app, table);
  await app.register(
    async (api) => {
      api.addHook("onRoute", (route) => describeApiRoute(route, table));
      if (options.strictResponses) api.addHook("preSerialization", strictResponseCheck());
      api.addHook("onRequest", apiGuard(options.auth, options.publicUrl ? { publicUrl: options.publicUrl } : {}));
      // Bodies of Pendulum's own API are JSON (or a module's own type, such as text/csv): what an
      // HTML form on another site can send (text/plain, form encodings) is refused with 415.
      api.removeContentTypeParser("text/plain");
      // Before validation, which recurses once per level of the body.
      api.addHook("preValidation", async (request) => refuseDeepBody(request.body));
      api.get("/openapi.json", { schema: { hide: true, response: { 200: Type.Object({}, { additionalProperties: true }) } } }, async () => app.swagger());
      for (const m of modules) await m.apiRoutes?.(api);
    },
    { prefix: "/api/v1" },
  );
  for (const m of modules) await m.publicRoutes?.(app);
  return app;
}
