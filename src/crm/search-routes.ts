import { Type } from "@sinclair/typebox";
import type { HttpApp } from "../kernel/index.js";
import { opContext } from "./request-context.js";
import { runSearch } from "./search.js";
import type { CrmServices } from "./services.js";
import { parameterizedSearch, parameterizedSearchFromQuery, parseSosl, type ParameterizedSearch, malformedSearch } from "./sosl.js";

const SearchQuery = Type.Object({ q: Type.Optional(Type.String()) }, { additionalProperties: true });

/** `/search` (SOSL) and `/parameterizedSearch` (GET parameters or a POST body). */
export function registerSearchRoutes(api: HttpApp, svc: CrmServices): void {
  for (const path of ["/data/:version/search", "/data/:version/search/"]) {
    api.get(path, { schema: { querystring: SearchQuery } }, async (request) => {
      const ctx = opContext(request);
      if (!request.query.q) throw malformedSearch("A search needs the q parameter");
      return runSearch(svc.data, svc.queries, parseSosl(request.query.q), ctx.version);
    });
  }
  for (const path of ["/data/:version/parameterizedSearch", "/data/:version/parameterizedSearch/"]) {
    api.get(path, async (request) => {
      const ctx = opContext(request);
      return runSearch(svc.data, svc.queries, parameterizedSearch(parameterizedSearchFromQuery(request.query as Record<string, unknown>)), ctx.version);
    });
    api.post(path, async (request) => {
      const ctx = opContext(request);
      const body = request.body;
      if (typeof body !== "object" || body === null || Array.isArray(body)) throw malformedSearch("A parameterized search body is a JSON object with q");
      return runSearch(svc.data, svc.queries, parameterizedSearch(body as ParameterizedSearch), ctx.version);
    });
  }
}
