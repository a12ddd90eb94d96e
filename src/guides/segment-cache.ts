type Kind = "visitor" | "account";

/** What the cache asks analytics: members of a saved segment (undefined when there is no such segment). */
export type MembershipSource = {
  membersOf(appId: string, segmentId: string, kind: Kind): Promise<Set<string> | undefined>;
  /** Many segments from one read of the metadata; a refresh uses it when analytics offers it. */
  membersOfMany?(appId: string, segmentIds: readonly string[], kind: Kind): Promise<Map<string, Set<string> | undefined>>;
  /** Whether a saved segment exists, without evaluating it. */
  exists?(segmentId: string): Promise<boolean>;
};

/** Members of each segment, batched when the source can (one metadata read per kind instead of one per segment). */
async function membersOfEach(source: MembershipSource, appId: string, ids: readonly string[], kind: Kind): Promise<Map<string, Set<string> | undefined>> {
  if (source.membersOfMany) return source.membersOfMany(appId, ids, kind);
  const out = new Map<string, Set<string> | undefined>();
  for (const id of ids) out.set(id, await source.membersOf(appId, id, kind));
  return out;
}

type Entry = { visitors: Set<string>; accounts: Set<string> };

/**
 * One app's membership. The sets are what analytics answered (kept to rebuild when one segment
 * is added); the bitmaps are what requests read: one map lookup per request gives every segment
 * the visitor (or, for a visitor not seen yet, its account) belongs to, instead of a set lookup
 * per candidate guide.
 */
type AppEntry = {
  known: Set<string>;
  segments: Map<string, Entry>;
  /** Segment id → bit position. */
  bit: Map<string, number>;
  /** Every known visitor → its segments (visitors in none share one empty bitmap). */
  visitorBits: Map<string, Uint32Array>;
  /** Segment members analytics did not list as known (it saw them between two reads): their account counts too. */
  unknownMembers: Set<string>;
  /** Accounts in at least one segment → their segments. */
  accountBits: Map<string, Uint32Array>;
};

const NONE = new Uint32Array(0);

function buildApp(known: Set<string>, segments: Map<string, Entry>): AppEntry {
  const bit = new Map<string, number>();
  for (const id of segments.keys()) bit.set(id, bit.size);
  const words = Math.ceil(bit.size / 32);
  const visitorBits = new Map<string, Uint32Array>();
  const accountBits = new Map<string, Uint32Array>();
  const set = (m: Map<string, Uint32Array>, id: string, b: number): void => {
    let bits = m.get(id);
    if (!bits || bits === NONE) m.set(id, (bits = new Uint32Array(words)));
    bits[b >>> 5] = (bits[b >>> 5] as number) | (1 << (b & 31));
  };
  for (const [id, e] of segments) {
    const b = bit.get(id) as number;
    for (const v of e.visitors) set(visitorBits, v, b);
    for (const a of e.accounts) set(accountBits, a, b);
  }
  const unknownMembers = new Set<string>();
  for (const v of visitorBits.keys()) if (!known.has(v)) unknownMembers.add(v);
  for (const v of known) if (!visitorBits.has(v)) visitorBits.set(v, NONE);
  return { known, segments, bit, visitorBits, accountBits, unknownMembers };
}

/** The segments one visitor belongs to, looked up once per request. */
export class Membership {
  constructor(
    private readonly bit: ReadonlyMap<string, number> | undefined,
    private readonly bits: Uint32Array,
  ) {}

  has(segmentId: string): boolean {
    if (segmentId === "everyone") return true;
    const b = this.bit?.get(segmentId);
    if (b === undefined) return false;
    return (((this.bits[b >>> 5] ?? 0) >>> (b & 31)) & 1) === 1;
  }
}

/**
 * Segment membership held in memory for the delivery hot path, recomputed on a timer and at once
 * when told (after a CRM pull or a rule run). A refresh swaps whole entries, so requests never see
 * a half-built segment; while it runs, the previous entries keep answering.
 */
export function createSegmentCache(source: MembershipSource, wanted: () => Map<string, Set<string>>) {
  const apps = new Map<string, AppEntry>();
  let running: Promise<void> | undefined;
  let again = false;
  let refreshedAt = 0;

  const compute = async (): Promise<void> => {
    for (const [appId, segmentIds] of wanted()) {
      const ids = [...segmentIds].filter((id) => id !== "everyone");
      const visitors = await membersOfEach(source, appId, ["everyone", ...ids], "visitor");
      const accounts = await membersOfEach(source, appId, ids, "account");
      const segments = new Map<string, Entry>();
      for (const id of ids) segments.set(id, { visitors: visitors.get(id) ?? new Set(), accounts: accounts.get(id) ?? new Set() });
      apps.set(appId, buildApp(visitors.get("everyone") ?? new Set<string>(), segments));
    }
  };

  const refresh = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await compute();
          refreshedAt = Date.now();
        } while (again);
      } finally {
        running = undefined;
      }
    })();
    return running;
  };

  /** Computes one segment not cached yet (a new guide's), without recomputing the others. */
  const ensure = async (appId: string, segmentId: string): Promise<void> => {
    if (segmentId === "everyone" || apps.get(appId)?.segments.has(segmentId)) return;
    const needKnown = !apps.has(appId);
    const visitors = await membersOfEach(source, appId, needKnown ? [segmentId, "everyone"] : [segmentId], "visitor");
    const accounts = await membersOfEach(source, appId, [segmentId], "account");
    const app = apps.get(appId);
    const segments = new Map(app?.segments);
    segments.set(segmentId, { visitors: visitors.get(segmentId) ?? new Set(), accounts: accounts.get(segmentId) ?? new Set() });
    apps.set(appId, buildApp(app?.known ?? visitors.get("everyone") ?? new Set(), segments));
  };

  /**
   * Membership of a visitor: a visitor analytics knows is judged on its own; one not yet seen
   * (the first page of a new user) is judged by the account it arrives with.
   */
  const membership = (appId: string, visitorId: string, accountId: string | undefined): Membership => {
    const app = apps.get(appId);
    if (!app) return new Membership(undefined, NONE);
    const own = app.visitorBits.get(visitorId);
    const viaAccount = accountId !== undefined ? app.accountBits.get(accountId) : undefined;
    if (own === undefined) return new Membership(app.bit, viaAccount ?? NONE);
    if (viaAccount === undefined || app.unknownMembers.size === 0 || !app.unknownMembers.has(visitorId)) return new Membership(app.bit, own);
    // A member of some segments that analytics did not know yet: its account decides the others.
    return new Membership(app.bit, own.map((w, i) => w | (viaAccount[i] ?? 0)));
  };

  return {
    refresh,
    ensure,
    membership,
    /** When the last refresh finished (epoch ms; 0 before the first). */
    refreshedAt: () => refreshedAt,
    /** Whether a segment's membership is cached (a new guide's segment needs a refresh first). */
    has(appId: string, segmentId: string): boolean {
      return segmentId === "everyone" || apps.get(appId)?.segments.has(segmentId) === true;
    },
    /** Whether the visitor (or, when not seen yet, its account) is in the segment; see `membership`. */
    contains(appId: string, segmentId: string, visitorId: string, accountId: string | undefined): boolean {
      return membership(appId, visitorId, accountId).has(segmentId);
    },
  };
}

export type SegmentCache = ReturnType<typeof createSegmentCache>;
