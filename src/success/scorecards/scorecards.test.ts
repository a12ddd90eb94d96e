import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SuccessPendulum } from "../../../test/success-kit.js";
import { call, startSuccessPendulum } from "../../../test/success-kit.js";

let p: SuccessPendulum;
beforeAll(async () => {
  p = await startSuccessPendulum();
  await call(p, "POST", "/customers", { accountId: "A1", name: "Acme" });
});
afterAll(async () => {
  await p?.close();
});

describe("scorecards", () => {
  it("scores the documentation's worked example through the API: 20/15/22 × 47/59/21 → 40, with normalised weights", async () => {
    for (const [name, weight] of [["adoption", 20], ["support", 15], ["nps", 22]] as const) {
      expect((await call(p, "POST", "/scorecard/measures", { name, weight })).status).toBe(201);
    }
    expect((await call(p, "POST", "/scorecard/measures", { name: "big", weight: 1_000_000 })).body).toMatchObject({ code: "INVALID_INPUT", field: "weight" });
    const card = await call<{ measures: { name: string; normalisedWeight: number }[] }>(p, "GET", "/scorecard");
    expect(card.body.measures.map((m) => [m.name, m.normalisedWeight])).toEqual([["adoption", 35.09], ["nps", 38.6], ["support", 26.32]]);

    await call(p, "POST", "/customers/A1/scores", { measure: "adoption", score: 47, comment: "few logins" });
    await call(p, "POST", "/customers/A1/scores", { measure: "support", score: 59 });
    const last = await call(p, "POST", "/customers/A1/scores", { measure: "nps", score: 21, comment: "detractors" });
    expect(last.body).toEqual({ measure: "nps", before: null, after: 21, overallBefore: 52, overallAfter: 40, changed: true });

    const account = await call(p, "GET", "/customers/A1/scorecard");
    expect(account.body).toMatchObject({ overall: 40, label: "Red", colour: "#d9534f" });
    expect((await call(p, "GET", "/customers/A1")).body).toMatchObject({ healthScore: 40, healthColour: "#d9534f" });
  });

  it("keeps score history saying which measure moved the score", async () => {
    await call(p, "POST", "/customers/A1/scores", { measure: "nps", score: "Green", comment: "promoters now" });
    const h = await call<{ history: { measure: string; measureBefore: number | null; measureAfter: number; overallBefore: number | null; overallAfter: number; comment: string | null }[] }>(p, "GET", "/customers/A1/score-history");
    expect(h.body.history[0]).toMatchObject({ measure: "nps", measureBefore: 21, measureAfter: 87.5, overallBefore: 40, overallAfter: 66, comment: "promoters now" });
    expect(h.body.history.map((x) => x.measure)).toEqual(["nps", "nps", "support", "adoption"]);
  });

  it("takes grade and colour schemes with 2–12 contiguous ranges", async () => {
    const grade = { type: "grade", ranges: [{ label: "F", from: 0, to: 40 }, { label: "C", from: 40, to: 70 }, { label: "A", from: 70, to: 100 }] };
    expect((await call(p, "PUT", "/scorecard/scheme", grade)).status).toBe(200);
    expect((await call(p, "GET", "/customers/A1/scorecard")).body).toMatchObject({ overall: 66, label: "C" });
    expect((await call(p, "PUT", "/scorecard/scheme", { type: "colour", ranges: [{ label: "Red", from: 0, to: 100 }] })).body).toMatchObject({ code: "INVALID_INPUT", field: "ranges" });
    expect((await call(p, "PUT", "/scorecard/scheme", { type: "colour", ranges: [{ label: "Red", from: 0, to: 50 }, { label: "Green", from: 60, to: 100 }] })).body).toMatchObject({ code: "INVALID_SCHEME" });
  });

  it("scores groups first", async () => {
    const g = await call<{ id: string }>(p, "POST", "/scorecard/groups", { name: "Engagement", weight: 50 });
    expect(g.status).toBe(201);
    const card = await call<{ measures: { id: string; name: string }[] }>(p, "GET", "/scorecard");
    const adoption = card.body.measures.find((m) => m.name === "adoption")?.id as string;
    await call(p, "PATCH", `/scorecard/measures/${adoption}`, { group: "Engagement" });
    // Group Engagement (w50) = adoption 47; support w15 = 59; nps w22 = 87.5 → (2350 + 885 + 1925) / 87 = 59.3
    expect((await call(p, "GET", "/customers/A1/scorecard")).body).toMatchObject({ overall: 59, groups: [{ name: "Engagement", score: 47 }] });
  });
});
