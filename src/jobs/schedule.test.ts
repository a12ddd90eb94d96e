import { describe, expect, it } from "vitest";
import { nextRun, parseSchedule, type Schedule } from "./schedule.js";

const at = "2026-11-28T12:00:00Z";
const next = (text: string, tz: string, from = at): string => {
  const s = parseSchedule(text, tz);
  if (!s.ok) throw new Error(s.error.message);
  return new Date(nextRun(s.value as Schedule, Date.parse(from)) as number).toISOString();
};

describe("schedules", () => {
  it.each([
    ["daily at 00:30", "Europe/Berlin", "2026-11-28T23:30:00.000Z"],
    ["daily", "UTC", "2026-11-29T00:00:00.000Z"],
    ["weekdays at 07:00", "America/New_York", "2026-11-30T12:00:00.000Z"],
    ["weekly on monday at 02:00", "UTC", "2026-11-30T02:00:00.000Z"],
    ["monthly on day 1 at 03:00", "Asia/Kolkata", "2026-11-30T21:30:00.000Z"],
    ["every 15 minutes", "UTC", "2026-11-28T12:15:00.000Z"],
    ["hourly", "UTC", "2026-11-28T13:00:00.000Z"],
    ["5 4 * * *", "UTC", "2026-11-29T04:05:00.000Z"],
  ])("%s in %s runs next at %s", (text, tz, expected) => {
    expect(next(text, tz)).toBe(expected);
  });

  it("keeps local time across a daylight-saving change", () => {
    // Europe/Berlin leaves summer time on 2026-10-25: 00:30 local is 22:30Z before, 23:30Z after.
    expect(next("daily at 00:30", "Europe/Berlin", "2026-10-24T12:00:00Z")).toBe("2026-10-24T22:30:00.000Z");
    expect(next("daily at 00:30", "Europe/Berlin", "2026-10-25T12:00:00Z")).toBe("2026-10-25T23:30:00.000Z");
  });

  it.each([
    ["daily at 25:00", "UTC"],
    ["weekly on funday", "UTC"],
    ["monthly on day 31", "UTC"],
    ["every 7 minutes", "UTC"],
    ["sometimes", "UTC"],
    ["daily", "Mars/Base"],
    ["61 * * * *", "UTC"],
  ])("refuses %s (%s) with a message", (text, tz) => {
    const r = parseSchedule(text, tz);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message.length).toBeGreaterThan(10);
  });
});
