import { describe, expect, it } from "vitest";
import { coerce } from "./values.js";

describe("coerce", () => {
  it("reads numbers from numbers and numeric text only", () => {
    expect(coerce("42", "number")).toEqual({ ok: true, value: 42 });
    expect(coerce(" 4.5 ", "number")).toEqual({ ok: true, value: 4.5 });
    expect(coerce("lots", "number")).toEqual({ ok: false, message: 'expected a number, got "lots"' });
    expect(coerce(4.5, "integer").ok).toBe(false);
  });

  it("reads empty values as null and dates from timestamps", () => {
    expect(coerce("", "date")).toEqual({ ok: true, value: null });
    expect(coerce("2024-05-01T10:00:00Z", "date")).toEqual({ ok: true, value: "2024-05-01" });
    expect(coerce("2024-13-01", "date").ok).toBe(false);
    expect(coerce("true", "boolean")).toEqual({ ok: true, value: true });
  });
});
