export { columnValue, isGuideColumn, metricColumns, resolveColumn, type Column, type GuideValues, type ColumnType, type ReportKind, type ReportValue } from "./columns.js";
export { createReportStore, reportsMigrations, type Report, type ReportRange, type ReportStore } from "./store.js";
export { createReportService, localDate, resolveRange, type ReportResult, type ReportRow, type ReportService } from "./service.js";
export { registerReportRoutes, reportCsv } from "./routes.js";
