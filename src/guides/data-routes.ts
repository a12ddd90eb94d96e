import fs from "node:fs";
import { Type } from "@sinclair/typebox";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import { ApiError, refuseDeepBody } from "../kernel/index.js";
import type { HttpApp } from "../kernel/index.js";
import type { Delivery } from "./delivery.js";
import type { GuideEventService } from "./event-service.js";
import { GUIDE_EVENT_TYPES, type GuideEventsBody as WireBody } from "./wire.js";

const GuideEvent = Type.Object(
  {
    type: Type.Union(GUIDE_EVENT_TYPES.map((t) => Type.Literal(t))),
    guide: Type.String({ minLength: 1, maxLength: 64 }),
    step: Type.Integer({ minimum: 0, maximum: 49 }),
    view: Type.String({ minLength: 1, maxLength: 64 }),
    url: Type.Optional(Type.String({ maxLength: 2048 })),
    button: Type.Optional(Type.String({ maxLength: 80 })),
    score: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
    choice: Type.Optional(Type.String({ maxLength: 200 })),
    comment: Type.Optional(Type.String({ maxLength: 2000 })),
    durationMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400_000 })),
  },
  { additionalProperties: false },
);
const GuideEventsBody = Type.Object(
  { visitor: Type.String({ minLength: 1, maxLength: 128 }), account: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })), events: Type.Array(GuideEvent, { minItems: 1, maxItems: 100 }) },
  { additionalProperties: false },
);
const Key = Type.String({ minLength: 1, maxLength: 128 });

function cors(reply: FastifyReply, request: FastifyRequest): void {
  reply.header("access-control-allow-origin", request.headers.origin ?? "*");
  reply.header("vary", "origin");
}

export type DataRoutesOptions = {
  appByKey(key: string): { id: string } | undefined;
  delivery: Delivery;
  events: GuideEventService;
  rendererFile: string;
};

const appOf = (o: DataRoutesOptions, key: string): string => {
  const app = o.appByKey(key);
  if (!app) throw new ApiError(403, "INVALID_APP_KEY", "No app has this key; copy it from the app's install snippet.", "key");
  return app.id;
};

/** `/data/guides`, `/data/guide-events` and `/agent-guides.js`: public, app-key authenticated. */
export async function registerGuideDataRoutes(root: HttpApp, o: DataRoutesOptions): Promise<void> {
  await root.register(async (scope) => {
    const app = scope.withTypeProvider<TypeBoxTypeProvider>();
    // The agent posts text/plain (a CORS simple request, no preflight); both types carry JSON.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser(["application/json", "text/plain"], { parseAs: "string", bodyLimit: 256 * 1024 }, (_req, body, done) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body as string);
      } catch (e) {
        return done(new ApiError(400, "MALFORMED_JSON", `The body is not valid JSON: ${(e as Error).message}`), undefined);
      }
      try {
        refuseDeepBody(parsed);
        done(null, parsed);
      } catch (e) {
        done(e as Error, undefined);
      }
    });
    // Callback style: an async hook costs a promise and a microtask turn on every request.
    app.addHook("onRequest", (request, reply, done) => {
      cors(reply, request);
      done();
    });

    app.get(
      "/data/guides",
      {
        schema: {
          tags: ["guides"],
          summary: "Guides the visitor may see on this page now",
          security: [],
          querystring: Type.Object({ key: Key, visitor: Type.String({ minLength: 1, maxLength: 128 }), account: Type.Optional(Type.String({ maxLength: 128 })), url: Type.String({ maxLength: 4096 }), guide: Type.Optional(Type.String({ maxLength: 64 })) }),
        },
      },
      // Not async: the answer is synchronous, and a promise per request is measurable at
      // thousands of requests a second. Fastify still routes a thrown ApiError to the error handler.
      (req, reply) => {
        const appId = appOf(o, req.query.key);
        reply.header("content-type", "application/json; charset=utf-8");
        reply.header("cache-control", "no-store");
        reply.send(o.delivery.answer(appId, req.query.visitor, req.query.account || undefined, req.query.url, req.query.guide));
      },
    );

    app.post(
      "/data/guide-events",
      { schema: { tags: ["guides"], summary: "Guide events from the agent", security: [], querystring: Type.Object({ key: Key }), body: GuideEventsBody } },
      async (req) => {
        const appId = appOf(o, req.query.key);
        const n = await o.events.record(appId, req.body as WireBody);
        return { accepted: n };
      },
    );

    let renderer: Buffer | undefined;
    app.get("/agent-guides.js", { schema: { hide: true } }, async (_req, reply) => {
      renderer ??= fs.existsSync(o.rendererFile) ? fs.readFileSync(o.rendererFile) : undefined;
      if (!renderer) throw new ApiError(404, "AGENT_NOT_BUILT", "The guide renderer is not built; run `npm run build`.");
      reply.header("content-type", "application/javascript; charset=utf-8");
      reply.header("cache-control", "public, max-age=300");
      reply.header("access-control-allow-origin", "*");
      return reply.send(renderer);
    });
  });
}
