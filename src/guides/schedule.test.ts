import { describe, expect, it } from "vitest";
import { isLive, isTimeZone, localToEpoch } from "./schedule.js";

describe("schedule", () => {
  it("reads local times in a time zone, across DST", () => {
    expect(localToEpoch("2025-01-15T09:00", "Europe/Berlin")).toBe(Date.UTC(2025, 0, 15, 8, 0));
    expect(localToEpoch("2025-07-15T09:00", "Europe/Berlin")).toBe(Date.UTC(2025, 6, 15, 7, 0));
    expect(localToEpoch("2025-03-09T12:00", "America/New_York")).toBe(Date.UTC(2025, 2, 9, 16, 0));
    expect(localToEpoch("2025-01-15T09:00", "UTC")).toBe(Date.UTC(2025, 0, 15, 9, 0));
  });
  it("knows time zones", () => {
    expect(isTimeZone("Asia/Tokyo")).toBe(true);
    expect(isTimeZone("Mars/Base")).toBe(false);
  });
  it("is live only inside the window of a scheduled guide, always when public, never as draft or disabled", () => {
    const schedule = { start: "2025-01-15T09:00", end: "2025-01-16T09:00", timeZone: "Asia/Tokyo" };
    const start = Date.UTC(2025, 0, 15, 0, 0);
    expect(isLive({ status: "scheduled", schedule }, start - 1)).toBe(false);
    expect(isLive({ status: "scheduled", schedule }, start)).toBe(true);
    expect(isLive({ status: "scheduled", schedule }, start + 86_400_000)).toBe(false);
    expect(isLive({ status: "public", schedule: null }, 0)).toBe(true);
    expect(isLive({ status: "draft", schedule: null }, 0)).toBe(false);
    expect(isLive({ status: "disabled", schedule }, start)).toBe(false);
  });
});
