import { expect, it } from "vitest";
import { Dictionary } from "./dictionary.js";

it("gives each distinct value one id, continuing after stored entries", () => {
  const d = new Dictionary([{ id: 7, value: "https://a/" }]);
  expect(d.idOf("https://a/")).toBe(7);
  expect(d.idOf("https://b/")).toBe(8);
  expect(d.idOf("https://b/")).toBe(8);
  expect(d.takePending()).toEqual([{ id: 8, value: "https://b/" }]);
  expect(d.takePending()).toEqual([]);
});

it("restores entries whose store failed ahead of newer ones", () => {
  const d = new Dictionary();
  d.idOf("x");
  const taken = d.takePending();
  d.idOf("y");
  d.restore(taken);
  expect(d.takePending().map((e) => e.value)).toEqual(["x", "y"]);
});
