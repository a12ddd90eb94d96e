import { expect, it } from "vitest";
import { localDaySql, localRange, offsetMinutes } from "./time-zone.js";

it("reads offsets from Intl, including half and quarter hours", () => {
  expect(offsetMinutes("Asia/Kolkata", Date.UTC(2024, 0, 1))).toBe(330);
  expect(offsetMinutes("Asia/Kathmandu", Date.UTC(2024, 0, 1))).toBe(345);
  expect(offsetMinutes("America/New_York", Date.UTC(2024, 0, 1))).toBe(-300);
  expect(offsetMinutes("America/New_York", Date.UTC(2024, 6, 1))).toBe(-240);
});

it("resolves a range across a DST change to exact instants and one offset switch", () => {
  const r = localRange("America/New_York", "2024-03-10", "2024-03-10");
  expect(r.ok).toBe(true);
  if (!r.ok) return;
  expect(r.value.startMs).toBe(Date.UTC(2024, 2, 10, 5));
  expect(r.value.endMs).toBe(Date.UTC(2024, 2, 11, 4)); // a 23-hour day
  expect(r.value.segments).toEqual([
    { startMs: Date.UTC(2024, 2, 10, 5), offsetMinutes: -300 },
    { startMs: Date.UTC(2024, 2, 10, 7), offsetMinutes: -240 }, // 02:00 EST
  ]);
  expect(localDaySql(r.value, "slot", 900_000)).toBe(`((slot + CASE WHEN slot < ${Date.UTC(2024, 2, 10, 7) / 900_000} THEN -20 ELSE -16 END) // 96)`);
  expect(localDaySql(r.value, "ts", 1)).toBe(`(((ts // 60000) + CASE WHEN ts < ${Date.UTC(2024, 2, 10, 7)} THEN -300 ELSE -240 END) // 1440)`);
});

it("starts a day whose midnight DST skips at the first local instant", () => {
  // America/Santiago moved clocks from 00:00 to 01:00 on 2023-09-03.
  const r = localRange("America/Santiago", "2023-09-03", "2023-09-03");
  expect(r.ok && r.value.startMs).toBe(Date.UTC(2023, 8, 3, 4)); // 01:00 -03
});

it("refuses bad input as values", () => {
  expect(localRange("Nowhere/City", "2024-01-01", "2024-01-02")).toMatchObject({ ok: false, error: { code: "INVALID_TIME_ZONE" } });
  expect(localRange("UTC", "2024-02-30", "2024-03-01")).toMatchObject({ ok: false, error: { code: "INVALID_DATE_RANGE" } });
  expect(localRange("Africa/Monrovia", "1960-01-01", "1960-01-02")).toMatchObject({ ok: false, error: { code: "UNSUPPORTED_TIME_ZONE" } });
});
