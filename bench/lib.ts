import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";

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

/**
 * `engine`: where events live for the benchmarks that have a ClickHouse pass (`--engine clickhouse`
 * runs DuckDB's pass and then ClickHouse's, printing ClickHouse's figures beside DuckDB's).
 */
export type BenchOptions = { scale: "small" | "full"; args: string[]; engine?: "duckdb" | "clickhouse" };

/** Prints a figure in the shared shape; ratio = value / baseline unless given. */
export function printFigure(f: Figure): void {
  const out: Figure = { ...f };
  if (out.ratio === undefined && out.baseline !== undefined && out.baseline !== 0) out.ratio = round(out.value / out.baseline);
  out.value = round(out.value);
  if (out.baseline !== undefined) out.baseline = round(out.baseline);
  if (out.rss_mb === undefined) out.rss_mb = Math.round(process.memoryUsage().rss / 1048576);
  // Comparing engines: run.ts prints the figure once both passes have it.
  if (records.collect) records.collect.push({ ...out, load_avg: loadAverage() });
  else console.log(JSON.stringify(out));
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

/** The value of `--name=value` among a benchmark's arguments, if given. */
export function optionValue(args: readonly string[], name: string): string | undefined {
  const prefix = `--${name}=`;
  const arg = args.find((a) => a.startsWith(prefix));
  return arg === undefined ? undefined : arg.slice(prefix.length);
}

/** The load average over 1, 5 and 15 minutes, as `uptime` shows it, reported beside every compared figure. */
export function loadAverage(): number[] {
  return os.loadavg().map((l) => Math.round(l * 100) / 100);
}

/**
 * Where this pass keeps its records. `npm run bench -- <names> --records postgres` runs each
 * benchmark twice, on SQLite and then on PostgreSQL (run.ts sets `engine` before each pass), and
 * every Pendulum a benchmark starts puts its records where `benchRecordsEnv` says.
 */
export const records: { engine: "sqlite" | "postgres"; collect?: Figure[]; made: string[] } = { engine: "sqlite", made: [] };

/** The PostgreSQL server benchmarks make their databases on: a role that may create databases. */
export function benchPostgresServer(): string {
  const url = process.env["PENDULUM_BENCH_DATABASE_URL"];
  return url && url.trim() !== "" ? url.trim() : "postgres://pendulum_test:pendulum_test@127.0.0.1:5432/postgres";
}

/**
 * The environment a benchmark's Pendulum needs for its records: nothing on the SQLite pass (the
 * data folder's file), a new empty database on the PostgreSQL pass. Always pins the engine, so a
 * PENDULUM_DATABASE_URL in the shell never sends the SQLite pass to PostgreSQL.
 */
export async function benchRecordsEnv(key: string): Promise<Record<string, string>> {
  if (records.engine === "sqlite") return { PENDULUM_DATABASE_URL: "" };
  const server = benchPostgresServer();
  const name = `pendulum_bench_${process.pid}_${createHash("sha256").update(key).digest("hex").slice(0, 12)}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  records.made.push(name);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return { PENDULUM_DATABASE_URL: url.toString() };
}

/**
 * Drops one benchmark database. FORCE ends our own connections, but an autovacuum worker still in
 * the database (after a benchmark that wrote many rows) belongs to the server, which a role
 * without pg_signal_backend may not end: then wait for it and try again, and at worst leave the
 * database behind with a warning rather than lose the figures of the benchmarks still to run.
 */
async function dropWhenFree(admin: pg.Client, name: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      return;
    } catch (err) {
      if (attempt >= 20) {
        console.error(`[bench] could not drop database ${name}: ${err instanceof Error ? err.message : String(err)}; drop it by hand`);
        return;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** Drops the databases this run made (benchmarks remove their data folders themselves). */
export async function dropBenchDatabases(): Promise<void> {
  if (records.made.length === 0) return;
  const admin = new pg.Client({ connectionString: benchPostgresServer() });
  await admin.connect();
  try {
    for (const name of records.made.splice(0)) await dropWhenFree(admin, name);
  } finally {
    await admin.end();
  }
}

/**
 * How many times slower PostgreSQL is than SQLite on one figure (above 1: slower): the ratio of
 * times, or of rates turned round (a rate in x/s is better when higher). Counts (API calls,
 * records) should match, so their ratio is 1 when the engines agree.
 */
export function slowdown(unit: string, sqlite: number, postgres: number): number | undefined {
  if (sqlite === 0 || postgres === 0) return undefined;
  return round(unit.endsWith("/s") ? sqlite / postgres : postgres / sqlite);
}
