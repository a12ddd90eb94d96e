import { addDays } from "../dates.js";
import type { Mapping, ValueSource } from "./definition.js";
import type { SourceRow } from "./run-types.js";

/** The value a mapping or value source gives for one row. */
export function sourceValue(src: ValueSource, row: SourceRow, ruleDate: string): unknown {
  if ("field" in src) return row[src.field] ?? null;
  if ("constant" in src) return src.constant;
  return addDays(ruleDate, src.ruleDate);
}

/** One row mapped to the action's target fields. */
export function mapRow(mappings: Mapping[], row: SourceRow, ruleDate: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const m of mappings) out[m.to] = sourceValue(m, row, ruleDate);
  return out;
}

/** The target fields marked "include in identifiers". */
export function identifiersOf(mappings: Mapping[]): string[] {
  return mappings.filter((m) => m.identifier === true).map((m) => m.to);
}

/** The source fields a list of mappings reads. */
export function fieldsRead(sources: ValueSource[]): string[] {
  return sources.flatMap((s) => ("field" in s ? [s.field] : []));
}

/** A row's key for error reports: its account or id field when it has one. */
export function rowKey(row: SourceRow, accountField: string): string | null {
  const v = row[accountField] ?? row["Id"] ?? row["id"];
  return v === null || v === undefined ? null : String(v);
}
