import { Type } from "@sinclair/typebox";
import { ApiError, CsvText, Deleted, neutraliseFormula } from "../../kernel/index.js";
import { ReportColumns, ReportResults, ReportSchema } from "../responses.js";
import type { HttpApp } from "../../kernel/index.js";
import type { SegmentStore } from "../segments/index.js";
import { localRange } from "../metrics/time-zone.js";
import { metricColumns, type ReportValue } from "./columns.js";
import type { ReportResult, ReportService } from "./service.js";
import type { Report, ReportStore } from "./store.js";

const Range = Type.Union([
  Type.Object({ last: Type.Union([Type.Literal(1), Type.Literal(7), Type.Literal(30), Type.Literal(90)]) }, { additionalProperties: false }),
  Type.Object({ from: Type.String({ pattern: "^\\d{4}-\\d{2}-\\d{2}$" }), to: Type.String({ pattern: "^\\d{4}-\\d{2}-\\d{2}$" }) }, { additionalProperties: false }),
]);
const Body = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    kind: Type.Optional(Type.Union([Type.Literal("account"), Type.Literal("visitor")])),
    segmentId: Type.Optional(Type.String({ maxLength: 64 })),
    range: Range,
    timeZone: Type.Optional(Type.String({ maxLength: 64 })),
    columns: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 1, maxItems: 200 }),
    app: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
const Results = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000 })),
  sort: Type.Optional(Type.String({ maxLength: 200 })),
  order: Type.Optional(Type.Union([Type.Literal("asc"), Type.Literal("desc")])),
});

function csvCell(v: ReportValue): string {
  if (v === null) return "";
  const s = typeof v === "string" ? neutraliseFormula(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A report result as CSV: the id column, then one column per report column id. */
export function reportCsv(kind: "account" | "visitor", r: ReportResult): string {
  const head = [kind === "account" ? "accountId" : "visitorId", ...r.columns.map((c) => c.id)].map((h) => csvCell(h)).join(",");
  const lines = r.rows.map((row) => [csvCell(row.id), ...r.columns.map((c) => csvCell(row.values[c.id] ?? null))].join(","));
  return `${[head, ...lines].join("\n")}\n`;
}

/** `/api/v1/reports`: saved account and visitor reports, their results and CSV export. */
export function registerReportRoutes(app: HttpApp, o: { reports: ReportStore; service: ReportService; segments: SegmentStore; appId(id: string | undefined): string; defaultTimeZone(appId: string): string }): void {
  const load = async (id: string): Promise<Report> => {
    const r = await o.reports.get(id);
    if (!r) throw new ApiError(404, "NOT_FOUND", `No report ${id}`, "id");
    return r;
  };
  const input = async (body: typeof Body.static) => {
    const appId = o.appId(body.app);
    const timeZone = body.timeZone ?? o.defaultTimeZone(appId);
    try {
      new Intl.DateTimeFormat("en-US", { timeZone });
    } catch {
      throw new ApiError(400, "INVALID_TIME_ZONE", "Use an IANA time zone such as Europe/Berlin", "timeZone");
    }
    if ("from" in body.range) {
      if (body.range.from > body.range.to) throw new ApiError(400, "INVALID_RANGE", "from must not be after to", "range.from");
      // Checked when saved, not only when run: real dates, at most MAX_RANGE_DAYS, offsets the rollups can serve.
      const local = localRange(timeZone, body.range.from, body.range.to);
      if (!local.ok) throw new ApiError(400, "INVALID_RANGE", local.error.message, "range");
    }
    const segmentId = body.segmentId ?? "everyone";
    if (!(await o.segments.get(segmentId))) throw new ApiError(400, "SEGMENT_NOT_FOUND", `No segment ${segmentId}`, "segmentId");
    const report = { appId, name: body.name, kind: body.kind ?? "account", segmentId, range: body.range, timeZone, columns: body.columns } as const;
    o.service.columnsOf(report);
    return report;
  };

  app.get("/reports/columns", { schema: { tags: ["reports"], querystring: Type.Object({ kind: Type.Optional(Type.Union([Type.Literal("account"), Type.Literal("visitor")])) }), response: { 200: ReportColumns } } }, async (req) => ({
    // The nps.* and guides.* columns are listed only when the guides module supplies their data.
    columns: metricColumns(req.query.kind ?? "account", { guides: o.service.hasGuideData() }),
    patterns: ["pageViews.<pageId>", "featureClicks.<featureId>", "trackEvents.<eventName>", "agent.<key>", "custom.<key>", "crm.<key>"],
  }));
  app.get("/reports", { schema: { tags: ["reports"], querystring: Type.Object({ app: Type.Optional(Type.String()) }), response: { 200: Type.Object({ reports: Type.Array(ReportSchema) }) } } }, async (req) => ({ reports: await o.reports.list(o.appId(req.query.app)) }));
  app.get("/reports/:id", { schema: { tags: ["reports"], params: Type.Object({ id: Type.String() }), response: { 200: ReportSchema } } }, async (req) => load(req.params.id));
  app.post("/reports", { schema: { tags: ["reports"], body: Body, response: { 201: ReportSchema } } }, async (req, reply) => {
    const created = await o.reports.create(await input(req.body));
    reply.status(201);
    return created;
  });
  app.put("/reports/:id", { schema: { tags: ["reports"], params: Type.Object({ id: Type.String() }), body: Body, response: { 200: ReportSchema } } }, async (req) => {
    await load(req.params.id);
    return o.reports.update(req.params.id, await input(req.body));
  });
  app.put(
    "/reports/:id/pin",
    { schema: { tags: ["reports"], description: "Pins the report to the admin UI's overview (or takes it off).", params: Type.Object({ id: Type.String() }), body: Type.Object({ pinned: Type.Boolean() }, { additionalProperties: false }), response: { 200: ReportSchema } } },
    async (req) => {
      if (!(await o.reports.pin(req.params.id, req.body.pinned))) throw new ApiError(404, "NOT_FOUND", `No report ${req.params.id}`, "id");
      return load(req.params.id);
    },
  );
  app.delete("/reports/:id", { schema: { tags: ["reports"], params: Type.Object({ id: Type.String() }), response: { 200: Deleted } } }, async (req) => {
    if (!(await o.reports.delete(req.params.id))) throw new ApiError(404, "NOT_FOUND", `No report ${req.params.id}`, "id");
    return { deleted: true };
  });
  app.get("/reports/:id/results", { schema: { tags: ["reports"], params: Type.Object({ id: Type.String() }), querystring: Results, response: { 200: ReportResults } } }, async (req) => {
    const report = await load(req.params.id);
    if (req.query.sort && req.query.sort !== "id" && !report.columns.includes(req.query.sort)) throw new ApiError(400, "INVALID_SORT", `Sort by one of the report's columns: ${report.columns.join(", ")}`, "sort");
    const r = await o.service.run(report, { limit: req.query.limit ?? 100, offset: req.query.offset ?? 0, ...(req.query.sort ? { sort: req.query.sort } : {}), ...(req.query.order ? { order: req.query.order } : {}) });
    return { report: { id: report.id, name: report.name, kind: report.kind }, ...r, limit: req.query.limit ?? 100, offset: req.query.offset ?? 0 };
  });
  app.get("/reports/:id/results.csv", { schema: { tags: ["reports"], params: Type.Object({ id: Type.String() }), querystring: Type.Pick(Results, ["sort", "order"]), response: { 200: CsvText } } }, async (req, reply) => {
    const report = await load(req.params.id);
    const r = await o.service.run(report, { ...(req.query.sort ? { sort: req.query.sort } : {}), ...(req.query.order ? { order: req.query.order } : {}) });
    reply.header("content-type", "text/csv; charset=utf-8");
    reply.header("content-disposition", `attachment; filename="${report.name.replace(/[^A-Za-z0-9._-]+/g, "_")}.csv"`);
    return reportCsv(report.kind, r);
  });
}
