/** What the cache asks analytics: members of a saved segment (undefined when there is no such segment). */
export type MembershipSource = { membersOf(appId: string, segmentId: string, kind: "visitor" | "account"): Promise<Set<string> | undefined> };

type Entry = { visitors: Set<string>; accounts: Set<string> };
type AppEntry = { known: Set<string>; segments: Map<string, Entry> };

/**
 * Segment membership held in memory for the delivery hot path, recomputed on a timer and at once
 * when told (after a CRM pull or a rule run). A refresh swaps whole sets, so requests never see a
 * half-built segment; while it runs, the previous sets keep answering.
 */
export function createSegmentCache(source: MembershipSource, wanted: () => Map<string, Set<string>>) {
  const apps = new Map<string, AppEntry>();
  let running: Promise<void> | undefined;
  let again = false;
  let refreshedAt = 0;

  const compute = async (): Promise<void> => {
    for (const [appId, segmentIds] of wanted()) {
      const known = (await source.membersOf(appId, "everyone", "visitor")) ?? new Set<string>();
      const segments = new Map<string, Entry>();
      for (const id of segmentIds) {
        if (id === "everyone") continue;
        const [visitors, accounts] = [await source.membersOf(appId, id, "visitor"), await source.membersOf(appId, id, "account")];
        segments.set(id, { visitors: visitors ?? new Set(), accounts: accounts ?? new Set() });
      }
      apps.set(appId, { known, segments });
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
    const [visitors, accounts] = [await source.membersOf(appId, segmentId, "visitor"), await source.membersOf(appId, segmentId, "account")];
    let app = apps.get(appId);
    if (!app) apps.set(appId, (app = { known: (await source.membersOf(appId, "everyone", "visitor")) ?? new Set(), segments: new Map() }));
    app.segments.set(segmentId, { visitors: visitors ?? new Set(), accounts: accounts ?? new Set() });
  };

  return {
    refresh,
    ensure,
    /** When the last refresh finished (epoch ms; 0 before the first). */
    refreshedAt: () => refreshedAt,
    /** Whether a segment's membership is cached (a new guide's segment needs a refresh first). */
    has(appId: string, segmentId: string): boolean {
      return segmentId === "everyone" || apps.get(appId)?.segments.has(segmentId) === true;
    },
    /**
     * Membership of a visitor: a visitor analytics knows is judged on its own; one not yet seen
     * (the first page of a new user) is judged by the account it arrives with.
     */
    contains(appId: string, segmentId: string, visitorId: string, accountId: string | undefined): boolean {
      if (segmentId === "everyone") return true;
      const app = apps.get(appId);
      const e = app?.segments.get(segmentId);
      if (!app || !e) return false;
      if (e.visitors.has(visitorId)) return true;
      return !app.known.has(visitorId) && accountId !== undefined && e.accounts.has(accountId);
    },
  };
}

export type SegmentCache = ReturnType<typeof createSegmentCache>;
