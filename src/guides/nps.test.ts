import { describe, expect, it } from "vitest";
import { npsBy, npsCategory, npsScore, type NpsAnswer } from "./nps.js";

const a = (visitorId: string, accountId: string, score: number, ts: number): NpsAnswer => ({ visitorId, accountId, score, comment: null, ts });

describe("NPS", () => {
  it("classifies 0–6 detractor, 7–8 passive, 9–10 promoter", () => {
    expect([0, 6, 7, 8, 9, 10].map(npsCategory)).toEqual(["detractor", "detractor", "passive", "passive", "promoter", "promoter"]);
  });
  it("scores %promoters − %detractors", () => {
    expect(npsScore([10, 9, 8, 3])).toBe(25);
    expect(npsScore([0, 1])).toBe(-100);
    expect(npsScore([9])).toBe(100);
    expect(npsScore([7, 8])).toBe(0);
    expect(npsScore([9, 9, 1])).toBe(33.3);
    expect(npsScore([])).toBeNull();
  });
  it("counts each visitor's latest answer, per account, with the latest response", () => {
    const rows = npsBy([a("v1", "acme", 2, 1), a("v1", "acme", 10, 5), a("v2", "acme", 6, 3), a("v3", "beta", 8, 4)], (x) => x.accountId);
    expect(rows).toEqual([
      { id: "acme", score: 0, responses: 2, promoters: 1, passives: 0, detractors: 1, latest: { score: 10, comment: null, ts: 5, visitorId: "v1" } },
      { id: "beta", score: 0, responses: 1, promoters: 0, passives: 1, detractors: 0, latest: { score: 8, comment: null, ts: 4, visitorId: "v3" } },
    ]);
  });
});
