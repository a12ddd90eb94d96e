import { describe, expect, it } from "vitest";
import { parseCsv, toCsv } from "./csv.js";

describe("Bulk API CSV", () => {
  it("reads quoted fields with delimiters, doubled quotes and line breaks, LF or CRLF", () => {
    expect(parseCsv('Name,Note__c\r\n"Acme, Inc.","said ""hi""\nthere"\r\nBeta,\r\n')).toEqual([
      ["Name", "Note__c"],
      ["Acme, Inc.", 'said "hi"\nthere'],
      ["Beta", ""],
    ]);
    expect(parseCsv("a|b\n1|2", "|")).toEqual([
      ["a", "b"],
      ["1", "2"],
    ]);
  });

  it("round-trips what it writes", () => {
    const rows = [["x", 'q"uote', "a,b"], ["", "line\nbreak", "z"]];
    expect(parseCsv(toCsv(rows, ",", "\r\n"))).toEqual(rows);
  });

  it("refuses an unterminated quote", () => {
    expect(() => parseCsv('a\n"open')).toThrow(/Unterminated/);
  });
});
