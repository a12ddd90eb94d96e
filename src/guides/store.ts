import crypto from "node:crypto";
import type { Records } from "../store/index.js";
import { DEFAULT_THROTTLE, type Guide, type GuideInput, type Step, type ThrottleSettings } from "./model.js";
import { renderContent } from "./sanitize.js";
import type { GuidesTables } from "./tables.js";

type Definition = Pick<Guide, "schedule" | "steps" | "activation" | "targeting" | "frequency">;

function toGuide(r: GuidesTables["guides"]): Guide {
  const d = JSON.parse(r.definition) as Definition;
  return { id: r.id, appId: r.app_id, name: r.name, status: r.status as Guide["status"], priority: Number(r.priority), ...d, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at) };
}

/** Content is stored sanitised, so what an admin reads back is what visitors see. */
function cleanStep(s: Step): Step {
  const { format, ...rest } = s;
  return { ...rest, content: renderContent(s.content, format ?? "markdown"), format: "html" };
}

/** Fills defaults: automatic, everyone on any page, until dismissed, priority 0, draft. */
export function normalise(input: GuideInput, appId: string): Omit<Guide, "id" | "createdAt" | "updatedAt"> {
  return {
    appId,
    name: input.name,
    status: input.status ?? "draft",
    schedule: input.schedule ?? null,
    steps: input.steps.map(cleanStep),
    activation: input.activation ?? { type: "automatic" },
    targeting: { segment: input.targeting?.segment ?? "everyone", page: input.targeting?.page ?? null },
    frequency: input.frequency ?? "untilDismissed",
    priority: input.priority ?? 0,
  };
}

/** Guides and app guide settings over the records store, every guide held in memory for delivery. */
export function createGuideStore(records: Records, now: () => number, written: () => void = () => undefined) {
  const db = records.db.withTables<GuidesTables>();
  const byId = new Map<string, Guide>();
  const settings = new Map<string, ThrottleSettings>();
  const listeners: (() => void)[] = [];
  const changed = (): void => listeners.forEach((l) => l());

  return {
    async load(): Promise<void> {
      const guides = await db.selectFrom("guides").selectAll().execute();
      const saved = await db.selectFrom("guide_settings").selectAll().execute();
      // Swapped in one synchronous step: delivery never sees a half-loaded set.
      byId.clear();
      settings.clear();
      for (const r of guides) byId.set(r.id, toGuide(r));
      for (const r of saved) settings.set(r.app_id, { ...DEFAULT_THROTTLE, ...(JSON.parse(r.settings) as Partial<ThrottleSettings>) });
    },
    /** Loads again after another process changed guides or settings, and lets delivery rebuild. */
    async reload(): Promise<void> {
      await this.load();
      changed();
    },
    /** Called after any guide changes (the delivery cache rebuilds). */
    onChange(fn: () => void): void {
      listeners.push(fn);
    },
    list(appId: string): Guide[] {
      return [...byId.values()].filter((g) => g.appId === appId).sort((a, b) => a.createdAt - b.createdAt);
    },
    all(): Guide[] {
      return [...byId.values()];
    },
    get(id: string): Guide | undefined {
      return byId.get(id);
    },
    async save(input: GuideInput, appId: string, id?: string): Promise<Guide> {
      const g = normalise(input, appId);
      const t = now();
      const existing = id ? byId.get(id) : undefined;
      const guide: Guide = { ...g, id: existing?.id ?? crypto.randomUUID(), createdAt: existing?.createdAt ?? t, updatedAt: t };
      const definition = JSON.stringify({ schedule: guide.schedule, steps: guide.steps, activation: guide.activation, targeting: guide.targeting, frequency: guide.frequency } satisfies Definition);
      const row = { id: guide.id, app_id: appId, name: guide.name, status: guide.status, priority: guide.priority, definition, created_at: guide.createdAt, updated_at: t };
      if (existing) await db.updateTable("guides").set(row).where("id", "=", guide.id).execute();
      else await db.insertInto("guides").values(row).execute();
      byId.set(guide.id, guide);
      changed();
      written();
      return guide;
    },
    async setStatus(id: string, status: Guide["status"]): Promise<Guide | undefined> {
      const g = byId.get(id);
      if (!g) return undefined;
      const next = { ...g, status, updatedAt: now() };
      await db.updateTable("guides").set({ status, updated_at: next.updatedAt }).where("id", "=", id).execute();
      byId.set(id, next);
      changed();
      written();
      return next;
    },
    async delete(id: string): Promise<boolean> {
      if (!byId.has(id)) return false;
      await db.deleteFrom("guides").where("id", "=", id).execute();
      byId.delete(id);
      changed();
      written();
      return true;
    },
    throttle(appId: string): ThrottleSettings {
      return settings.get(appId) ?? DEFAULT_THROTTLE;
    },
    async setThrottle(appId: string, value: ThrottleSettings): Promise<ThrottleSettings> {
      const json = JSON.stringify(value);
      await db.insertInto("guide_settings").values({ app_id: appId, settings: json }).onConflict((oc) => oc.column("app_id").doUpdateSet({ settings: json })).execute();
      settings.set(appId, value);
      written();
      return value;
    },
  };
}

export type GuideStore = ReturnType<typeof createGuideStore>;
