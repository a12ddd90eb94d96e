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

it("numbers new values in its instance's block and keeps the ids other instances gave", () => {
  const block = { instance: 2, base: 2 * 2 ** 40, end: 3 * 2 ** 40 };
  const other = 1 * 2 ** 40 + 5;
  const d = new Dictionary([{ id: other, value: "https://shared/" }, { id: block.base + 3, value: "https://mine/" }], block);
  expect(d.idOf("https://shared/")).toBe(other);
  expect(d.idOf("https://mine/")).toBe(block.base + 3);
  expect(d.idOf("https://new/")).toBe(block.base + 4);
  const fresh = new Dictionary([{ id: other, value: "https://shared/" }], block);
  expect(fresh.idOf("https://new/")).toBe(block.base + 1);
});
