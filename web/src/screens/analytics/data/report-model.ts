// Saved reports as the server types them (type-only: nothing of the server is bundled), shared by
// the report screens and the CRM push dialog.
import type { Column, Report, ReportRange, ReportResult } from "../../../../../src/analytics/reports/index.js";

export type { Report, ReportRange };
/** A column a report can show: id, label and the kind of value it holds. */
export type ReportColumn = Column;
/** `/reports/:id/results`: the report's rows with the report it ran and the page asked for. */
export type ReportResults = ReportResult & { report: Pick<Report, "id" | "name" | "kind">; limit: number; offset: number };

/** A report's date range in words. */
export function rangeLabel(r: ReportRange): string {
  if ("last" in r) return r.last === 1 ? "Today" : `Last ${r.last} days`;
  return `${r.from} to ${r.to}`;
}
