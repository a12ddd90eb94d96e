/** A line cut to the terminal's width (one column spare), ending in "…" when it was longer. */
export function fitLine(line: string, columns: number | undefined): string {
  const width = Math.max(10, (columns ?? 80) - 1);
  const chars = [...line];
  return chars.length <= width ? line : `${chars.slice(0, width - 1).join("")}…`;
}
