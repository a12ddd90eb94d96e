// The ingest path of analytics: validation, the durable log, the flusher into the event store and
// the bulk loader beside it, opened together by `openIngestPipeline` (ADR 0008).
export { openIngestPipeline } from "./pipeline.js";
export type { IngestPipeline, IngestPipelineDeps } from "./pipeline.js";
export { createSharedKeys, logOwnerId, sharedKeyMigrations } from "./shared-keys.js";
export type { ClaimRecord, SharedKeys } from "./shared-keys.js";
export { idempotencyKey, registerIngestRoutes } from "./routes.js";
export type { IngestRoutesOptions } from "./routes.js";
export { answerOf } from "./service.js";
export type { IngestResult, IngestService } from "./service.js";
export type { AfterFlush, Flusher } from "./flusher.js";
export type { BulkLoader, BulkLoadResult, BulkProgress, BulkSqlSource } from "./bulk.js";
export type { AcceptedBatch, AcceptedEvent } from "./accepted.js";
export { canonicalPath } from "./validate.js";
export * from "./schema.js";
