import { Type } from "@sinclair/typebox";
import { ApiError, Deleted } from "../../kernel/index.js";
import { SegmentList, SegmentMembers, SegmentPreview, SegmentSchema } from "../responses.js";
import type { HttpApp } from "../../kernel/index.js";
import type { EntityKind } from "../metadata.js";
import { EVERYONE, SegmentGroup } from "./definition.js";
import { checkSegment } from "./evaluate.js";
import type { SegmentService } from "./service.js";
import type { SegmentStore } from "./store.js";

const Body = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }), definition: SegmentGroup, app: Type.Optional(Type.String()) }, { additionalProperties: false });
const Kind = Type.Union([Type.Literal("account"), Type.Literal("visitor")]);

/** `/api/v1/segments`: saved segments, their members, and a live count for the builder. */
export function registerSegmentRoutes(app: HttpApp, o: { segments: SegmentStore; service: SegmentService; appId(id: string | undefined): string }): void {
  app.get(
    "/segments",
    {
      schema: {
        tags: ["segments"],
        querystring: Type.Object({
          app: Type.Optional(Type.String()),
          counts: Type.Optional(Type.Boolean({ description: "Add each segment's member counts (accounts and visitors), evaluated now" })),
        }),
        response: { 200: SegmentList },
      },
    },
    async (req) => {
      const appId = o.appId(req.query.app);
      const segments = await o.segments.list(appId);
      if (!req.query.counts) return { segments };
      // Metadata and links are read once per kind for every segment (membersOfMany).
      const ids = segments.map((s) => s.id);
      const [accounts, visitors] = [await o.service.membersOfMany(appId, ids, "account"), await o.service.membersOfMany(appId, ids, "visitor")];
      return { segments: segments.map((s) => ({ ...s, counts: { accounts: accounts.get(s.id)?.size ?? 0, visitors: visitors.get(s.id)?.size ?? 0 } })) };
    },
  );
  app.get("/segments/:id", { schema: { tags: ["segments"], params: Type.Object({ id: Type.String() }), response: { 200: SegmentSchema } } }, async (req) => {
    const s = await o.segments.get(req.params.id);
    if (!s) throw new ApiError(404, "NOT_FOUND", `No segment ${req.params.id}`, "id");
    return s;
  });
  app.post("/segments", { schema: { tags: ["segments"], body: Body, response: { 201: SegmentSchema } } }, async (req, reply) => {
    checkSegment(req.body.definition as SegmentGroup, "definition", { nps: o.service.hasGuideData() });
    reply.status(201);
    return o.segments.save({ appId: o.appId(req.body.app), name: req.body.name, definition: req.body.definition as SegmentGroup });
  });
  app.put("/segments/:id", { schema: { tags: ["segments"], params: Type.Object({ id: Type.String() }), body: Body, response: { 200: SegmentSchema } } }, async (req) => {
    if (req.params.id === EVERYONE) throw new ApiError(400, "BUILT_IN_SEGMENT", "Everyone is built in and cannot be changed", "id");
    if (!(await o.segments.get(req.params.id))) throw new ApiError(404, "NOT_FOUND", `No segment ${req.params.id}`, "id");
    checkSegment(req.body.definition as SegmentGroup, "definition", { nps: o.service.hasGuideData() });
    return o.segments.save({ id: req.params.id, appId: o.appId(req.body.app), name: req.body.name, definition: req.body.definition as SegmentGroup });
  });
  app.delete("/segments/:id", { schema: { tags: ["segments"], params: Type.Object({ id: Type.String() }), response: { 200: Deleted } } }, async (req) => {
    if (req.params.id === EVERYONE) throw new ApiError(400, "BUILT_IN_SEGMENT", "Everyone is built in and cannot be deleted", "id");
    if (!(await o.segments.delete(req.params.id))) throw new ApiError(404, "NOT_FOUND", `No segment ${req.params.id}`, "id");
    return { deleted: true };
  });
  app.get(
    "/segments/:id/members",
    { schema: { tags: ["segments"], params: Type.Object({ id: Type.String() }), querystring: Type.Object({ kind: Type.Optional(Kind), app: Type.Optional(Type.String()), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000 })) }), response: { 200: SegmentMembers } } },
    async (req) => {
      const kind: EntityKind = req.query.kind ?? "account";
      const m = await o.service.membersOf(o.appId(req.query.app), req.params.id, kind);
      if (!m) throw new ApiError(404, "NOT_FOUND", `No segment ${req.params.id}`, "id");
      const ids = [...m].sort();
      return { kind, count: ids.length, members: ids.slice(0, req.query.limit ?? 10000) };
    },
  );
  app.post(
    "/segments/preview",
    { schema: { tags: ["segments"], summary: "Member count of a definition before saving", body: Type.Object({ definition: SegmentGroup, kind: Type.Optional(Kind), app: Type.Optional(Type.String()) }), response: { 200: SegmentPreview } } },
    async (req) => {
      checkSegment(req.body.definition as SegmentGroup, "definition", { nps: o.service.hasGuideData() });
      const m = await o.service.members(o.appId(req.body.app), req.body.definition as SegmentGroup, req.body.kind ?? "account");
      return { count: m.size, sample: [...m].sort().slice(0, 20) };
    },
  );
}
