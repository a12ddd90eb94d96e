import { describe, expect, it } from "vitest";
import { DEFAULT_SCHEME, rangeOf, schemeProblem, scoreValue } from "./scheme.js";
import { normalise, overallScore, weightedMean } from "./score-math.js";

describe("scorecard maths", () => {
  it("gives the documentation's worked example: weights 20, 15, 22 and scores 47, 59, 21 make 40", () => {
    const measures = [
      { id: "a", groupId: null, weight: 20 },
      { id: "b", groupId: null, weight: 15 },
      { id: "c", groupId: null, weight: 22 },
    ];
    const scores = new Map([
      ["a", 47],
      ["b", 59],
      ["c", 21],
    ]);
    expect(overallScore([], measures, scores).overall).toBe(40);
    expect(weightedMean([{ weight: 20, score: 47 }, { weight: 15, score: 59 }, { weight: 22, score: 21 }])).toBeCloseTo(2287 / 57, 10);
  });

  it("skips measures without a score and scores groups first", () => {
    const measures = [
      { id: "a", groupId: "g", weight: 1 },
      { id: "b", groupId: "g", weight: 3 },
      { id: "c", groupId: null, weight: 50 },
    ];
    const r = overallScore([{ id: "g", weight: 50 }], measures, new Map([["a", 100], ["b", 0]]));
    expect(r.groups.get("g")).toBe(25);
    expect(r.overall).toBe(25);
    expect(overallScore([], measures, new Map()).overall).toBeNull();
  });

  it("normalises weights to percentages", () => {
    expect(normalise([20, 15, 22])).toEqual([35.09, 26.32, 38.6]);
    expect(normalise([0, 0])).toEqual([0, 0]);
  });

  it("maps scores to ranges and labels to scores", () => {
    expect(rangeOf(DEFAULT_SCHEME, 40).label).toBe("Red");
    expect(rangeOf(DEFAULT_SCHEME, 75).label).toBe("Green");
    expect(rangeOf(DEFAULT_SCHEME, 100).label).toBe("Green");
    expect(scoreValue(DEFAULT_SCHEME, "yellow")).toEqual({ ok: true, score: 62.5 });
    expect(scoreValue(DEFAULT_SCHEME, 120).ok).toBe(false);
    expect(schemeProblem({ type: "grade", ranges: [{ label: "B", from: 0, to: 40 }, { label: "A", from: 50, to: 100 }] })).toBe("range 2 (A) must start where range 1 ends");
  });
});
