// Bundles the browser agent into small files: the core (/agent.js) and the guide renderer
// (/agent-guides.js), which the core loads lazily after initialize.
import { build } from "esbuild";
import { mkdirSync } from "node:fs";

mkdirSync("dist", { recursive: true });
const common = { bundle: true, minify: true, format: "iife", target: ["es2019"], legalComments: "none", logLevel: "warning" };
await build({ ...common, entryPoints: ["agent/index.ts"], outfile: "dist/agent.js" });
await build({ ...common, entryPoints: ["agent/guides/index.ts"], outfile: "dist/agent-guides.js" });
