import { Type } from "@sinclair/typebox";
import type { AnalyticsModule } from "../analytics/index.js";
import { ApiError, Deleted, Redirect, requireRole, type Principal } from "../kernel/index.js";
import { ConnectionViewSchema, Disconnected, LinkCheck, LinkSettingsSchema, ObjectFields, PullSettingsSchema, PushMappingSchema, SyncRunSchema } from "./responses.js";
import type { HttpApp } from "../kernel/index.js";
import type { ConnectionService } from "./connection.js";
import { indexByLink, linkIds, orphansOf } from "./link.js";
import { checkMapping } from "./mapping.js";
import { linkedSoql } from "./pull.js";
import { DEFAULT_LINK, DEFAULT_PULL, type RunService } from "./runs.js";
import type { LinkSettings, PullSettings, SyncStore } from "./store.js";

const FieldName = Type.String({ pattern: "^[A-Za-z][A-Za-z0-9_]*$", maxLength: 80 });
const ConnectionBody = Type.Object(
  {
    loginUrl: Type.String({ pattern: "^https?://" }),
    clientId: Type.String({ minLength: 1 }),
    clientSecret: Type.String({ minLength: 1 }),
    grant: Type.Union([Type.Literal("password"), Type.Literal("client_credentials"), Type.Literal("authorization_code")]),
    username: Type.Optional(Type.String()),
    password: Type.Optional(Type.String()),
    redirectUri: Type.Optional(Type.String()),
    apiVersion: Type.Optional(Type.String({ pattern: "^\\d+\\.0$" })),
    apiReserve: Type.Optional(Type.Integer({ minimum: 0 })),
    fieldPrefix: Type.Optional(Type.String({ pattern: "^[A-Za-z][A-Za-z0-9_]*$" })),
  },
  { additionalProperties: false },
);
const LinkBody = Type.Object({ accountField: FieldName, visitorField: Type.Optional(FieldName), appId: Type.Optional(Type.String()) }, { additionalProperties: false });
const CheckBody = Type.Object({ field: Type.Optional(FieldName), kind: Type.Optional(Type.Union([Type.Literal("account"), Type.Literal("visitor")])) }, { additionalProperties: false });
const PullBody = Type.Object({ accountFields: Type.Array(FieldName, { maxItems: 200 }), visitorFields: Type.Optional(Type.Array(FieldName, { maxItems: 200 })) }, { additionalProperties: false });
const MappingBody = Type.Object(
  { reportId: Type.String(), fields: Type.Array(Type.Object({ column: Type.String(), field: FieldName }, { additionalProperties: false }), { minItems: 1, maxItems: 100 }), dailySync: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
const RunBody = Type.Object({ pull: Type.Optional(Type.Boolean()), push: Type.Optional(Type.Boolean()) }, { additionalProperties: false });
const IdParams = Type.Object({ id: Type.String() });

/** The sign-in session or token a request came with: an OAuth flow belongs to it alone. */
function credentialOf(p: Principal): string {
  return p.credential ?? `${p.kind}:${p.id}`;
}

type Deps = { store: SyncStore; connection: ConnectionService; runs: RunService; analytics: AnalyticsModule };

/** `/api/v1/sync/*`: connection, OAuth, CRM fields, link, pull, push mappings and runs. */
export function registerSyncRoutes(app: HttpApp, d: Deps): void {
  const tags = ["sync"];
  app.get("/sync/connection", { schema: { tags, summary: "Connection status, org, user and API usage", response: { 200: ConnectionViewSchema } } }, async () => d.connection.view());
  app.put("/sync/connection", { schema: { tags, body: ConnectionBody, response: { 200: ConnectionViewSchema } } }, async (req) => d.connection.configure(req.body));
  app.delete("/sync/connection", { schema: { tags, response: { 200: Disconnected } } }, async () => {
    await d.connection.disconnect();
    return { status: "disconnected" as const };
  });
  // Both OAuth routes are GETs (a browser follows redirects) that change the connection, so they
  // check the admin role themselves, and the flow's state is bound to the admin's own session.
  app.get("/sync/oauth/start", { schema: { tags, summary: "Redirects to the CRM's sign-in page (authorization code + PKCE); admins only", response: { 302: Redirect } } }, async (req, reply) =>
    reply.redirect(await d.connection.authorizeUrl(credentialOf(requireRole(req, "admin"))), 302),
  );
  const callbackQuery = Type.Object({ code: Type.Optional(Type.String()), state: Type.Optional(Type.String()), error: Type.Optional(Type.String()), error_description: Type.Optional(Type.String()) });
  // Connected apps registered before the sync routes got their own name still send the admin back to the old path.
  for (const [url, hide] of [["/sync/oauth/callback", false], ["/crm/oauth/callback", true]] as const) {
    app.get(url, { schema: { tags, hide, querystring: callbackQuery, response: { 200: ConnectionViewSchema, 302: Redirect } } }, async (req, reply) => {
      // A browser (the admin UI's wizard) is sent back to the wizard; API clients get JSON.
      const browser = (req.headers.accept ?? "").includes("text/html");
      try {
        const owner = credentialOf(requireRole(req, "admin"));
        if (req.query.error || !req.query.code) throw new ApiError(400, "CRM_LOGIN_FAILED", `The CRM did not authorize Pendulum: ${req.query.error_description ?? req.query.error ?? "no code"}`);
        const view = await d.connection.completeAuthorization(req.query.code, req.query.state ?? "", owner);
        return browser ? reply.redirect("/crm?connected=1", 302) : view;
      } catch (e) {
        if (browser && e instanceof ApiError) return reply.redirect(`/crm?error=${encodeURIComponent(e.message)}`, 302);
        throw e;
      }
    });
  }
  app.get("/sync/fields", { schema: { tags, querystring: Type.Object({ object: Type.Optional(Type.Union([Type.Literal("Account"), Type.Literal("Contact")])) }), response: { 200: ObjectFields } } }, async (req) => {
    const client = await d.connection.sharedClient();
    return client.describe(req.query.object ?? "Account");
  });

  app.get("/sync/link", { schema: { tags, response: { 200: LinkSettingsSchema } } }, async () => (await d.store.getSetting<LinkSettings>("link")) ?? DEFAULT_LINK);
  app.put("/sync/link", { schema: { tags, body: LinkBody, response: { 200: LinkSettingsSchema } } }, async (req) => {
    const client = await d.connection.client();
    for (const [object, field] of [["Account", req.body.accountField], ["Contact", req.body.visitorField]] as const) {
      if (!field) continue;
      const f = (await client.describe(object)).fields.find((x) => x.name.toLowerCase() === field.toLowerCase());
      if (!f) throw new ApiError(400, "UNKNOWN_FIELD", `${object} has no field ${field}`, object === "Account" ? "accountField" : "visitorField");
      if (f.name !== "Id" && !["string", "email", "id"].includes(f.type)) throw new ApiError(400, "LINK_FIELD_TYPE", `${object}.${f.name} is a ${f.type} field; the link must be Id or a text or external-id field`, object === "Account" ? "accountField" : "visitorField");
    }
    await d.store.setSetting("link", req.body);
    return req.body;
  });
  app.post("/sync/link/check", { schema: { tags, summary: "Duplicates, unmatched analytics ids and orphan CRM records for a link field, before saving", body: CheckBody, response: { 200: LinkCheck } } }, async (req) => {
    const saved = (await d.store.getSetting<LinkSettings>("link")) ?? DEFAULT_LINK;
    const kind = req.body.kind ?? "account";
    const object = kind === "account" ? "Account" : "Contact";
    const field = req.body.field ?? (kind === "account" ? saved.accountField : saved.visitorField);
    if (!field) throw new ApiError(400, "INVALID_INPUT", "Name the Contact field that holds the visitor id", "field");
    const client = await d.connection.client();
    const records = await client.query(linkedSoql(object, field, []));
    const a = d.analytics;
    const app = saved.appId ? a.apps.get(saved.appId) : a.apps.list()[0];
    if (!app) throw new ApiError(404, "APP_NOT_FOUND", "No analytics app");
    const ids = (await a.metadata.all(app.id, kind)).map((e) => e.id);
    const r = linkIds(ids, indexByLink(records, field), { step: "pull", object, field });
    const orphans = orphansOf(records, new Set(ids), { step: "pull", object, field, kind });
    // `unmatched`: analytics ids no CRM record holds; `orphans`: CRM records whose value matches no analytics id.
    return {
      field,
      object,
      crmRecords: records.length,
      analytics: ids.length,
      matched: r.matched.size,
      duplicates: r.duplicates,
      unmatched: r.unmatched.slice(0, 1000),
      unmatchedCount: r.unmatched.length,
      orphans: orphans.slice(0, 1000).map((o) => ({ recordId: o.recordId, key: o.key })),
      orphanCount: orphans.length,
    };
  });

  app.get("/sync/pull", { schema: { tags, response: { 200: PullSettingsSchema } } }, async () => (await d.store.getSetting<PullSettings>("pull")) ?? DEFAULT_PULL);
  app.put("/sync/pull", { schema: { tags, body: PullBody, response: { 200: PullSettingsSchema } } }, async (req) => {
    const client = await d.connection.client();
    for (const [object, list] of [["Account", req.body.accountFields], ["Contact", req.body.visitorFields ?? []]] as const) {
      if (list.length === 0) continue;
      const names = new Set((await client.describe(object)).fields.map((f) => f.name.toLowerCase()));
      const missing = list.find((f) => !names.has(f.toLowerCase()));
      if (missing) throw new ApiError(400, "UNKNOWN_FIELD", `${object} has no field ${missing}`, missing);
    }
    const settings: PullSettings = { accountFields: req.body.accountFields, visitorFields: req.body.visitorFields ?? [] };
    await d.store.setSetting("pull", settings);
    return settings;
  });

  const saveMapping = async (body: typeof MappingBody.static, id?: string) => {
    const a = d.analytics;
    const report = await a.reports.get(body.reportId);
    if (!report) throw new ApiError(400, "REPORT_NOT_FOUND", `No report ${body.reportId}`, "reportId");
    const object = report.kind === "account" ? "Account" : "Contact";
    const client = await d.connection.client();
    const conn = await d.connection.stored();
    checkMapping(await client.describe(object), a.reportService.columnsOf(report), body.fields, conn?.fieldPrefix ?? "Pendo_");
    return d.store.saveMapping({ ...(id ? { id } : {}), reportId: report.id, object, fields: body.fields, dailySync: body.dailySync ?? false });
  };
  app.get("/sync/push-mappings", { schema: { tags, response: { 200: Type.Object({ mappings: Type.Array(PushMappingSchema) }) } } }, async () => ({ mappings: await d.store.listMappings() }));
  app.post("/sync/push-mappings", { schema: { tags, body: MappingBody, response: { 201: PushMappingSchema } } }, async (req, reply) => reply.status(201).send(await saveMapping(req.body)));
  app.put("/sync/push-mappings/:id", { schema: { tags, params: IdParams, body: MappingBody, response: { 200: PushMappingSchema } } }, async (req) => {
    if (!(await d.store.getMapping(req.params.id))) throw new ApiError(404, "NOT_FOUND", `No push mapping ${req.params.id}`, "id");
    return saveMapping(req.body, req.params.id);
  });
  app.delete("/sync/push-mappings/:id", { schema: { tags, params: IdParams, response: { 200: Deleted } } }, async (req) => {
    if (!(await d.store.deleteMapping(req.params.id))) throw new ApiError(404, "NOT_FOUND", `No push mapping ${req.params.id}`, "id");
    return { deleted: true };
  });

  app.post("/sync/runs", { schema: { tags, body: Type.Optional(RunBody), querystring: Type.Object({ wait: Type.Optional(Type.Boolean()) }), response: { 200: SyncRunSchema, 202: SyncRunSchema } } }, async (req, reply) => {
    const run = await d.runs.start(req.body ?? {});
    if (req.query.wait) return d.runs.wait(run.id);
    return reply.status(202).send(run);
  });
  app.get("/sync/runs", { schema: { tags, querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })) }), response: { 200: Type.Object({ runs: Type.Array(SyncRunSchema) }) } } }, async (req) => ({ runs: await d.store.listRuns(req.query.limit ?? 50) }));
  app.get("/sync/runs/:id", { schema: { tags, params: IdParams, response: { 200: SyncRunSchema } } }, async (req) => {
    const run = await d.store.getRun(req.params.id);
    if (!run) throw new ApiError(404, "NOT_FOUND", `No sync run ${req.params.id}`, "id");
    return run.status === "running" ? { ...run, counts: { ...run.counts, written: await d.store.countWritten(run.id) } } : run;
  });
}
