import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dropBenchDatabases, loadAverage, records, slowdown, type BenchOptions, type Figure } from "./lib.js";

/** Benchmarks with a ClickHouse pass (`--engine clickhouse`). */
const CLICKHOUSE_PASSES = ["ingest", "report"];

const here = path.dirname(fileURLToPath(import.meta.url));
const available = fs
  .readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .map((f) => f.replace(/\.bench\.ts$/, ""))
  .sort();

const argv = process.argv.slice(2);
if (argv.includes("--help") || argv.includes("-h")) {
  console.log(
    `Usage: npm run bench -- [name ...] [--scale small|full] [--records postgres] [--engine clickhouse]\n\nBenchmarks: ${available.join(", ")}\nWith no name, every benchmark runs. Each prints one JSON line per figure.\n` +
      `--engine clickhouse adds a ClickHouse pass to the benchmarks that have one (${CLICKHOUSE_PASSES.join(", ")}), its figures printed beside\n` +
      `DuckDB's from the same run: report generates the same data inside ClickHouse on PENDULUM_TEST_CLICKHOUSE_URL (default\n` +
      `http://127.0.0.1:8123); ingest runs the server-mode benchmark (a server-mode process beside one with events in DuckDB).\n` +
      `--records postgres runs each benchmark twice, records on SQLite and then on PostgreSQL (a new database per Pendulum on\n` +
      `PENDULUM_BENCH_DATABASE_URL, default the test role on 127.0.0.1), and prints each PostgreSQL figure beside SQLite's with\n` +
      `pg_slowdown (PostgreSQL's time / SQLite's, or SQLite's rate / PostgreSQL's) and the load average.`,
  );
  process.exit(0);
}
const scaleAt = argv.indexOf("--scale");
const scale = scaleAt >= 0 ? argv[scaleAt + 1] : "full";
if (scale !== "small" && scale !== "full") {
  console.error(`--scale must be small or full, got ${scale}`);
  process.exit(2);
}
const recordsAt = argv.indexOf("--records");
const compare = recordsAt >= 0 ? argv[recordsAt + 1] : process.env["PENDULUM_BENCH_DATABASE_URL"] ? "postgres" : "sqlite";
if (compare !== "sqlite" && compare !== "postgres") {
  console.error(`--records must be sqlite or postgres, got ${compare}`);
  process.exit(2);
}
const engineAt = argv.indexOf("--engine");
const engine = engineAt >= 0 ? argv[engineAt + 1] : "duckdb";
if (engine !== "duckdb" && engine !== "clickhouse") {
  console.error(`--engine must be duckdb or clickhouse, got ${engine}`);
  process.exit(2);
}
const names = argv.filter((a, i) => !a.startsWith("--") && !["--scale", "--records", "--events", "--engine"].includes(argv[i - 1] ?? ""));
for (const n of names) {
  if (!available.includes(n)) {
    console.error(`Unknown benchmark "${n}". Available: ${available.join(", ")}`);
    process.exit(2);
  }
}
const options: BenchOptions = { scale, args: argv, engine };
for (const name of names.length > 0 ? names : available) {
  if (engine === "clickhouse" && !CLICKHOUSE_PASSES.includes(name)) {
    console.error(`[bench] ${name}: no ClickHouse pass (benchmarks with one: ${CLICKHOUSE_PASSES.join(", ")}); running its DuckDB figures only`);
  }
  const mod = (await import(pathToFileURL(path.join(here, `${name}.bench.ts`)).href)) as { run(o: BenchOptions): Promise<void> };
  if (compare === "sqlite") {
    await mod.run(options);
    continue;
  }
  // The same benchmark on both engines in this run, SQLite first; figures are paired by name.
  const passes: Record<"sqlite" | "postgres", Figure[]> = { sqlite: [], postgres: [] };
  for (const engine of ["sqlite", "postgres"] as const) {
    records.engine = engine;
    records.collect = passes[engine];
    console.error(`[bench] ${name}: records on ${engine} (load average ${loadAverage().join(", ")})`);
    try {
      await mod.run(options);
    } finally {
      records.collect = undefined;
      await dropBenchDatabases();
    }
  }
  records.engine = "sqlite";
  for (const f of passes.postgres) {
    const s = passes.sqlite.find((x) => x.bench === f.bench);
    const out: Figure = { ...f, engine: "postgres" };
    if (s) {
      out["sqlite_value"] = s.value;
      out["sqlite_load_avg"] = s["load_avg"];
      // SQLite's own details (steps, counts) beside PostgreSQL's, to see where a slowdown sits.
      const { bench: _name, value: _value, unit: _unit, load_avg: _load, ...details } = s;
      out["sqlite"] = details;
      const factor = slowdown(f.unit, s.value, f.value);
      if (factor !== undefined) out["pg_slowdown"] = factor;
    }
    console.log(JSON.stringify(out));
  }
}
