import type { EventsEngine } from "../events-engine.js";
import { Type } from "@sinclair/typebox";
import { ApiError, Deleted } from "../../kernel/index.js";
import type { HttpApp } from "../../kernel/index.js";
import type { PathElement } from "../../store/index.js";
import type { DefinitionUsage } from "../metrics/index.js";
import { buildElementChain, matchElementChain, matchUrl, parseFeatureRule, parseStoredPath, parseUrlRule } from "../tagging/index.js";
import { FeatureList, FeaturePreview, FeatureSchema, PageList, PagePreview, PageSchema, SavedFeature, SavedPage } from "../responses.js";
import type { DefinitionStore } from "./store.js";

export type DefinitionRoutesOptions = { definitions: DefinitionStore; engine: EventsEngine; appId(id: string | undefined): string; now(): number };

/** `?usageDays=N` on a list: each page or feature also gets its use over the last N days. */
const ListQuery = Type.Object({
  app: Type.Optional(Type.String()),
  usageDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 365, description: "Add each one's views or clicks, visitors and accounts over the last N × 24 hours" })),
});
const DAY_MS = 86_400_000;

const PageBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 200 }), rules: Type.Array(Type.String({ minLength: 1, maxLength: 2048 }), { minItems: 1, maxItems: 50 }), app: Type.Optional(Type.String()) },
  { additionalProperties: false },
);
const FeatureBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 200 }), selector: Type.String({ minLength: 1, maxLength: 2048 }), app: Type.Optional(Type.String()) },
  { additionalProperties: false },
);
const Id = Type.Object({ id: Type.String({ maxLength: 64 }) });

/** Refuses the first invalid URL rule, naming it and the character where it goes wrong. */
function checkPageRules(rules: readonly string[]): void {
  rules.forEach((r, i) => {
    const parsed = parseUrlRule(r);
    if (!parsed.ok) throw new ApiError(400, "INVALID_RULE", `${parsed.error.message} (at character ${parsed.error.position + 1})`, `rules[${i}]`, { position: parsed.error.position });
  });
}

function checkSelector(selector: string): void {
  const parsed = parseFeatureRule(selector);
  if (!parsed.ok) {
    const at = parsed.error.position === null ? "" : ` (at character ${parsed.error.position + 1})`;
    throw new ApiError(400, "INVALID_RULE", `${parsed.error.message}${at}`, "selector", { position: parsed.error.position });
  }
}

/** `/api/v1/pages` and `/api/v1/features`: rules applied retroactively over stored history. */
export function registerDefinitionRoutes(app: HttpApp, o: DefinitionRoutesOptions): void {
  const { definitions } = o;

  /** Items of a list with `usage` added when asked (zeros for those without use in the window). */
  const withUsage = async <T extends { id: string }>(items: T[], appId: string, kind: "pages" | "features", days: number | undefined): Promise<(T & { usage?: DefinitionUsage & { days: number } })[]> => {
    if (days === undefined) return items;
    const usage = await o.engine.definitionUsage(appId, kind, o.now() - days * DAY_MS);
    return items.map((i) => ({ ...i, usage: { days, ...(usage.get(i.id) ?? { events: 0, visitors: 0, accounts: 0 }) } }));
  };
  app.get("/pages", { schema: { tags: ["pages"], querystring: ListQuery, response: { 200: PageList } } }, async (req) => {
    const appId = o.appId(req.query.app);
    return { pages: await withUsage(definitions.pages(appId), appId, "pages", req.query.usageDays) };
  });
  app.get("/pages/:id", { schema: { tags: ["pages"], params: Id, response: { 200: PageSchema } } }, async (req) => {
    const p = definitions.page(req.params.id);
    if (!p) throw new ApiError(404, "NOT_FOUND", `No page ${req.params.id}`, "id");
    return p;
  });
  const savePage = async (id: string | undefined, body: { name: string; rules: string[]; app?: string }) => {
    checkPageRules(body.rules);
    const page = await definitions.savePage({ ...(id ? { id } : {}), appId: o.appId(body.app), name: body.name, rules: body.rules });
    const applied = await o.engine.applyPageRule(page.id, page.rules);
    return { ...page, matchedUrls: applied.ok ? applied.value.matched : 0 };
  };
  app.post("/pages", { schema: { tags: ["pages"], body: PageBody, response: { 201: SavedPage } } }, async (req, reply) => {
    reply.status(201);
    return savePage(undefined, req.body);
  });
  app.put("/pages/:id", { schema: { tags: ["pages"], params: Id, body: PageBody, response: { 200: SavedPage } } }, async (req) => {
    if (!definitions.page(req.params.id)) throw new ApiError(404, "NOT_FOUND", `No page ${req.params.id}`, "id");
    return savePage(req.params.id, req.body);
  });
  app.delete("/pages/:id", { schema: { tags: ["pages"], params: Id, response: { 200: Deleted } } }, async (req) => {
    if (!(await definitions.deletePage(req.params.id))) throw new ApiError(404, "NOT_FOUND", `No page ${req.params.id}`, "id");
    await o.engine.removePage(req.params.id);
    return { deleted: true };
  });
  app.post(
    "/pages/preview",
    { schema: { tags: ["pages"], summary: "Stored URLs a rule set would match, before saving", body: Type.Object({ rules: PageBody.properties.rules, limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })) }), response: { 200: PagePreview } } },
    async (req) => {
      checkPageRules(req.body.rules);
      const compiled = req.body.rules.map((r) => parseUrlRule(r));
      const matches: string[] = [];
      let matched = 0;
      await o.engine.scanDictionary("urls", (url) => {
        if (compiled.some((c) => c.ok && matchUrl(c.value, url))) {
          matched++;
          if (matches.length < (req.body.limit ?? 20)) matches.push(url);
        }
      });
      return { matchedUrls: matched, sample: matches };
    },
  );

  app.get("/features", { schema: { tags: ["features"], querystring: ListQuery, response: { 200: FeatureList } } }, async (req) => {
    const appId = o.appId(req.query.app);
    return { features: await withUsage(definitions.features(appId), appId, "features", req.query.usageDays) };
  });
  app.get("/features/:id", { schema: { tags: ["features"], params: Id, response: { 200: FeatureSchema } } }, async (req) => {
    const f = definitions.feature(req.params.id);
    if (!f) throw new ApiError(404, "NOT_FOUND", `No feature ${req.params.id}`, "id");
    return f;
  });
  const saveFeature = async (id: string | undefined, body: { name: string; selector: string; app?: string }) => {
    checkSelector(body.selector);
    const feature = await definitions.saveFeature({ ...(id ? { id } : {}), appId: o.appId(body.app), name: body.name, selector: body.selector });
    const applied = await o.engine.applyFeatureRule(feature.id, feature.selector);
    return { ...feature, matchedElements: applied.ok ? applied.value.matched : 0 };
  };
  app.post("/features", { schema: { tags: ["features"], body: FeatureBody, response: { 201: SavedFeature } } }, async (req, reply) => {
    reply.status(201);
    return saveFeature(undefined, req.body);
  });
  app.put("/features/:id", { schema: { tags: ["features"], params: Id, body: FeatureBody, response: { 200: SavedFeature } } }, async (req) => {
    if (!definitions.feature(req.params.id)) throw new ApiError(404, "NOT_FOUND", `No feature ${req.params.id}`, "id");
    return saveFeature(req.params.id, req.body);
  });
  app.delete("/features/:id", { schema: { tags: ["features"], params: Id, response: { 200: Deleted } } }, async (req) => {
    if (!(await definitions.deleteFeature(req.params.id))) throw new ApiError(404, "NOT_FOUND", `No feature ${req.params.id}`, "id");
    await o.engine.removeFeature(req.params.id);
    return { deleted: true };
  });
  app.post(
    "/features/preview",
    {
      schema: {
        tags: ["features"],
        summary: "Stored click paths a selector would match, before saving",
        body: Type.Object({ selector: FeatureBody.properties.selector, limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })) }, { additionalProperties: false }),
        response: { 200: FeaturePreview },
      },
    },
    async (req) => {
      checkSelector(req.body.selector);
      const parsed = parseFeatureRule(req.body.selector);
      if (!parsed.ok) return { matchedElements: 0, sample: [] };
      // Each sample is a stored click path, innermost element first, as the agent sent it.
      const sample: PathElement[][] = [];
      let matched = 0;
      await o.engine.scanDictionary("elements", (value) => {
        const path = parseStoredPath(value);
        if (!path || path.length === 0 || !matchElementChain(parsed.value, buildElementChain(path))) return;
        matched++;
        if (sample.length < (req.body.limit ?? 20)) sample.push(path);
      });
      return { matchedElements: matched, sample };
    },
  );
}
