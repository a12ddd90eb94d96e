import { describe, expect, it } from "vitest";
import { addDays, isDate, monthStart, toDate, weekStart } from "./dates.js";

describe("dates", () => {
  it("snaps a date to the configured week start", () => {
    // 2024-05-15 is a Wednesday.
    expect(weekStart("2024-05-15", 1)).toBe("2024-05-13");
    expect(weekStart("2024-05-15", 0)).toBe("2024-05-12");
    expect(weekStart("2024-05-13", 1)).toBe("2024-05-13");
    expect(weekStart("2024-05-12", 1)).toBe("2024-05-06");
  });

  it("snaps to the month and moves by days across months", () => {
    expect(monthStart("2024-02-29")).toBe("2024-02-01");
    expect(addDays("2024-02-28", 2)).toBe("2024-03-01");
    expect(addDays("2024-03-01", -1)).toBe("2024-02-29");
  });

  it("accepts only real dates", () => {
    expect(isDate("2024-02-30")).toBe(false);
    expect(isDate("2024-02-29")).toBe(true);
    expect(toDate("2024-05-15T23:10:00.000+0000")).toBe("2024-05-15");
    expect(toDate("soon")).toBeUndefined();
  });
});
