import type { CrmData } from "./data.js";
import type { QueryEngine } from "./query.js";

/** Bulk API 2.0 jobs. */
export type BulkJobs = ReturnType<typeof createBulkJobs>;

/** Builds the in-memory job registry. */
export function createBulkJobs(_data: CrmData, _queries: QueryEngine, _clock: () => number) {
  return {};
}
