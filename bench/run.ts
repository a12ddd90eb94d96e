import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { BenchOptions } from "./lib.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const available = fs
  .readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .map((f) => f.replace(/\.bench\.ts$/, ""))
  .sort();

const argv = process.argv.slice(2);
if (argv.includes("--help") || argv.includes("-h")) {
  console.log(`Usage: npm run bench -- [name ...] [--scale small|full]\n\nBenchmarks: ${available.join(", ")}\nWith no name, every benchmark runs. Each prints one JSON line per figure.`);
  process.exit(0);
}
const scaleAt = argv.indexOf("--scale");
const scale = scaleAt >= 0 ? argv[scaleAt + 1] : "full";
if (scale !== "small" && scale !== "full") {
  console.error(`--scale must be small or full, got ${scale}`);
  process.exit(2);
}
const names = argv.filter((a, i) => !a.startsWith("--") && argv[i - 1] !== "--scale" && argv[i - 1] !== "--events");
for (const n of names) {
  if (!available.includes(n)) {
    console.error(`Unknown benchmark "${n}". Available: ${available.join(", ")}`);
    process.exit(2);
  }
}
const options: BenchOptions = { scale, args: argv };
for (const name of names.length > 0 ? names : available) {
  const mod = (await import(pathToFileURL(path.join(here, `${name}.bench.ts`)).href)) as { run(o: BenchOptions): Promise<void> };
  await mod.run(options);
}
