import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SuccessPendulum } from "../../../test/success-kit.js";
import { call, startSuccessPendulum } from "../../../test/success-kit.js";

let p: SuccessPendulum;
beforeAll(async () => {
  p = await startSuccessPendulum();
});
afterAll(async () => {
  await p?.close();
});

type Rows = { rows: { accountId: string; periodStart: string; aggregationLevel: string; userId: string | null; measures: Record<string, unknown> }[] };

describe("usage configuration and data", () => {
  it("keeps weekly data starting Monday by default and validates a new configuration", async () => {
    expect((await call(p, "GET", "/usage/config")).body).toEqual({ dataGranularity: "account", timeGranularity: "week", weekStartDay: 1 });
    expect((await call(p, "PUT", "/usage/config", { dataGranularity: "user", timeGranularity: "week", weekStartDay: 9 })).body).toMatchObject({ code: "INVALID_INPUT", field: "weekStartDay" });
    expect((await call(p, "PUT", "/usage/config", { dataGranularity: "user", timeGranularity: "week", weekStartDay: 0 })).status).toBe(200);
  });

  it("manages usage measures", async () => {
    for (const m of [
      { name: "visitors30d", label: "Visitors (30d)", type: "integer", aggregation: "sum" },
      { name: "minutes30d", label: "Time on site (30d)", type: "number", aggregation: "sum" },
      { name: "lastVisit", label: "Last visit", type: "date", aggregation: "max" },
    ]) {
      expect((await call(p, "POST", "/usage/measures", m)).status).toBe(201);
    }
    expect((await call(p, "POST", "/usage/measures", { name: "visitors30d", label: "x", type: "integer", aggregation: "sum" })).status).toBe(409);
    expect((await call(p, "PATCH", "/usage/measures/minutes30d", { label: "Minutes" })).body).toMatchObject({ label: "Minutes" });
  });

  it("upserts rows by account + period + level: a rerun for the same period replaces, never duplicates", async () => {
    const rows = [
      { accountId: "A1", date: "2024-05-15", aggregationLevel: "ACCOUNTLEVEL", measures: { visitors30d: 10, minutes30d: 55.5, lastVisit: "2024-05-14" } },
      { accountId: "A1", date: "2024-05-15", aggregationLevel: "USERLEVEL", userId: "u1", measures: { visitors30d: 1, minutes30d: 20 } },
      { accountId: "A1", date: "2024-05-16", aggregationLevel: "USERLEVEL", userId: "u2", measures: { visitors30d: 1, minutes30d: 30 } },
    ];
    expect((await call(p, "POST", "/usage/data", { rows })).body).toEqual({ written: 3, unchanged: 0, problems: [] });
    expect((await call(p, "POST", "/usage/data", { rows })).body).toEqual({ written: 0, unchanged: 3, problems: [] });
    const changed = await call(p, "POST", "/usage/data", { rows: [{ ...rows[0], date: "2024-05-18", measures: { visitors30d: 12 } }] });
    expect(changed.body).toEqual({ written: 1, unchanged: 0, problems: [] });

    const stored = await call<Rows>(p, "GET", "/usage/data?accountId=A1");
    expect(stored.body.rows).toHaveLength(3);
    // Week starts Sunday now: 2024-05-15 (Wed) belongs to the week of 2024-05-12.
    expect(stored.body.rows[0]).toMatchObject({ periodStart: "2024-05-12", aggregationLevel: "ACCOUNTLEVEL", measures: { visitors30d: 12, minutes30d: 55.5, lastVisit: "2024-05-14" } });
  });

  it("reports a bad value by row and stores the rest", async () => {
    const r = await call(p, "POST", "/usage/data", {
      rows: [
        { accountId: "A2", date: "2024-05-15", aggregationLevel: "ACCOUNTLEVEL", measures: { visitors30d: "many" } },
        { accountId: "A2", date: "2024-05-22", aggregationLevel: "ACCOUNTLEVEL", measures: { visitors30d: 3, unknownMeasure: 1 } },
        { accountId: "A2", date: "2024-05-29", aggregationLevel: "ACCOUNTLEVEL", measures: { visitors30d: 4 } },
      ],
    });
    expect(r.body).toEqual({
      written: 1,
      unchanged: 0,
      problems: [
        { index: 0, field: "visitors30d", message: 'expected a whole number, got "many"' },
        { index: 1, field: "unknownMeasure", message: "is not a usage measure; create it first (POST /api/v1/success/usage/measures)" },
      ],
    });
  });

  it("gives one account's time series, rolling user rows up where the account row lacks a measure", async () => {
    await call(p, "POST", "/usage/data", {
      rows: [
        { accountId: "A3", date: "2024-06-03", aggregationLevel: "USERLEVEL", userId: "u1", measures: { visitors30d: 1, lastVisit: "2024-06-03" } },
        { accountId: "A3", date: "2024-06-04", aggregationLevel: "USERLEVEL", userId: "u2", measures: { visitors30d: 1, lastVisit: "2024-06-05" } },
        { accountId: "A3", date: "2024-06-12", aggregationLevel: "USERLEVEL", userId: "u1", measures: { visitors30d: 1 } },
      ],
    });
    const h = await call<{ series: { periodStart: string; measures: Record<string, unknown> }[] }>(p, "GET", "/customers/A3/usage?from=2024-06-01");
    expect(h.body.series).toEqual([
      { periodStart: "2024-06-02", measures: { visitors30d: 2, lastVisit: "2024-06-05" } },
      { periodStart: "2024-06-09", measures: { visitors30d: 1 } },
    ]);
  });
});
