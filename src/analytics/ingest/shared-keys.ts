import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { sql, type Kysely } from "kysely";
import type { ModuleMigrations, Records } from "../../store/index.js";
import { DAY_MS } from "./key-index.js";

/**
 * Idempotency keys shared by every process on one PostgreSQL (server mode, ADR 0008 "Many
 * processes"). The local key files (key-store.ts) still answer the repeats this process has seen;
 * this table answers the ones another process stored. A key is claimed only after its record is
 * durable in the claiming process's log, so a claim never names events that could be lost: the
 * claimer stores them, now or when its log replays after a crash.
 */

/** One record to claim: its keys, the first event id the log gave it, and its app. */
export type ClaimRecord = { appId: string; keys: readonly string[]; firstId: number };

export type SharedKeys = {
  /** This log's identity in the table (persisted beside the log, so a restarted process knows its own claims). */
  readonly owner: string;
  /**
   * Claims the keys of durable records. Per record: `true` when it is this log's to store (it
   * claimed a key, now or before a crash), `false` when every key belongs to another log (a
   * retry stored elsewhere: answered as a duplicate, never stored here).
   */
  claim(records: readonly ClaimRecord[]): Promise<boolean[]>;
  /** Forgets claims made before `before` (epoch ms); returns how many. */
  prune(before: number): Promise<number>;
};

type ClaimTables = { ingest_claims: { app_id: string; key: string; owner: string; first_id: number; claimed_at: number } };

export const sharedKeyMigrations: ModuleMigrations = {
  "analytics-0007-ingest-claims": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("ingest_claims")
        .addColumn("app_id", "text", (c) => c.notNull())
        .addColumn("key", "text", (c) => c.notNull())
        .addColumn("owner", "text", (c) => c.notNull())
        .addColumn("first_id", "bigint", (c) => c.notNull())
        .addColumn("claimed_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("ingest_claims_pk", ["app_id", "key"])
        .execute();
      await db.schema.createIndex("ingest_claims_claimed_at").on("ingest_claims").column("claimed_at").execute();
    },
  },
};

/**
 * The log's owner id: a random id written once into the log folder. It outlives restarts of the
 * same log (replay must recognise its own claims) and differs between logs (processes).
 */
export function logOwnerId(logDir: string): string {
  fs.mkdirSync(logDir, { recursive: true });
  const file = path.join(logDir, "owner");
  try {
    const id = fs.readFileSync(file, "utf8").trim();
    if (id !== "") return id;
  } catch (e) {
    if ((e as { code?: string }).code !== "ENOENT") throw e;
  }
  const id = randomUUID();
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, "w", 0o600);
  try {
    fs.writeSync(fd, `${id}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  return id;
}

export type SharedKeysOptions = {
  records: Records;
  owner: string;
  now: () => number;
  /** Claims older than this many days are pruned (the dedupe window). */
  windowDays: number;
  /** At most one prune per this many ms, run after a claim (an hour by default). */
  pruneEveryMs?: number;
};

/** Rows per INSERT: keeps a replay of a large log to statements of bounded size. */
const ROWS_PER_STATEMENT = 2_000;

export function createSharedKeys(options: SharedKeysOptions): SharedKeys {
  const db = options.records.db.withTables<ClaimTables>();
  const pruneEvery = options.pruneEveryMs ?? 3_600_000;
  let lastPrune = 0;
  let pruning: Promise<unknown> | undefined;

  const prune = async (before: number): Promise<number> => {
    const r = await db.deleteFrom("ingest_claims").where("claimed_at", "<", before).executeTakeFirst();
    return Number(r.numDeletedRows);
  };

  const maybePrune = (): void => {
    const now = options.now();
    if (pruning || now - lastPrune < pruneEvery) return;
    lastPrune = now;
    pruning = prune(now - options.windowDays * DAY_MS)
      .catch((e: unknown) => console.error("pendulum: pruning old ingest claims failed; will retry", e))
      .finally(() => (pruning = undefined));
  };

  const claimNow = async (records: readonly ClaimRecord[]): Promise<boolean[]> => {
    const rows: ClaimTables["ingest_claims"][] = [];
    const now = options.now();
    for (const r of records) for (const key of r.keys) rows.push({ app_id: r.appId, key, owner: options.owner, first_id: r.firstId, claimed_at: now });
    if (rows.length === 0) return records.map(() => true);
    // One order for every process: two multi-row inserts that overlap lock their rows in the
    // same order, so they wait for each other instead of deadlocking.
    rows.sort((a, b) => (a.app_id < b.app_id ? -1 : a.app_id > b.app_id ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const holder = new Map<string, { owner: string; firstId: number }>();
    for (let at = 0; at < rows.length; at += ROWS_PER_STATEMENT) {
      const part = rows.slice(at, at + ROWS_PER_STATEMENT);
      await db.insertInto("ingest_claims").values(part).onConflict((oc) => oc.columns(["app_id", "key"]).doNothing()).execute();
      // Whoever holds each key now: this log (inserted just now, or before a crash) or another.
      const found = await db
        .selectFrom("ingest_claims")
        .select(["app_id", "key", "owner", "first_id"])
        .where(sql<boolean>`(app_id, key) in (${sql.join(part.map((p) => sql`(${p.app_id}, ${p.key})`))})`)
        .execute();
      for (const f of found) holder.set(`${f.app_id}\u0000${f.key}`, { owner: f.owner, firstId: Number(f.first_id) });
    }
    maybePrune();
    return records.map((r) => {
      if (r.keys.length === 0) return true;
      // A record is this log's when any of its keys is its own: then some of its events are new,
      // and storing all of them duplicates at most the ones another log holds (only when two
      // requests share some message ids but not all, which a retry of one request never does).
      return r.keys.some((k) => {
        const h = holder.get(`${r.appId}\u0000${k}`);
        // Missing only if pruned between insert and select: the claim was ours to make.
        return h === undefined || (h.owner === options.owner && h.firstId === r.firstId);
      });
    });
  };

  // Group claims as the log groups commits: requests that arrive while a claim is in flight share
  // the next one, so a burst costs one insert and one select rather than one pair per batch.
  type Waiting = { records: readonly ClaimRecord[]; resolve(mine: boolean[]): void; reject(e: unknown): void };
  let waiting: Waiting[] = [];
  let inFlight = false;
  const drain = async (): Promise<void> => {
    inFlight = true;
    while (waiting.length > 0) {
      const group = waiting;
      waiting = [];
      try {
        const mine = await claimNow(group.flatMap((g) => g.records));
        let at = 0;
        for (const g of group) {
          g.resolve(mine.slice(at, at + g.records.length));
          at += g.records.length;
        }
      } catch (e) {
        for (const g of group) g.reject(e);
      }
    }
    inFlight = false;
  };
  const claim = (records: readonly ClaimRecord[]): Promise<boolean[]> =>
    new Promise((resolve, reject) => {
      waiting.push({ records, resolve, reject });
      if (!inFlight) void drain();
    });

  return { owner: options.owner, claim, prune };
}
