import { describe, expect, it } from "vitest";
import { neutraliseFormula, restoreFormulaText } from "./spreadsheet.js";

describe("CSV cells a spreadsheet would run as formulas (OWASP's rule)", () => {
  it("prefixes text starting with = + - @ tab or carriage return", () => {
    for (const v of ['=HYPERLINK("https://x.example","click")', "+SUM(A1:A2)", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "=1"]) expect(neutraliseFormula(v)).toBe(`'${v}`);
  });
  it("leaves real numbers and ordinary text alone", () => {
    for (const v of ["-5", "+7", "-0.25", "1e-3", "-1.5E+10", "Acme", "", "a=b", " =x", "2024-01-01"]) expect(neutraliseFormula(v)).toBe(v);
  });
  it("round-trips through an import, also for text that already starts with a quote", () => {
    for (const v of ["=x", "'=x", "''+y", "-5", "'plain", "plain", "@", "-"]) expect(restoreFormulaText(neutraliseFormula(v))).toBe(v);
  });
});
