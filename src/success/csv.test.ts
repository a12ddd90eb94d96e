import { describe, expect, it } from "vitest";
import { formatCsv, parseCsv } from "./csv.js";

describe("csv", () => {
  it("round-trips quotes, commas and line breaks", () => {
    const text = formatCsv(["a", "b"], [["x,y", 'say "hi"'], ["line\nbreak", 3]]);
    expect(parseCsv(text)).toEqual([["a", "b"], ["x,y", 'say "hi"'], ["line\nbreak", "3"]]);
  });

  it("skips blank lines and a byte-order mark", () => {
    expect(parseCsv("\ufeffa,b\n\n1,2\n")).toEqual([["a", "b"], ["1", "2"]]);
  });
});
