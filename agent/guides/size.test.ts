import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";

const BUDGET_BYTES = 20 * 1024;

describe("dist/agent-guides.js", () => {
  execFileSync(process.execPath, ["scripts/build-agent.mjs"]);
  const core = fs.readFileSync("dist/agent.js");
  const renderer = fs.readFileSync("dist/agent-guides.js");

  it("keeps the agent with its guide renderer within 20 KB gzipped", () => {
    const total = gzipSync(core, { level: 9 }).length + gzipSync(renderer, { level: 9 }).length;
    console.info(`dist/agent.js + dist/agent-guides.js: ${total} B gzipped (budget ${BUDGET_BYTES} B)`);
    expect(total).toBeLessThanOrEqual(BUDGET_BYTES);
  });

  it("is a self-contained script with no imports or inline HTML injection", () => {
    const text = renderer.toString("utf8");
    expect(text).not.toMatch(/\bimport\s*[({"']|\brequire\(/);
    // Content reaches the page only through the allow-list copy, never innerHTML/insertAdjacentHTML.
    expect(text).not.toMatch(/innerHTML|insertAdjacentHTML|outerHTML|document\.write/);
  });
});
