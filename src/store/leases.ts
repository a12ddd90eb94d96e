import type { Kysely } from "kysely";
import type { ModuleMigrations, Records } from "./records.js";

/**
 * A lease: the right to do one thing (a sync run, a rule's run) that must never happen twice at
 * once, in this process or any other on the same records. It lasts `ttlMs` and is renewed while
 * its holder is alive, so one left by a process killed with -9 lapses within `ttlMs`.
 */
export type Lease = { readonly name: string; readonly owner: string; release(): Promise<void> };

/** Named leases over the records store, shared by every process on it. */
export type Leases = {
  /** Takes the lease unless a live holder has it; undefined when it is held. */
  take(name: string): Promise<Lease | undefined>;
  /** Runs `work` holding the lease, or returns `busy()` without running it when someone else holds it. */
  hold<T>(name: string, work: () => Promise<T>, busy: () => T | Promise<T>): Promise<T>;
  /** Forgets every lease: only for a process that knows it is alone (SQLite), at start. */
  clearAll(): Promise<void>;
  /** Stops renewing (shutdown); held leases lapse unless released first. */
  stop(): void;
};

type LeaseTables = { leases: { name: string; owner: string; expires_at: number } };

export const leaseMigrations: ModuleMigrations = {
  "leases-0001-leases": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("leases")
        .addColumn("name", "text", (c) => c.primaryKey())
        .addColumn("owner", "text", (c) => c.notNull())
        .addColumn("expires_at", "bigint", (c) => c.notNull())
        .execute();
    },
  },
};

export const DEFAULT_LEASE_MS = 60_000;

/** Leases owned by this process (`instanceId`), renewed every third of `ttlMs`. */
export function createLeases(records: Records, instanceId: string, clock: () => number, ttlMs = DEFAULT_LEASE_MS): Leases {
  const db = records.db.withTables<LeaseTables>();
  const held = new Map<string, string>();
  let seq = 0;
  let stopped = false;
  const renew = async (): Promise<void> => {
    for (const [name, owner] of held) {
      if (stopped) return;
      const r = await db.updateTable("leases").set({ expires_at: clock() + ttlMs }).where("name", "=", name).where("owner", "=", owner).executeTakeFirst();
      // Lost (it lapsed while this process stalled, and another took it): stop claiming it.
      if (Number(r.numUpdatedRows) === 0) {
        held.delete(name);
        console.error(`pendulum: the lease ${name} lapsed while held; another process may now hold it`);
      }
    }
  };
  const timer = setInterval(() => void renew().catch((e: unknown) => stopped || console.error("pendulum: renewing leases failed", e)), Math.max(ttlMs / 3, 50));
  timer.unref();

  const take = async (name: string): Promise<Lease | undefined> => {
    const owner = `${instanceId}-${++seq}`;
    const now = clock();
    // One statement, as the job lock: of two processes racing, exactly one inserts or takes over a lapsed lease.
    const r = await db
      .insertInto("leases")
      .values({ name, owner, expires_at: now + ttlMs })
      .onConflict((oc) => oc.column("name").doUpdateSet({ owner, expires_at: now + ttlMs }).where("leases.expires_at", "<=", now))
      .executeTakeFirst();
    if (Number(r.numInsertedOrUpdatedRows ?? 0n) === 0) return undefined;
    held.set(name, owner);
    return {
      name,
      owner,
      async release() {
        if (held.get(name) === owner) held.delete(name);
        await db.deleteFrom("leases").where("name", "=", name).where("owner", "=", owner).execute();
      },
    };
  };

  return {
    take,
    async hold(name, work, busy) {
      const lease = await take(name);
      if (!lease) return busy();
      try {
        return await work();
      } finally {
        await lease.release();
      }
    },
    async clearAll() {
      await db.deleteFrom("leases").execute();
    },
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
