/** What fault injection may answer instead of the real response. */
export const FAULT_KINDS = ["500", "503", "REQUEST_LIMIT_EXCEEDED", "stall"] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** The switch tests flip to make a share of `/services` requests fail. */
export type FaultSettings = { share: number; kinds: FaultKind[]; stallMs: number; seed: number };

/** Seeded PRNG (mulberry32): the same seed gives the same sequence of faults. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Decides, request by request, whether to inject a fault. */
export type FaultInjector = ReturnType<typeof createFaultInjector>;

/** Builds the injector, off unless settings with share > 0 are given. */
export function createFaultInjector(initial?: Partial<FaultSettings>) {
  let settings: FaultSettings = { share: 0, kinds: ["500"], stallMs: 30_000, seed: 1 };
  let rand = mulberry32(1);
  let injected = 0;
  function configure(next: Partial<FaultSettings>): FaultSettings {
    settings = { ...settings, ...next };
    rand = mulberry32(settings.seed);
    injected = 0;
    return settings;
  }
  if (initial) configure(initial);
  return {
    configure,
    settings: () => ({ ...settings, injected }),
    /** The fault for the next request, or undefined to serve it normally. */
    next(): FaultKind | undefined {
      if (settings.share <= 0 || settings.kinds.length === 0) return undefined;
      if (rand() >= settings.share) return undefined;
      injected++;
      return settings.kinds[Math.floor(rand() * settings.kinds.length)];
    },
  };
}
