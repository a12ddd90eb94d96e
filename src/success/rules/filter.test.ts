import { describe, expect, it } from "vitest";
import { applyFilters, filterProblem, matches, type Filter } from "./filter.js";

const row = { name: "Acme Corp", arr: 1200, renewalDate: "2024-06-20", lastVisit: "2024-05-10T08:00:00.000+0000", tag: null };
const on = (f: Filter) => matches(f, row, "2024-05-15");

describe("rule filters", () => {
  it("compares text case-insensitively and numbers as numbers", () => {
    expect(on({ field: "name", operator: "equals", value: "acme corp" })).toBe(true);
    expect(on({ field: "name", operator: "notEquals", value: "Acme Corp" })).toBe(false);
    expect(on({ field: "name", operator: "contains", value: "CORP" })).toBe(true);
    expect(on({ field: "name", operator: "notContains", value: "corp" })).toBe(false);
    expect(on({ field: "arr", operator: "greater", value: 1000 })).toBe(true);
    expect(on({ field: "arr", operator: "less", value: 1000 })).toBe(false);
    expect(on({ field: "arr", operator: "between", value: 1200, to: 1500 })).toBe(true);
  });

  it("knows exists and treats empty values as missing", () => {
    expect(on({ field: "tag", operator: "exists" })).toBe(false);
    expect(on({ field: "tag", operator: "notExists" })).toBe(true);
    expect(on({ field: "tag", operator: "greater", value: 1 })).toBe(false);
    expect(on({ field: "tag", operator: "less", value: 1 })).toBe(false);
  });

  it("resolves rule date ± N days", () => {
    // Renewal within 60 days of the rule date.
    expect(on({ field: "renewalDate", operator: "between", value: { ruleDate: 0 }, to: { ruleDate: 60 } })).toBe(true);
    expect(on({ field: "renewalDate", operator: "between", value: { ruleDate: 0 }, to: { ruleDate: 30 } })).toBe(false);
    // A datetime is compared by its day.
    expect(on({ field: "lastVisit", operator: "greater", value: { ruleDate: -5 } })).toBe(false);
    expect(on({ field: "lastVisit", operator: "greater", value: { ruleDate: -6 } })).toBe(true);
  });

  it("ANDs filters and refuses malformed ones", () => {
    expect(applyFilters([row, { ...row, arr: 10 }], [{ field: "arr", operator: "greater", value: 100 }, { field: "name", operator: "exists" }], "2024-05-15")).toHaveLength(1);
    expect(filterProblem({ field: "arr", operator: "between", value: 1 })).toBe("between needs a value and a to");
    expect(filterProblem({ field: "arr", operator: "exists", value: 1 })).toBe("exists takes no value");
  });
});
