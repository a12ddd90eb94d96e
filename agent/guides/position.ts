export type Rect = { top: number; left: number; width: number; height: number };
export type Side = "top" | "bottom" | "left" | "right";

const GAP = 10;

/**
 * Where a tooltip of `size` goes beside `target` (viewport coordinates): on the preferred side
 * when it fits, else the opposite side, else below; clamped inside the viewport.
 */
export function placeTooltip(target: Rect, size: { width: number; height: number }, viewport: { width: number; height: number }, preferred: Side = "bottom"): { top: number; left: number; side: Side } {
  const fits = (side: Side): boolean =>
    side === "bottom" ? target.top + target.height + GAP + size.height <= viewport.height
    : side === "top" ? target.top - GAP - size.height >= 0
    : side === "right" ? target.left + target.width + GAP + size.width <= viewport.width
    : target.left - GAP - size.width >= 0;
  const opposite: Record<Side, Side> = { top: "bottom", bottom: "top", left: "right", right: "left" };
  const side = fits(preferred) ? preferred : fits(opposite[preferred]) ? opposite[preferred] : "bottom";
  let top: number;
  let left: number;
  if (side === "bottom" || side === "top") {
    top = side === "bottom" ? target.top + target.height + GAP : target.top - GAP - size.height;
    left = target.left + target.width / 2 - size.width / 2;
  } else {
    left = side === "right" ? target.left + target.width + GAP : target.left - GAP - size.width;
    top = target.top + target.height / 2 - size.height / 2;
  }
  const clamp = (v: number, max: number): number => Math.max(4, Math.min(v, max - 4));
  return { top: clamp(top, viewport.height - size.height), left: clamp(left, viewport.width - size.width), side };
}
