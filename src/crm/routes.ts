import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { HttpApp } from "../kernel/index.js";
import type { CrmServices } from "./services.js";
import { sessionOf } from "./request-context.js";
import { authenticate, setupScope } from "./scope.js";
import { collapseCrmSlashes } from "./slashes.js";
import { registerDataRoutes } from "./data-routes.js";
import { registerCompositeRoutes } from "./composite-routes.js";
import { registerBulkRoutes } from "./bulk-routes.js";
import { registerToolingRoutes } from "./tooling-routes.js";
import { registerSearchRoutes } from "./search-routes.js";
import { registerUnsupportedRoutes } from "./unsupported-routes.js";
import { registerOAuthRoutes } from "./oauth-routes.js";
import { versionList } from "./versions.js";

/** Registers `/services/*` and `/id/*` in their own scope: Salesforce's error shape, parsers, auth, limits and faults. */
export async function registerCrmRoutes(app: HttpApp, svc: CrmServices): Promise<void> {
  collapseCrmSlashes(app.server);
  await app.register(
    async (plain) => {
      const scope: HttpApp = plain.withTypeProvider<TypeBoxTypeProvider>();
      setupScope(scope, svc);
      registerOAuthRoutes(scope, svc);
      registerUnsupportedRoutes(scope);
      scope.get("/data", async () => versionList());
      scope.get("/data/", async () => versionList());
      await scope.register(async (plainApi) => {
        const api: HttpApp = plainApi.withTypeProvider<TypeBoxTypeProvider>();
        api.addHook("onRequest", authenticate(svc));
        registerDataRoutes(api, svc);
        registerCompositeRoutes(api, svc);
        registerBulkRoutes(api, svc);
        registerToolingRoutes(api, svc);
        registerSearchRoutes(api, svc);
        api.get("/oauth2/userinfo", async (request) => svc.oauth.identity(sessionOf(request).userId, svc.baseUrl(request), "62.0"));
      });
    },
    { prefix: "/services" },
  );
  await app.register(
    async (plain) => {
      const scope: HttpApp = plain.withTypeProvider<TypeBoxTypeProvider>();
      setupScope(scope, svc);
      scope.addHook("onRequest", authenticate(svc));
      scope.get("/:org/:user", async (request, reply) => {
        const { org, user } = request.params as { org: string; user: string };
        const s = sessionOf(request);
        if (org !== s.orgId || user !== s.userId) return reply.status(403).send([{ message: "You may only read your own identity", errorCode: "INSUFFICIENT_ACCESS" }]);
        return svc.oauth.identity(s.userId, svc.baseUrl(request), "62.0");
      });
    },
    { prefix: "/id" },
  );
}
