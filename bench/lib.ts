/** One benchmark figure, printed as one line of JSON. */
export type Figure = {
  bench: string;
  value: number;
  unit: string;
  baseline?: number;
  ratio?: number;
  rss_mb?: number;
  [extra: string]: unknown;
};

export type BenchOptions = { scale: "small" | "full"; args: string[] };

/** Prints a figure in the shared shape; ratio = value / baseline unless given. */
export function printFigure(f: Figure): void {
  const out: Figure = { ...f };
  if (out.ratio === undefined && out.baseline !== undefined && out.baseline !== 0) out.ratio = round(out.value / out.baseline);
  out.value = round(out.value);
  if (out.baseline !== undefined) out.baseline = round(out.baseline);
  if (out.rss_mb === undefined) out.rss_mb = Math.round(process.memoryUsage().rss / 1048576);
  console.log(JSON.stringify(out));
}

export function round(n: number): number {
  return Math.abs(n) >= 100 ? Math.round(n) : Math.round(n * 1000) / 1000;
}

/** Seconds since `start` (from performance.now()). */
export function seconds(start: number): number {
  return (performance.now() - start) / 1000;
}
