/** A Bulk API 2.0 CSV cell: `#N/A` clears a field; text is quoted when it must be. */
export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return "#N/A";
  const s = typeof v === "string" ? v : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV for a Bulk API 2.0 upload: a header of field names, one line per record. */
export function toCsv(fields: string[], records: Record<string, unknown>[]): string {
  const lines = [fields.join(",")];
  for (const r of records) lines.push(fields.map((f) => csvCell(r[f])).join(","));
  return `${lines.join("\n")}\n`;
}
