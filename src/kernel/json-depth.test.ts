import { expect, it } from "vitest";
import { tooDeep } from "./json-depth.js";

it("finds where a body nests too deeply, without recursion, and names the first steps", () => {
  let deep: unknown = 1;
  for (let i = 0; i < 100_000; i++) deep = { a: deep };
  expect(tooDeep({ events: [{ props: deep }] })).toBe("events[0].props.a");
  expect(tooDeep({ ok: [[[1]]], list: [{ a: { b: 2 } }] })).toBeUndefined();
  expect(tooDeep([[[[1]]]], 3)).toBe("[0][0][0]");
  expect(tooDeep("text", 0)).toBeUndefined();
});
