import { describe, expect, it } from "vitest";
import { fitLine } from "./terminal.js";

describe("a redrawn line fits the terminal", () => {
  it("keeps a short line, cuts a long one to one column under the width with an ellipsis", () => {
    expect(fitLine("  [#####...............]  25% Analytics", 80)).toBe("  [#####...............]  25% Analytics");
    const long = `  [##########..........]  50% Analytics: ${"x".repeat(120)}`;
    const cut = fitLine(long, 80);
    expect([...cut]).toHaveLength(79);
    expect(cut.endsWith("…")).toBe(true);
    expect(long.startsWith(cut.slice(0, -1))).toBe(true);
  });

  it("assumes 80 columns when the width is unknown and never cuts below 10", () => {
    expect([...fitLine("y".repeat(200), undefined)]).toHaveLength(79);
    expect([...fitLine("y".repeat(200), 3)]).toHaveLength(10);
  });
});
