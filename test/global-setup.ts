import { execFileSync } from "node:child_process";
import fs from "node:fs";

/** Builds the browser agent once before the suite, so browser tests load the real bundle. */
export function setup(): void {
  if (fs.existsSync("scripts/build-agent.mjs")) {
    execFileSync(process.execPath, ["scripts/build-agent.mjs"], { stdio: "inherit" });
  }
}
