import { describe, expect, it } from "vitest";
import { createFrameArena } from "./frame-arena.js";

const frame = (fill: number, length: number): Buffer => Buffer.alloc(length, fill);

describe("frame arena", () => {
  it("copies frames into slabs, keeps each intact until released, and reuses slabs once emptied", () => {
    const arena = createFrameArena({ slabBytes: 1000, keepFreeSlabs: 1 });
    const held = Array.from({ length: 8 }, (_, i) => arena.hold(frame(i + 1, 250)));
    // Four frames of 250 bytes fit a 1000-byte slab: two slabs.
    expect(arena.stats()).toEqual({ slabs: 2, free: 0 });
    held.forEach((h, i) => expect(h.bytes.equals(frame(i + 1, 250))).toBe(true));

    // The first slab is emptied and kept; the next frames after the second slab fills go into it.
    for (const h of held.slice(0, 4)) arena.release(h);
    expect(arena.stats()).toEqual({ slabs: 2, free: 1 });
    const more = [arena.hold(frame(9, 250)), arena.hold(frame(10, 250))];
    expect(arena.stats()).toEqual({ slabs: 2, free: 0 });
    held.slice(4).forEach((h, i) => expect(h.bytes.equals(frame(i + 5, 250))).toBe(true));
    expect(more[1]?.bytes.equals(frame(10, 250))).toBe(true);
  });

  it("rewinds the current slab when all of its frames are released, and leaves extra empty slabs to the GC", () => {
    const arena = createFrameArena({ slabBytes: 1000, keepFreeSlabs: 0 });
    const a = arena.hold(frame(1, 240));
    arena.release(a);
    const b = arena.hold(frame(2, 240));
    expect(b.bytes.byteOffset).toBe(a.bytes.byteOffset);
    const rest = Array.from({ length: 4 }, () => arena.hold(frame(3, 240)));
    expect(arena.stats().slabs).toBe(2);
    for (const h of [b, ...rest.slice(0, 3)]) arena.release(h);
    expect(arena.stats()).toEqual({ slabs: 1, free: 0 });
  });

  it("keeps a frame over a quarter of a slab as it is", () => {
    const arena = createFrameArena({ slabBytes: 1000 });
    const big = frame(7, 300);
    const h = arena.hold(big);
    expect(h.bytes).toBe(big);
    arena.release(h);
    expect(arena.stats()).toEqual({ slabs: 0, free: 0 });
  });
});
