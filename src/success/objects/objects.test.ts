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

describe("custom objects (MDA)", () => {
  it("defines an object with typed fields and refuses reserved or duplicate names", async () => {
    const def = {
      name: "DailyUsage",
      label: "Daily usage",
      fields: [
        { name: "accountId", type: "string", required: true },
        { name: "day", type: "date", required: true },
        { name: "visitors", type: "integer" },
      ],
    };
    expect((await call(p, "POST", "/objects", def)).status).toBe(201);
    expect((await call(p, "POST", "/objects", def)).status).toBe(409);
    expect((await call(p, "POST", "/objects", { ...def, name: "X", fields: [{ name: "id", type: "string" }] })).body).toMatchObject({ code: "RESERVED_FIELD" });
    expect((await call(p, "POST", "/objects/DailyUsage/fields", { fields: [{ name: "minutes", type: "number" }] })).body).toMatchObject({ fields: [{}, {}, {}, { name: "minutes" }] });
  });

  it("stores records at any frequency, upserts on identifiers and reports bad records by index", async () => {
    const records = [
      { accountId: "A1", day: "2024-05-01", visitors: 3 },
      { accountId: "A1", day: "2024-05-02", visitors: 4 },
      { accountId: "A2", day: "2024-05-02", visitors: "four" },
      { accountId: "A2", visitors: 1 },
    ];
    const first = await call(p, "POST", "/objects/DailyUsage/records", { records, operation: "upsert", identifiers: ["accountId", "day"] });
    expect(first.body).toEqual({
      inserted: 2,
      updated: 0,
      unchanged: 0,
      problems: [
        { index: 2, field: "visitors", message: 'expected a whole number, got "four"' },
        { index: 3, field: "day", message: "is required" },
      ],
    });
    const again = await call(p, "POST", "/objects/DailyUsage/records", { records: [{ accountId: "A1", day: "2024-05-02", visitors: 5 }, records[0]], operation: "upsert", identifiers: ["accountId", "day"] });
    expect(again.body).toMatchObject({ inserted: 0, updated: 1, unchanged: 1 });
    const update = await call(p, "POST", "/objects/DailyUsage/records", { records: [{ accountId: "A9", day: "2024-05-02", visitors: 1 }], operation: "update", identifiers: ["accountId", "day"] });
    expect(update.body).toMatchObject({ inserted: 0, updated: 0, problems: [{ index: 0, message: "no DailyUsage record has these identifier values" }] });
  });

  it("answers queries with rule filters", async () => {
    const q = await call<{ records: { day: string; visitors: number }[] }>(p, "POST", "/objects/DailyUsage/query", {
      filters: [
        { field: "visitors", operator: "greater", value: 3 },
        { field: "day", operator: "greater", value: { ruleDate: -30 } },
      ],
      date: "2024-05-20",
    });
    expect(q.body.records.map((r) => [r.day, r.visitors])).toEqual([["2024-05-02", 5]]);
  });
});
