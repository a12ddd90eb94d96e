import { Type } from "@sinclair/typebox";
import type { HttpApp } from "../server/http.js";
import { ApiError } from "../server/errors.js";
import { FAULT_KINDS } from "./faults.js";
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
    redirectUri: Type.Optional(Type.String()),
    publicKeyPem: Type.Optional(Type.String()),
    runAsUsername: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

/** Admin API under /api/v1/crm: fault injection, API budget, users and connected apps. */
export function registerAdminRoutes(app: HttpApp, svc: CrmServices): void {
  app.post("/crm/faults", { schema: { body: FaultBody } }, async (request) => svc.faults.configure(request.body));
  app.delete("/crm/faults", async () => svc.faults.configure({ share: 0 }));
  app.get("/crm/faults", async () => svc.faults.settings());
  app.get("/crm/limits", async () => svc.limits.usage());
  app.post("/crm/limits", { schema: { body: LimitsBody } }, async (request) => {
    if (request.body.dailyApiRequests !== undefined) svc.limits.setAllocation(request.body.dailyApiRequests);
    if (request.body.resetUsage) svc.limits.reset();
    return svc.limits.usage();
  });
  app.post("/crm/users", { schema: { body: UserBody } }, async (request, reply) => {
    const id = await svc.oauth.createUser(request.body).catch((e: unknown) => {
      throw new ApiError(409, "USERNAME_TAKEN", `Could not create the user: ${e instanceof Error ? e.message : String(e)}`, "username");
    });
    return reply.status(201).send({ id });
  });
  app.patch("/crm/users/:id", { schema: { body: UserPatch, params: Type.Object({ id: Type.String() }) } }, async (request) => {
    if (!(await svc.oauth.setUserActive(request.params.id, request.body.isActive))) throw new ApiError(404, "NOT_FOUND", `No CRM user ${request.params.id}`, "id");
    return { id: request.params.id, isActive: request.body.isActive };
  });
  app.post("/crm/connected-apps", { schema: { body: AppBody } }, async (request, reply) => reply.status(201).send(await svc.oauth.createConnectedApp(request.body)));
}
