// Bundles the browser agent into one small file served at /agent.js.
import { build } from "esbuild";
import { mkdirSync } from "node:fs";

mkdirSync("dist", { recursive: true });
await build({
  entryPoints: ["agent/index.ts"],
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2019"],
  outfile: "dist/agent.js",
  legalComments: "none",
  logLevel: "warning",
});
