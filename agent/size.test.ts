import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";

const BUDGET_BYTES = 10 * 1024;

describe("dist/agent.js", () => {
  // Build here too, so the figure is for the current source even when run alone.
  execFileSync(process.execPath, ["scripts/build-agent.mjs"]);
  const source = fs.readFileSync("dist/agent.js");

  it("stays within the 10 KB gzipped budget", () => {
    const gzipped = gzipSync(source, { level: 9 }).length;
    console.info(`dist/agent.js: ${source.length} B minified, ${gzipped} B gzipped (budget ${BUDGET_BYTES} B)`);
    expect(gzipped).toBeLessThanOrEqual(BUDGET_BYTES);
  });

  it("is one self-contained script with no imports", () => {
    const text = source.toString("utf8");
    expect(text).not.toMatch(/\bimport\s*[({"']|\brequire\(/);
    expect(text).not.toContain("typebox");
  });
});
