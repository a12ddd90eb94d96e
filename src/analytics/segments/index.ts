export { BehaviorRule, EVERYONE, MetadataRule, NpsRule, SegmentGroup } from "./definition.js";
export type { SegmentRule } from "./definition.js";
export { checkSegment, evaluateSegment, metadataMatches, type SegmentData } from "./evaluate.js";
export { createSegmentStore, segmentsMigrations, type Segment, type SegmentStore } from "./store.js";
export { createSegmentService, type SegmentService } from "./service.js";
export { registerSegmentRoutes } from "./routes.js";
