import { expect, it } from "vitest";
import { csvCell, parseCsvLine } from "./csv.js";

it("reads quoted cells with commas and doubled quotes", () => {
  expect(parseCsvLine('load,1700000000000,v1,,"https://a/?x=1,2","say ""hi"""')).toEqual(["load", "1700000000000", "v1", "", "https://a/?x=1,2", 'say "hi"']);
});

it("round-trips values through csvCell", () => {
  const values = ["plain", 'with "quotes", and commas', 42, null];
  expect(parseCsvLine(values.map(csvCell).join(","))).toEqual(["plain", 'with "quotes", and commas', "42", ""]);
});
