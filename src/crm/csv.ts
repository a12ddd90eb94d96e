/** Bulk API 2.0 column delimiters by name. */
export const DELIMITERS: Record<string, string> = { COMMA: ",", TAB: "\t", PIPE: "|", SEMICOLON: ";", CARET: "^", BACKQUOTE: "`" };

/** Parses RFC 4180 CSV (quoted fields, doubled quotes, LF or CRLF) into rows of strings. */
export function parseCsv(text: string, delimiter = ","): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let i = 0;
  const n = text.length;
  const d = delimiter.charCodeAt(0);
  let start = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (quoted) {
      if (c === 34) {
        if (text.charCodeAt(i + 1) === 34) {
          field += text.slice(start, i + 1);
          i += 2;
          start = i;
          continue;
        }
        field += text.slice(start, i);
        quoted = false;
        i++;
        start = i;
        continue;
      }
      i++;
      continue;
    }
    if (c === 34 && i === start && field === "") {
      quoted = true;
      i++;
      start = i;
      continue;
    }
    if (c === d) {
      row.push(field + text.slice(start, i));
      field = "";
      i++;
      start = i;
      continue;
    }
    if (c === 10 || c === 13) {
      row.push(field + text.slice(start, i));
      field = "";
      rows.push(row);
      row = [];
      i += c === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1;
      start = i;
      continue;
    }
    i++;
  }
  if (quoted) throw new Error("Unterminated quoted field at the end of the CSV data");
  if (start < n || field !== "" || row.length > 0) {
    row.push(field + text.slice(start, n));
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0] === ""));
}

/** Quotes one CSV value when it needs it. */
export function csvValue(v: string, delimiter = ","): string {
  return v.includes('"') || v.includes(delimiter) || v.includes("\n") || v.includes("\r") ? `"${v.replace(/"/g, '""')}"` : v;
}

/** Writes rows as CSV with the given line ending. */
export function toCsv(rows: string[][], delimiter = ",", lineEnding = "\n"): string {
  return rows.map((r) => r.map((v) => csvValue(v, delimiter)).join(delimiter)).join(lineEnding) + (rows.length > 0 ? lineEnding : "");
}
