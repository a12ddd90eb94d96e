import { describe, expect, it } from "vitest";
import { progressBar, stageReporter } from "./progress.js";

describe("demo progress", () => {
  it("draws a bar in proportion, clamped to 0–100%", () => {
    expect(progressBar(0, 10)).toBe(`[${".".repeat(20)}]   0%`);
    expect(progressBar(5, 10)).toBe(`[${"#".repeat(10)}${".".repeat(10)}]  50%`);
    expect(progressBar(15, 10)).toBe(`[${"#".repeat(20)}] 100%`);
    expect(progressBar(0, 0)).toBe(`[${"#".repeat(20)}] 100%`);
  });

  it("prints each stage once, full, with its time; redraws only through update", () => {
    const lines: string[] = [];
    const redraws: string[] = [];
    let t = 0;
    const r = stageReporter((l) => lines.push(l), (l) => redraws.push(l), () => t);
    r.stage("Loading usage");
    r.progress(50, 100);
    t = 2500;
    r.stage("Rules");
    t = 3000;
    r.end();
    expect(lines).toEqual([`  [${"#".repeat(20)}] 100% Loading usage (2.5 s)`, `  [${"#".repeat(20)}] 100% Rules (0.5 s)`]);
    expect(redraws[1]).toContain(" 50% Loading usage (50 of 100)");
  });
});
