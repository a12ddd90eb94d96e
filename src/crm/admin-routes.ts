import { Type } from "@sinclair/typebox";
import type { HttpApp } from "../kernel/index.js";
import { ApiError } from "../kernel/index.js";
import { SfError } from "./errors.js";
import { FAULT_KINDS } from "./faults.js";
import { CUSTOM_FIELD_TYPES } from "./metadata.js";
import { callbackUrlProblem } from "./oauth.js";
import { addCustomField } from "./schema.js";
import type { CrmServices } from "./services.js";

const FaultBody = Type.Object(
  {
    share: Type.Number({ minimum: 0, maximum: 1 }),
    kinds: Type.Optional(Type.Array(Type.Union(FAULT_KINDS.map((k) => Type.Literal(k))), { minItems: 1 })),
    stallMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000 })),
    seed: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
);
const LimitsBody = Type.Object({ dailyApiRequests: Type.Optional(Type.Integer({ minimum: 0 })), resetUsage: Type.Optional(Type.Boolean()) }, { additionalProperties: false });
const UserBody = Type.Object(
  { username: Type.String({ minLength: 3, maxLength: 80 }), password: Type.String({ minLength: 8 }), lastName: Type.String({ minLength: 1 }), firstName: Type.Optional(Type.String()), email: Type.Optional(Type.String()) },
  { additionalProperties: false },
);
const UserPatch = Type.Object({ isActive: Type.Boolean() }, { additionalProperties: false });
const AppBody = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    clientId: Type.Optional(Type.String({ minLength: 8 })),
    clientSecret: Type.Optional(Type.String({ minLength: 8 })),
    /** Where the app may send authorization codes; a redirect_uri must equal one of them exactly. */
    callbackUrls: Type.Optional(Type.Array(Type.String({ maxLength: 1024 }), { maxItems: 20 })),
    /** A public client (a mobile or single-page app) signs in with PKCE alone; others must send their secret. */
    isPublic: Type.Optional(Type.Boolean()),
    publicKeyPem: Type.Optional(Type.String()),
    runAsUsername: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const FaultKind = Type.Union(FAULT_KINDS.map((k) => Type.Literal(k)));
const FaultSettings = Type.Object({ share: Type.Number(), kinds: Type.Array(FaultKind), stallMs: Type.Number(), seed: Type.Number() });
const FaultStatus = Type.Composite([FaultSettings, Type.Object({ injected: Type.Number({ description: "Faults injected since the last change" }) })]);
const Usage = Type.Object({ used: Type.Number({ description: "API requests counted today" }), max: Type.Number({ description: "The daily allocation" }) });
const CreatedField = Type.Object({
  id: Type.String(),
  object: Type.String(),
  field: Type.Optional(
    Type.Object({
      name: Type.String(),
      label: Type.String(),
      type: Type.String(),
      length: Type.Number(),
      precision: Type.Number(),
      scale: Type.Number(),
      externalId: Type.Boolean(),
      unique: Type.Boolean(),
      picklistValues: Type.Array(Type.String()),
    }),
  ),
});

const CallbackBody = Type.Object({ url: Type.String({ minLength: 1, maxLength: 1024 }) }, { additionalProperties: false });

function checkCallbackUrl(url: string, field: string): void {
  const problem = callbackUrlProblem(url);
  if (problem) throw new ApiError(400, "INVALID_CALLBACK_URL", problem, field);
}

const FieldBody = Type.Object(
  {
    object: Type.Optional(Type.Union([Type.Literal("Account"), Type.Literal("Contact")])),
    name: Type.String({ minLength: 4, maxLength: 43 }),
    type: Type.Union(CUSTOM_FIELD_TYPES.map((t) => Type.Literal(t))),
    label: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
    length: Type.Optional(Type.Integer({ minimum: 1, maximum: 131072 })),
    precision: Type.Optional(Type.Integer({ minimum: 1, maximum: 18 })),
    scale: Type.Optional(Type.Integer({ minimum: 0, maximum: 18 })),
    externalId: Type.Optional(Type.Boolean()),
    unique: Type.Optional(Type.Boolean()),
    picklist: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { minItems: 1, maxItems: 500 })),
  },
  { additionalProperties: false },
);

/** Which body field the admin API names for a Tooling-style field path in an SfError. */
const FIELD_OF: Record<string, string> = { FullName: "name", "Metadata.type": "type", "Metadata.precision": "precision", "Metadata.length": "length" };

/** Admin API under /api/v1/crm: fault injection, API budget, users and connected apps. */
export function registerAdminRoutes(app: HttpApp, svc: CrmServices): void {
  app.post("/crm/faults", { schema: { body: FaultBody, response: { 200: FaultSettings } } }, async (request) => svc.faults.configure(request.body));
  app.delete("/crm/faults", { schema: { response: { 200: FaultSettings } } }, async () => svc.faults.configure({ share: 0 }));
  app.get("/crm/faults", { schema: { response: { 200: FaultStatus } } }, async () => svc.faults.settings());
  app.get("/crm/limits", { schema: { response: { 200: Usage } } }, async () => svc.limits.current());
  app.post("/crm/limits", { schema: { body: LimitsBody, response: { 200: Usage } } }, async (request) => {
    if (request.body.dailyApiRequests !== undefined) svc.limits.setAllocation(request.body.dailyApiRequests);
    if (request.body.resetUsage) await svc.limits.reset();
    return svc.limits.current();
  });
  app.post("/crm/users", { schema: { body: UserBody, response: { 201: Type.Object({ id: Type.String() }) } } }, async (request, reply) => {
    const id = await svc.oauth.createUser(request.body).catch((e: unknown) => {
      throw new ApiError(409, "USERNAME_TAKEN", `Could not create the user: ${e instanceof Error ? e.message : String(e)}`, "username");
    });
    return reply.status(201).send({ id });
  });
  app.patch("/crm/users/:id", { schema: { body: UserPatch, params: Type.Object({ id: Type.String() }), response: { 200: Type.Object({ id: Type.String(), isActive: Type.Boolean() }) } } }, async (request) => {
    if (!(await svc.oauth.setUserActive(request.params.id, request.body.isActive))) throw new ApiError(404, "NOT_FOUND", `No CRM user ${request.params.id}`, "id");
    return { id: request.params.id, isActive: request.body.isActive };
  });
  // The built-in CRM's own custom fields (what `pendulum crm field add` does), for the admin UI.
  app.post("/crm/fields", { schema: { summary: "Adds a custom field to the built-in CRM", body: FieldBody, response: { 201: CreatedField } } }, async (request, reply) => {
    const b = request.body;
    if (b.type === "Picklist" && !b.picklist) throw new ApiError(400, "INVALID_INPUT", "A picklist field needs its values", "picklist");
    if (b.scale !== undefined && b.precision !== undefined && b.scale > b.precision) throw new ApiError(400, "INVALID_INPUT", "Decimal places cannot exceed the total digits", "scale");
    try {
      const { id, object } = await addCustomField(svc.data.db, { ...b, object: b.object ?? "Account" }, svc.clock());
      await svc.data.reload();
      const f = object.byLowerName.get(b.name.toLowerCase());
      return reply.status(201).send({ id, object: object.name, field: f ? { name: f.name, label: f.label, type: f.type, length: f.length, precision: f.precision, scale: f.scale, externalId: f.externalId, unique: f.unique, picklistValues: f.picklistValues } : undefined });
    } catch (e) {
      if (!(e instanceof SfError)) throw e;
      throw new ApiError(e.errorCode === "DUPLICATE_DEVELOPER_NAME" ? 409 : 400, e.errorCode, e.message, FIELD_OF[e.fields[0] ?? ""] ?? "name");
    }
  });
  app.post("/crm/connected-apps", { schema: { body: AppBody, response: { 201: Type.Object({ clientId: Type.String(), clientSecret: Type.String({ description: "Shown once" }) }) } } }, async (request, reply) => {
    (request.body.callbackUrls ?? []).forEach((url, i) => checkCallbackUrl(url, `callbackUrls[${i}]`));
    return reply.status(201).send(await svc.oauth.createConnectedApp(request.body));
  });
  app.post(
    "/crm/connected-apps/:clientId/callback-urls",
    { schema: { summary: "Registers a callback URL on a connected app of the built-in CRM", params: Type.Object({ clientId: Type.String({ maxLength: 255 }) }), body: CallbackBody, response: { 200: Type.Object({ clientId: Type.String(), callbackUrls: Type.Array(Type.String()) }) } } },
    async (request) => {
      checkCallbackUrl(request.body.url, "url");
      const callbackUrls = await svc.oauth.addCallbackUrl(request.params.clientId, request.body.url);
      if (!callbackUrls) throw new ApiError(404, "NOT_FOUND", `No connected app ${request.params.clientId}`, "clientId");
      return { clientId: request.params.clientId, callbackUrls };
    },
  );
}
