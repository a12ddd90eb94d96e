/**
 * Reused memory for the log frames the flusher queues. Each live frame is a separate ArrayBuffer
 * of ~20 KB that lives for a second or two, long enough to be promoted; once flushed it is garbage
 * that only a full GC frees, and V8 lets tens of MB of such external garbage pile up between full
 * GCs (at 50,000 events/s that was most of the server's ArrayBuffer memory). Copying frames into
 * slabs that are written over once their frames are stored keeps that memory flat instead.
 */
type Slab = { buf: Buffer; used: number; live: number };

/** A frame held by the arena: `bytes` stays valid until it is released. */
export type HeldFrame = { bytes: Buffer; slab: Slab | undefined };

export type FrameArenaOptions = {
  /** Size of one slab. */
  slabBytes?: number;
  /** Empty slabs kept for reuse; more are left to the GC (they return after a burst). */
  keepFreeSlabs?: number;
};

export function createFrameArena(options: FrameArenaOptions = {}) {
  const slabBytes = options.slabBytes ?? 1024 * 1024;
  const keepFree = options.keepFreeSlabs ?? 32;
  const free: Slab[] = [];
  let current: Slab | undefined;
  let slabs = 0;

  const recycle = (slab: Slab): void => {
    slab.used = 0;
    if (slab === current) return;
    if (free.length < keepFree) free.push(slab);
    else slabs--;
  };

  return {
    /** Copies a frame into the current slab (a frame over a quarter of a slab is kept as it is). */
    hold(frame: Buffer): HeldFrame {
      if (frame.length > slabBytes / 4) return { bytes: frame, slab: undefined };
      if (!current || current.used + frame.length > slabBytes) {
        const full = current;
        current = free.pop();
        if (!current) {
          current = { buf: Buffer.allocUnsafeSlow(slabBytes), used: 0, live: 0 };
          slabs++;
        }
        if (full && full.live === 0) recycle(full);
      }
      const at = current.used;
      frame.copy(current.buf, at);
      current.used += frame.length;
      current.live++;
      return { bytes: current.buf.subarray(at, at + frame.length), slab: current };
    },
    /** The frame's bytes will not be read again; its slab is reused once all of its frames are released. */
    release(held: HeldFrame): void {
      const slab = held.slab;
      if (!slab) return;
      slab.live--;
      if (slab.live === 0) recycle(slab);
    },
    /** Slabs allocated and not left to the GC, and how many of them are empty (tests, diagnostics). */
    stats: () => ({ slabs, free: free.length }),
  };
}

export type FrameArena = ReturnType<typeof createFrameArena>;
