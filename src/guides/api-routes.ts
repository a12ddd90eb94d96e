import { Type } from "@sinclair/typebox";
import { ApiError, Deleted } from "../kernel/index.js";
import type { HttpApp } from "../kernel/index.js";
import { GuideInput, Status, ThrottleSettings, type Guide, type GuideInput as GuideInputT } from "./model.js";
import type { GuidesService } from "./service.js";
import { GuideMetricsSchema, GuideSchema, GuideSettings, NpsReport } from "./responses.js";

const Id = Type.Object({ id: Type.String() });
const AppQuery = Type.Object({ app: Type.Optional(Type.String()) });
const Day = Type.String({ pattern: "^\\d{4}-\\d{2}-\\d{2}$" });
const Range = Type.Object({ app: Type.Optional(Type.String()), from: Type.Optional(Day), to: Type.Optional(Day), timeZone: Type.Optional(Type.String({ maxLength: 64 })) });

/** `/api/v1/guides`, guide metrics, `/api/v1/nps` and `/api/v1/guide-settings`. */
export function registerGuideApiRoutes(app: HttpApp, s: GuidesService): void {
  const found = (id: string): Guide => {
    const g = s.store.get(id);
    if (!g) throw new ApiError(404, "NOT_FOUND", `No guide ${id}`, "id");
    return g;
  };

  app.get("/guides", { schema: { tags: ["guides"], querystring: AppQuery, response: { 200: Type.Object({ guides: Type.Array(GuideSchema) }) } } }, async (req) => ({ guides: s.store.list(s.appId(req.query.app)) }));
  app.get("/guides/:id", { schema: { tags: ["guides"], params: Id, response: { 200: GuideSchema } } }, async (req) => found(req.params.id));
  app.post("/guides", { schema: { tags: ["guides"], body: GuideInput, response: { 201: GuideSchema } } }, async (req, reply) => {
    const g = await s.save(req.body as GuideInputT);
    reply.status(201);
    return g;
  });
  app.put("/guides/:id", { schema: { tags: ["guides"], params: Id, body: GuideInput, response: { 200: GuideSchema } } }, async (req) => {
    const g = found(req.params.id);
    return s.save(req.body as GuideInputT, g);
  });
  app.patch(
    "/guides/:id/status",
    { schema: { tags: ["guides"], summary: "Publish, disable or return a guide to draft", params: Id, body: Type.Object({ status: Status }, { additionalProperties: false }), response: { 200: GuideSchema } } },
    async (req) => {
      const g = found(req.params.id);
      if (req.body.status === "scheduled" && !g.schedule) throw new ApiError(400, "SCHEDULE_REQUIRED", "Give the guide a schedule (PUT) before scheduling it", "status");
      return s.store.setStatus(g.id, req.body.status as Guide["status"]);
    },
  );
  app.delete("/guides/:id", { schema: { tags: ["guides"], params: Id, response: { 200: Deleted } } }, async (req) => {
    found(req.params.id);
    await s.store.delete(req.params.id);
    return { deleted: true };
  });
  app.get("/guides/:id/metrics", { schema: { tags: ["guides"], summary: "Views, visitors, completion, dismissal, step funnel, time on guide", params: Id, querystring: Range, response: { 200: GuideMetricsSchema } } }, async (req) => {
    const g = found(req.params.id);
    const range = s.range(g.appId, req.query);
    return { guide: g.id, ...range.echo, ...(await s.metrics(g, range.from, range.to)) };
  });
  app.get(
    "/nps",
    { schema: { tags: ["guides"], summary: "NPS per account, per visitor or for the app", querystring: Type.Composite([Range, Type.Object({ kind: Type.Optional(Type.Union([Type.Literal("account"), Type.Literal("visitor"), Type.Literal("app")])) })]), response: { 200: NpsReport } } },
    async (req) => {
      const appId = s.appId(req.query.app);
      const range = s.range(appId, req.query);
      const kind = req.query.kind ?? "account";
      const rows = kind === "account" ? await s.npsByAccount(appId, range.from, range.to) : kind === "visitor" ? await s.npsByVisitor(appId, range.from, range.to) : [await s.npsOverall(appId, range.from, range.to)];
      return { kind, ...range.echo, rows };
    },
  );
  app.get("/guide-settings", { schema: { tags: ["guides"], querystring: AppQuery, response: { 200: GuideSettings } } }, async (req) => ({ throttle: s.store.throttle(s.appId(req.query.app)) }));
  app.put(
    "/guide-settings",
    { schema: { tags: ["guides"], summary: "Throttling of automatic guides", body: Type.Object({ app: Type.Optional(Type.String()), throttle: ThrottleSettings }, { additionalProperties: false }), response: { 200: GuideSettings } } },
    async (req) => ({ throttle: await s.store.setThrottle(s.appId(req.body.app), req.body.throttle) }),
  );
  app.post("/guides/refresh-segments", { schema: { tags: ["guides"], summary: "Recompute the segment membership guides target (after a sync or rule run)", response: { 200: Type.Object({ refreshed: Type.Boolean() }) } } }, async () => {
    await s.refreshSegments();
    return { refreshed: true };
  });
}
