import fs from "node:fs";
import zlib from "node:zlib";
import { Type } from "@sinclair/typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { ApiError, refuseDeepBody } from "../../kernel/index.js";
import type { HttpApp } from "../../kernel/index.js";
import type { AppStore } from "../apps.js";
import { answerOf, type IngestService } from "./service.js";
import { checkAgentBatch, ingestValidatorCompiler } from "./batch-schema.js";
import { AgentBatch, MAX_KEY_LENGTH, TrackEvent } from "./schema.js";

export type IngestRoutesOptions = {
  apps: AppStore;
  ingest: IngestService;
  maxBodyBytes: number;
  agentFile: string;
};

function cors(reply: FastifyReply, request: FastifyRequest): void {
  reply.header("access-control-allow-origin", request.headers.origin ?? "*");
  reply.header("vary", "origin");
  reply.header("access-control-allow-methods", "GET, POST, OPTIONS");
  reply.header("access-control-allow-headers", "content-type, content-encoding, x-pendulum-track-secret, authorization, idempotency-key");
  reply.header("access-control-max-age", "86400");
  // So the browser agent can read how long a 503 asks it to wait.
  reply.header("access-control-expose-headers", "retry-after");
}

/** Decodes a JSON body that may be gzipped, holding decompressed size to the same limit. */
function parseBody(request: FastifyRequest, body: Buffer, limit: number): unknown {
  let raw = body;
  const encoding = String(request.headers["content-encoding"] ?? "identity").toLowerCase();
  if (encoding === "gzip") {
    try {
      raw = zlib.gunzipSync(body, { maxOutputLength: limit });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") throw new ApiError(413, "BODY_TOO_LARGE", `The decompressed body is larger than ${limit} bytes; send smaller batches.`);
      throw new ApiError(400, "MALFORMED_GZIP", "The body says gzip but does not decompress.");
    }
  } else if (encoding !== "identity") {
    throw new ApiError(415, "UNSUPPORTED_ENCODING", `Content-Encoding ${encoding} is not supported; use gzip or none.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString("utf8"));
  } catch (e) {
    throw new ApiError(400, "MALFORMED_JSON", `The body is not valid JSON: ${(e as Error).message}`);
  }
  // Before validation and JSON.stringify, which recurse once per level.
  refuseDeepBody(parsed);
  return parsed;
}

/**
 * The request's `Idempotency-Key` header, if any: a retry of the same request with the same key
 * is answered as a duplicate and stores nothing again (ADR 0008).
 */
export function idempotencyKey(request: FastifyRequest): string | undefined {
  const h = request.headers["idempotency-key"];
  if (h === undefined) return undefined;
  const key = (Array.isArray(h) ? h.join(",") : h).trim();
  if (key === "" || key.length > MAX_KEY_LENGTH) throw new ApiError(400, "INVALID_IDEMPOTENCY_KEY", `The Idempotency-Key header must be 1–${MAX_KEY_LENGTH} characters; send one unique value per request and the same value when you retry it.`, "idempotency-key");
  return key;
}

function trackSecret(request: FastifyRequest): string | undefined {
  const h = request.headers["x-pendulum-track-secret"];
  if (typeof h === "string" && h) return h;
  const auth = request.headers.authorization;
  return auth && /^Bearer\s+/i.test(auth) ? auth.replace(/^Bearer\s+/i, "").trim() : undefined;
}

/** `/data/ingest`, `/data/track` and `/agent.js`: public, key-authenticated, write-only. */
export async function registerIngestRoutes(root: HttpApp, o: IngestRoutesOptions): Promise<void> {
  await root.register(async (scope) => {
    const app = scope.withTypeProvider<TypeBoxTypeProvider>();
    // Each body's size as received, for the service's bound on batches in flight.
    const bodyBytes = new WeakMap<FastifyRequest, number>();
    app.removeAllContentTypeParsers();
    app.addContentTypeParser(["application/json", "text/plain"], { parseAs: "buffer", bodyLimit: o.maxBodyBytes }, (request, body, done) => {
      try {
        bodyBytes.set(request, (body as Buffer).length);
        done(null, parseBody(request, body as Buffer, o.maxBodyBytes));
      } catch (e) {
        done(e as Error, undefined);
      }
    });
    app.addHook("onRequest", async (request, reply) => {
      if (request.url.startsWith("/data/")) cors(reply, request);
    });
    app.options("/data/*", { schema: { hide: true } }, async (_request, reply) => reply.status(204).send());

    // Backpressure is checked before the body is read and parsed, so refusing costs little while
    // the event store catches up (the service checks again before logging).
    const admit = async (): Promise<void> => o.ingest.admit();

    app.post(
      "/data/ingest",
      {
        bodyLimit: o.maxBodyBytes,
        onRequest: admit,
        schema: { tags: ["ingest"], summary: "Browser agent batch", querystring: Type.Object({ key: Type.Optional(Type.String({ maxLength: 128 })) }), body: AgentBatch, security: [] },
        // The body is checked in the handler, a slice of events at a time (batch-schema.ts).
        validatorCompiler: ingestValidatorCompiler,
      },
      async (request) => {
        const body = await checkAgentBatch(request.body);
        const key = request.query.key ?? body.key;
        if (!key) throw new ApiError(401, "APP_KEY_REQUIRED", "Send the app key as ?key= or in the body's key field.", "key");
        const app = o.apps.byAppKey(key);
        if (!app) throw new ApiError(403, "INVALID_APP_KEY", "No app has this key; copy it from the app's install snippet.", "key");
        const r = await o.ingest.agentBatch(app, body, { live: true }, bodyBytes.get(request) ?? 0);
        return r.duplicate ? { accepted: r.accepted, duplicate: true } : answerOf({ accepted: r.accepted, lastId: r.lastId, folded: r.folded });
      },
    );

    app.post(
      "/data/track",
      { bodyLimit: o.maxBodyBytes, onRequest: admit, schema: { tags: ["ingest"], summary: "Server-side track events", body: Type.Union([TrackEvent, Type.Array(TrackEvent, { minItems: 1, maxItems: 500 })]), security: [] } },
      async (request) => {
        const secret = trackSecret(request);
        if (!secret) throw new ApiError(401, "TRACK_SECRET_REQUIRED", "Send the app's track secret in the X-Pendulum-Track-Secret header.", "x-pendulum-track-secret");
        const app = o.apps.byTrackSecret(secret);
        if (!app) throw new ApiError(403, "INVALID_TRACK_SECRET", "No app has this track secret.", "x-pendulum-track-secret");
        const events = Array.isArray(request.body) ? request.body : [request.body];
        const requestKey = idempotencyKey(request);
        return answerOf(await o.ingest.track(app, events, requestKey === undefined ? {} : { requestKey }));
      },
    );

    let agent: Buffer | undefined;
    app.get("/agent.js", { schema: { hide: true } }, async (_request, reply) => {
      agent ??= fs.existsSync(o.agentFile) ? fs.readFileSync(o.agentFile) : undefined;
      if (!agent) throw new ApiError(404, "AGENT_NOT_BUILT", "The agent is not built; run `npm run build`.");
      reply.header("content-type", "application/javascript; charset=utf-8");
      reply.header("cache-control", "public, max-age=300");
      reply.header("access-control-allow-origin", "*");
      return reply.send(agent);
    });
  });
}
