import { describe, expect, it } from "vitest";
import { placeTooltip } from "./position.js";

const viewport = { width: 1000, height: 800 };
const size = { width: 200, height: 100 };

describe("placeTooltip", () => {
  it("puts the tooltip below its element, centred", () => {
    expect(placeTooltip({ top: 100, left: 400, width: 100, height: 40 }, size, viewport)).toEqual({ top: 150, left: 350, side: "bottom" });
  });
  it("flips above when there is no room below", () => {
    expect(placeTooltip({ top: 750, left: 400, width: 100, height: 40 }, size, viewport)).toEqual({ top: 640, left: 350, side: "top" });
  });
  it("uses the preferred side and stays inside the viewport", () => {
    expect(placeTooltip({ top: 300, left: 10, width: 50, height: 20 }, size, viewport, "right")).toEqual({ top: 260, left: 70, side: "right" });
    expect(placeTooltip({ top: 100, left: 0, width: 20, height: 20 }, size, viewport).left).toBe(4);
  });
});
