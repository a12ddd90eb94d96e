import type { DuckDbEventStore } from "../../store/index.js";
import type { EntityKind, MetadataStore } from "../metadata.js";
import type { SegmentGroup } from "./definition.js";
import { evaluateSegment } from "./evaluate.js";
import type { SegmentStore } from "./store.js";

/** Segment membership: who is in a saved or ad-hoc segment right now. */
export function createSegmentService(deps: { segments: SegmentStore; metadata: MetadataStore; events: DuckDbEventStore; now: () => number }) {
  const members = async (appId: string, definition: SegmentGroup | null, kind: EntityKind): Promise<Set<string>> => {
    const [accounts, visitors] = await Promise.all([deps.metadata.all(appId, "account"), deps.metadata.all(appId, "visitor")]);
    if (definition === null) return new Set((kind === "account" ? accounts : visitors).map((e) => e.id));
    const links = await deps.metadata.links(appId);
    return evaluateSegment(definition, kind, { appId, now: deps.now(), accounts, visitors, links, conn: deps.events.reader });
  };
  return {
    members,
    /** Members of a saved segment (`everyone` included); undefined when there is no such segment. */
    async membersOf(appId: string, segmentId: string, kind: EntityKind): Promise<Set<string> | undefined> {
      const s = await deps.segments.get(segmentId);
      if (!s) return undefined;
      return members(appId, s.definition, kind);
    },
  };
}

export type SegmentService = ReturnType<typeof createSegmentService>;
