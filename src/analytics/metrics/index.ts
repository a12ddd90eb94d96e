/** Metrics: rollups kept current by the flusher, and account / visitor reports read from them. */
export { ensureRollupTables, updateRollups } from "./rollups.js";
export { definitionUsage, type DefinitionUsage } from "./definition-usage.js";
export { accountMetrics, rawAccountMetrics, rawVisitorMetrics, visitorMetrics } from "./report.js";
export { localRange, offsetMinutes, type LocalRange, type MetricsInputError } from "./time-zone.js";
export type { AccountMetricsRow, MetricsFields, MetricsQuery, MetricsResult, VisitorMetricsQuery, VisitorMetricsRow } from "./types.js";
