import crypto from "node:crypto";
import type { Kysely } from "kysely";
import type { ModuleMigrations, Records } from "../../store/index.js";
import type { RuleSet } from "../tagging/index.js";

/** A page: named URL rules (OR-ed). */
export type Page = { id: string; appId: string; name: string; rules: string[]; createdAt: number; updatedAt: number };
/** A feature: a named CSS selector over clicked elements and their ancestors. */
export type Feature = { id: string; appId: string; name: string; selector: string; createdAt: number; updatedAt: number };

type DefinitionTables = {
  pages: { id: string; app_id: string; name: string; rules: string; created_at: number; updated_at: number };
  features: { id: string; app_id: string; name: string; selector: string; created_at: number; updated_at: number };
};

export const definitionsMigrations: ModuleMigrations = {
  "analytics-0003-pages-features": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("pages")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("app_id", "text", (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("rules", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("features")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("app_id", "text", (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("selector", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();
    },
  },
};

/** Pages and features over the records store, with an in-memory copy for the flusher's mapping. */
export function createDefinitionStore(records: Records, now: () => number = Date.now) {
  const db = records.db.withTables<DefinitionTables>();
  const pages = new Map<string, Page>();
  const features = new Map<string, Feature>();

  return {
    async load(): Promise<void> {
      for (const r of await db.selectFrom("pages").selectAll().execute()) {
        pages.set(r.id, { id: r.id, appId: r.app_id, name: r.name, rules: JSON.parse(r.rules) as string[], createdAt: Number(r.created_at), updatedAt: Number(r.updated_at) });
      }
      for (const r of await db.selectFrom("features").selectAll().execute()) {
        features.set(r.id, { id: r.id, appId: r.app_id, name: r.name, selector: r.selector, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at) });
      }
    },
    /** Every page and feature, for mapping new dictionary entries. */
    ruleSet(): RuleSet {
      return {
        pages: [...pages.values()].map((p) => ({ pageId: p.id, rules: p.rules })),
        features: [...features.values()].map((f) => ({ featureId: f.id, selector: f.selector })),
      };
    },
    pages: (appId: string): Page[] => [...pages.values()].filter((p) => p.appId === appId).sort((a, b) => a.name.localeCompare(b.name)),
    features: (appId: string): Feature[] => [...features.values()].filter((f) => f.appId === appId).sort((a, b) => a.name.localeCompare(b.name)),
    page: (id: string): Page | undefined => pages.get(id),
    feature: (id: string): Feature | undefined => features.get(id),
    async savePage(input: { id?: string; appId: string; name: string; rules: string[] }): Promise<Page> {
      const existing = input.id ? pages.get(input.id) : undefined;
      const page: Page = { id: existing?.id ?? crypto.randomUUID(), appId: input.appId, name: input.name, rules: input.rules, createdAt: existing?.createdAt ?? now(), updatedAt: now() };
      const row = { id: page.id, app_id: page.appId, name: page.name, rules: JSON.stringify(page.rules), created_at: page.createdAt, updated_at: page.updatedAt };
      if (existing) await db.updateTable("pages").set(row).where("id", "=", page.id).execute();
      else await db.insertInto("pages").values(row).execute();
      pages.set(page.id, page);
      return page;
    },
    async saveFeature(input: { id?: string; appId: string; name: string; selector: string }): Promise<Feature> {
      const existing = input.id ? features.get(input.id) : undefined;
      const feature: Feature = { id: existing?.id ?? crypto.randomUUID(), appId: input.appId, name: input.name, selector: input.selector, createdAt: existing?.createdAt ?? now(), updatedAt: now() };
      const row = { id: feature.id, app_id: feature.appId, name: feature.name, selector: feature.selector, created_at: feature.createdAt, updated_at: feature.updatedAt };
      if (existing) await db.updateTable("features").set(row).where("id", "=", feature.id).execute();
      else await db.insertInto("features").values(row).execute();
      features.set(feature.id, feature);
      return feature;
    },
    async deletePage(id: string): Promise<boolean> {
      await db.deleteFrom("pages").where("id", "=", id).execute();
      return pages.delete(id);
    },
    async deleteFeature(id: string): Promise<boolean> {
      await db.deleteFrom("features").where("id", "=", id).execute();
      return features.delete(id);
    },
  };
}

export type DefinitionStore = ReturnType<typeof createDefinitionStore>;
