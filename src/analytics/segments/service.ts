import type { EventsEngine } from "../events-engine.js";
import type { GuideDataSource } from "../guide-data.js";
import type { Entity, EntityKind, MetadataStore } from "../metadata.js";
import type { SegmentGroup } from "./definition.js";
import { evaluateSegment } from "./evaluate.js";
import type { SegmentStore } from "./store.js";

/** Lets queued I/O callbacks (HTTP requests) run between long synchronous evaluations. */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Segment membership: who is in a saved or ad-hoc segment right now. */
export function createSegmentService(deps: { segments: SegmentStore; metadata: MetadataStore; events: EventsEngine; now: () => number; guideData?: () => GuideDataSource | undefined }) {
  type Loaded = { accounts: Entity[]; visitors: Entity[]; links?: { visitorId: string; accountId: string }[] };
  const load = async (appId: string): Promise<Loaded> => {
    const [accounts, visitors] = await Promise.all([deps.metadata.all(appId, "account"), deps.metadata.all(appId, "visitor")]);
    return { accounts, visitors };
  };
  const evaluate = async (appId: string, data: Loaded, definition: SegmentGroup | null, kind: EntityKind): Promise<Set<string>> => {
    if (definition === null) return new Set((kind === "account" ? data.accounts : data.visitors).map((e) => e.id));
    // Links are only read when a real definition needs them (`everyone` does not).
    data.links ??= await deps.metadata.links(appId);
    const guideData = deps.guideData?.();
    return evaluateSegment(definition, kind, { appId, now: deps.now(), accounts: data.accounts, visitors: data.visitors, links: data.links, events: deps.events, ...(guideData ? { guideData } : {}) });
  };
  const members = async (appId: string, definition: SegmentGroup | null, kind: EntityKind): Promise<Set<string>> => evaluate(appId, await load(appId), definition, kind);
  return {
    members,
    /** Whether NPS rules can be evaluated (the guides module is loaded). */
    hasGuideData: (): boolean => deps.guideData?.() !== undefined,
    /** Members of a saved segment (`everyone` included); undefined when there is no such segment. */
    async membersOf(appId: string, segmentId: string, kind: EntityKind): Promise<Set<string> | undefined> {
      const s = await deps.segments.get(segmentId);
      if (!s) return undefined;
      return members(appId, s.definition, kind);
    },
    /**
     * Members of many saved segments at once: metadata and links are read once for all of them
     * (reading them per segment was most of a refresh), and the event loop gets a turn between
     * segments so a refresh running beside live traffic does not hold requests for its whole length.
     * A segment that does not exist maps to undefined.
     */
    async membersOfMany(appId: string, segmentIds: readonly string[], kind: EntityKind): Promise<Map<string, Set<string> | undefined>> {
      const out = new Map<string, Set<string> | undefined>();
      let data: Loaded | undefined;
      for (const id of segmentIds) {
        if (out.has(id)) continue;
        const s = await deps.segments.get(id);
        if (!s) {
          out.set(id, undefined);
          continue;
        }
        if (data) await yieldToEventLoop();
        data ??= await load(appId);
        out.set(id, await evaluate(appId, data, s.definition, kind));
      }
      return out;
    },
    /** Whether a saved segment exists, without evaluating it. */
    async exists(segmentId: string): Promise<boolean> {
      return (await deps.segments.get(segmentId)) !== undefined;
    },
  };
}

export type SegmentService = ReturnType<typeof createSegmentService>;
