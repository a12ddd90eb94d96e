import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/** Newest modification time of any file under `dir`. */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : fs.statSync(full).mtimeMs);
  }
  return latest;
}

/**
 * Builds the browser agent once before the suite, so browser tests load the real bundle, and
 * the admin UI when its build is missing or older than its sources.
 */
export function setup(): void {
  if (fs.existsSync("scripts/build-agent.mjs")) {
    execFileSync(process.execPath, ["scripts/build-agent.mjs"], { stdio: "inherit" });
  }
  const built = "dist/web/index.html";
  if (fs.existsSync("web/src") && (!fs.existsSync(built) || fs.statSync(built).mtimeMs < Math.max(newest("web/src"), fs.statSync("package-lock.json").mtimeMs))) {
    // The test runner sets NODE_ENV=test, which would make Vite bundle React's development build.
    execFileSync(process.execPath, ["node_modules/vite/bin/vite.js", "build", "--config", "web/vite.config.ts"], { stdio: "inherit", env: { ...process.env, NODE_ENV: "production" } });
  }
}
