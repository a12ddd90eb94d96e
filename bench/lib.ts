import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

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

/** The newest modification time (ms) of the .ts files under a directory. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (entry.name.endsWith(".ts")) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Makes sure dist/ holds the server built from the current sources (`tsc -p tsconfig.build.json`,
 * about 30 s, only when a source is newer), for benchmarks that run the server as `npm start` does.
 */
export function ensureBuiltServer(): void {
  const entry = path.join("dist", "cli", "main.js");
  if (fs.existsSync(entry) && fs.statSync(entry).mtimeMs >= newestSource("src")) return;
  console.error("[bench] building the server (dist/ is older than src/)");
  const r = spawnSync(process.execPath, [path.join("node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"], { stdio: "inherit" });
  if (r.status !== 0) throw new Error("tsc -p tsconfig.build.json failed");
}
