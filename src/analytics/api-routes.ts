import { Type } from "@sinclair/typebox";
import { ApiError, requireRole } from "../kernel/index.js";
import type { HttpApp } from "../kernel/index.js";
import type { EventStore } from "../store/index.js";
import type { App, AppStore } from "./apps.js";
import { answerOf, idempotencyKey, ImportRequest, METADATA_KEY, type Flusher, type IngestService } from "./ingest/index.js";
import type { EntityKind, Metadata, MetadataStore } from "./metadata.js";
import { AccountList, AccountVisitors, AppView, CreatedApp, EntitySchema, EventList, IngestAnswer, TrackSecret, VisitorList } from "./responses.js";

export type AnalyticsApiOptions = { apps: AppStore; metadata: MetadataStore; ingest: IngestService; events: EventStore; flusher: Flusher; baseUrl: () => string };

const AppQuery = Type.Object({ app: Type.Optional(Type.String({ maxLength: 64 })) });
const Page = Type.Object({
  app: Type.Optional(Type.String({ maxLength: 64 })),
  q: Type.Optional(Type.String({ maxLength: 128, description: "Only those whose id or a metadata value contains this (any case)" })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000, default: 0 })),
});
const Settings = Type.Object(
  { trackEventsCountAsActivity: Type.Optional(Type.Boolean()), timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) },
  { additionalProperties: false },
);
const CustomMetadata = Type.Record(Type.String({ maxLength: 64 }), Type.Union([Type.String({ maxLength: 1024 }), Type.Number(), Type.Boolean(), Type.Null()]), {
  maxProperties: 100,
});

const KEY = new RegExp(METADATA_KEY);

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The install snippet an app's developers paste into their page: a stub that queues calls, then the agent. */
export function installSnippet(baseUrl: string, appKey: string): string {
  return [
    "<script>",
    "  window.pendulum = window.pendulum || { q: [] };",
    "  ['initialize', 'identify', 'updateOptions', 'track', 'flush', 'showGuide'].forEach(function (m) {",
    "    window.pendulum[m] = window.pendulum[m] || function () { window.pendulum.q.push([m].concat([].slice.call(arguments))); };",
    "  });",
    `  pendulum.initialize({ apiKey: '${appKey}', visitor: { id: 'VISITOR-ID' }, account: { id: 'ACCOUNT-ID' } });`,
    "</script>",
    `<script async src="${baseUrl}/agent.js"></script>`,
  ].join("\n");
}

/** Apps, visitors, accounts, metadata and import under `/api/v1`. */
export function registerAnalyticsApi(app: HttpApp, o: AnalyticsApiOptions): void {
  const pickApp = (id: string | undefined): App => {
    const found = id ? o.apps.get(id) : o.apps.list()[0];
    if (!found) throw new ApiError(404, "APP_NOT_FOUND", id ? `No app ${id}` : "No app exists yet; create one with POST /api/v1/apps", "app");
    return found;
  };
  const view = (a: App) => ({ id: a.id, name: a.name, appKey: a.appKey, settings: a.settings, createdAt: a.createdAt, snippet: installSnippet(o.baseUrl(), a.appKey) });

  app.get("/apps", { schema: { tags: ["apps"], response: { 200: Type.Object({ apps: Type.Array(AppView) }) } } }, async () => ({ apps: o.apps.list().map(view) }));
  app.get("/apps/:id", { schema: { tags: ["apps"], params: Type.Object({ id: Type.String() }), response: { 200: AppView } } }, async (req) => view(pickApp(req.params.id)));
  app.post(
    "/apps",
    { schema: { tags: ["apps"], body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }), settings: Type.Optional(Settings) }, { additionalProperties: false }), response: { 201: CreatedApp } } },
    async (req, reply) => {
      if (req.body.settings?.timeZone && !validTimeZone(req.body.settings.timeZone)) throw new ApiError(400, "INVALID_TIME_ZONE", "Use an IANA time zone such as Europe/Berlin", "settings.timeZone");
      const { app: created, trackSecret } = await o.apps.create({ name: req.body.name, settings: req.body.settings ?? {} });
      reply.status(201);
      return { ...view(created), trackSecret, note: "The track secret is shown once: store it now." };
    },
  );
  app.patch("/apps/:id/settings", { schema: { tags: ["apps"], params: Type.Object({ id: Type.String() }), body: Settings, response: { 200: AppView } } }, async (req) => {
    if (req.body.timeZone && !validTimeZone(req.body.timeZone)) throw new ApiError(400, "INVALID_TIME_ZONE", "Use an IANA time zone such as Europe/Berlin", "timeZone");
    const updated = await o.apps.updateSettings(pickApp(req.params.id).id, req.body);
    return view(updated as App);
  });
  app.post("/apps/:id/track-secret", { schema: { tags: ["apps"], params: Type.Object({ id: Type.String() }), response: { 200: TrackSecret } } }, async (req) => {
    requireRole(req, "admin");
    const secret = await o.apps.rotateTrackSecret(pickApp(req.params.id).id);
    if (secret === undefined) throw new ApiError(404, "APP_NOT_FOUND", `No app ${req.params.id}`, "id");
    return { trackSecret: secret, note: "The old secret stops working now; this one is shown once." };
  });

  for (const kind of ["account", "visitor"] as EntityKind[]) {
    const plural = `${kind}s`;
    app.get(`/${plural}`, { schema: { tags: ["metadata"], querystring: Page, response: { 200: kind === "account" ? AccountList : VisitorList } } }, async (req) => {
      const q = req.query as { app?: string; q?: string; limit?: number; offset?: number };
      const r = await o.metadata.list(pickApp(q.app).id, kind, { limit: q.limit ?? 100, offset: q.offset ?? 0, ...(q.q ? { q: q.q } : {}) });
      return kind === "account" ? { total: r.total, accounts: r.items } : { total: r.total, visitors: r.items };
    });
    app.get(`/${plural}/:id`, { schema: { tags: ["metadata"], params: Type.Object({ id: Type.String({ maxLength: 128 }) }), querystring: AppQuery, response: { 200: EntitySchema } } }, async (req) => {
      const { id } = req.params as { id: string };
      const e = await o.metadata.get(pickApp((req.query as { app?: string }).app).id, kind, id);
      if (!e) throw new ApiError(404, "NOT_FOUND", `No ${kind} ${id} has been seen`, "id");
      return e;
    });
    app.put(
      `/${plural}/:id/metadata/custom`,
      { schema: { tags: ["metadata"], params: Type.Object({ id: Type.String({ maxLength: 128 }) }), querystring: AppQuery, body: CustomMetadata, response: { 200: EntitySchema } } },
      async (req) => {
        const { id } = req.params as { id: string };
        const bad = Object.keys(req.body as Metadata).find((k) => !KEY.test(k));
        if (bad !== undefined) throw new ApiError(400, "INVALID_METADATA_KEY", `Metadata key "${bad}" must match ${METADATA_KEY}`, bad);
        const e = await o.metadata.setCustom(pickApp((req.query as { app?: string }).app).id, kind, id, req.body as Metadata);
        if (!e) throw new ApiError(404, "NOT_FOUND", `No ${kind} ${id} has been seen; custom metadata is set on known ${plural}`, "id");
        return e;
      },
    );
    for (const group of ["agent", "crm"]) {
      app.put(`/${plural}/:id/metadata/${group}`, { schema: { hide: true } }, async () => {
        throw new ApiError(403, "READ_ONLY_GROUP", `The ${group} group is read-only: ${group === "agent" ? "the agent sets it" : "the CRM pull sets it"}`, group);
      });
    }
  }

  app.get(
    "/accounts/:id/visitors",
    {
      schema: {
        tags: ["metadata"],
        description: "The visitors seen in an account, most recently seen first, with when each was first and last seen in it.",
        params: Type.Object({ id: Type.String({ maxLength: 128 }) }),
        querystring: Type.Object({ app: Type.Optional(Type.String({ maxLength: 64 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50 })), offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })) }),
        response: { 200: AccountVisitors },
      },
    },
    async (req) => {
      const appId = pickApp(req.query.app).id;
      if (!(await o.metadata.get(appId, "account", req.params.id))) throw new ApiError(404, "NOT_FOUND", `No account ${req.params.id} has been seen`, "id");
      const r = await o.metadata.visitorsOf(appId, req.params.id, { limit: req.query.limit ?? 50, offset: req.query.offset ?? 0 });
      return { total: r.total, visitors: r.items };
    },
  );

  app.post(
    "/import",
    {
      bodyLimit: 20 * 1024 * 1024,
      schema: {
        tags: ["ingest"],
        summary: "Load historical events (no age limit)",
        description: "Once per Idempotency-Key header (the same key with the same body on a retry) and per event messageId, within the dedupe window.",
        body: ImportRequest,
        response: { 200: IngestAnswer },
      },
    },
    async (req) => {
      const target = pickApp(req.body.appId);
      const requestKey = idempotencyKey(req);
      const r = await o.ingest.import(target, req.body.events, requestKey === undefined ? {} : { requestKey });
      await o.flusher.waitFor(r.lastId);
      return answerOf(r);
    },
  );

  app.get(
    "/events",
    {
      schema: {
        tags: ["ingest"],
        summary: "Raw events in id order (drill-down)",
        querystring: Type.Object({
          app: Type.Optional(Type.String()),
          visitorId: Type.Optional(Type.String({ maxLength: 128 })),
          afterId: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
        }),
        response: { 200: EventList },
      },
    },
    async (req) => {
      const q = req.query as { app?: string; visitorId?: string; afterId?: number; limit?: number };
      const appId = pickApp(q.app).id;
      const events = await o.events.events({ appId, ...(q.visitorId ? { visitorId: q.visitorId } : {}), afterId: q.afterId ?? 0, limit: q.limit ?? 1000 });
      return { events };
    },
  );
}
