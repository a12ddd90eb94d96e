import type { EntityKind } from "./metadata.js";

/** NPS groups by answer (0–6 detractor, 7–8 passive, 9–10 promoter). */
export type NpsCategory = "promoter" | "passive" | "detractor";

/** One account's or visitor's NPS over a range: score −100…100 (null without answers), answers counted, latest answer. */
export type EntityNps = { id: string; score: number | null; responses: number; latest: number | null };

/** One account's or visitor's guide activity over a range: guide displays, and how many were completed or dismissed. */
export type EntityGuideCounts = { id: string; views: number; completed: number; dismissed: number };

/**
 * What analytics reads about guides and NPS. Analytics never imports the guides module: the
 * guides module hands an implementation to `AnalyticsModule.setGuideDataSource` when it starts.
 * Ranges are instants [from, to) in epoch milliseconds.
 */
export type GuideDataSource = {
  nps(appId: string, kind: EntityKind, from: number, to: number): Promise<EntityNps[]>;
  guideCounts(appId: string, kind: EntityKind, from: number, to: number): Promise<EntityGuideCounts[]>;
  /** Each account's or visitor's category by its latest NPS answer in [from, to). */
  npsCategories(appId: string, kind: EntityKind, from: number, to: number): Promise<Map<string, NpsCategory>>;
};

/** Holds the source once guides plug it in; empty while the guides module is not loaded. */
export type GuideDataSlot = { get(): GuideDataSource | undefined; set(source: GuideDataSource | undefined): void };

export function createGuideDataSlot(): GuideDataSlot {
  let current: GuideDataSource | undefined;
  return {
    get: () => current,
    set(source) {
      current = source;
    },
  };
}

/** The explanation given when NPS or guide data is asked for and nothing supplies it. */
export const GUIDES_NOT_LOADED = "needs the guides module, which is not loaded in this Pendulum";
