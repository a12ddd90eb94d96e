import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import type { AcceptedBatch } from "./accepted.js";
import { createKeyIndex, dayOf, DAY_MS, fingerprint, type Fingerprint } from "./key-index.js";

/**
 * Exactly once across restarts (ADR 0008). A key (an agent batch id, a message id, a request's
 * Idempotency-Key) is written into the log frame of the record it belongs to, so it is durable
 * exactly when its events are. Once the record is stored in the event store, its key's
 * fingerprint is appended to a file for its receive day under `<data>/ingest-keys/` and synced
 * before the log may delete the record's segment. At start-up the index is rebuilt from the key
 * files of the window and from every record still in the log.
 */

/** A record's keys; frames written before keys existed carry only `batchId`. */
export function keysOf(batch: AcceptedBatch): readonly string[] {
  if (batch.keys) return batch.keys;
  return batch.batchId ? [`b:${batch.batchId}`] : [];
}

/** What `claim` found: per asked key whether it was already stored (or asked twice); `end` when the request is done. */
export type Claim = { repeat: boolean[]; end(): void };

type Unwritten = { fp: Fingerprint; day: number; lastId: number };

const FILE = /^(\d{4}-\d{2}-\d{2})\.keys$/;
const fileOf = (day: number): string => `${new Date(day * DAY_MS).toISOString().slice(0, 10)}.keys`;
const dayOfFile = (name: string): number => dayOf(Date.parse(`${(FILE.exec(name) as RegExpExecArray)[1] as string}T00:00:00Z`));

export type KeyStoreOptions = { dir: string; windowDays: number; now: () => number };

export type KeyStore = Awaited<ReturnType<typeof openKeyStore>>;

/** Opens the key files of the window (deleting older ones) into an in-memory index. */
export async function openKeyStore(options: KeyStoreOptions) {
  fs.mkdirSync(options.dir, { recursive: true });
  const index = createKeyIndex({ windowDays: options.windowDays, today: dayOf(options.now()) });
  const oldest = (): number => index.today() - options.windowDays;

  let loaded = 0;
  for (const name of fs.readdirSync(options.dir).filter((f) => FILE.test(f))) {
    const file = path.join(options.dir, name);
    const day = dayOfFile(name);
    if (day < oldest()) {
      fs.unlinkSync(file);
      continue;
    }
    const data = fs.readFileSync(file);
    // A crash can leave part of a fingerprint at the end: those keys are still in the log.
    const whole = data.length - (data.length % 8);
    if (whole < data.length) fs.truncateSync(file, whole);
    for (let at = 0; at < whole; at += 8) {
      const fp = { lo: data.readUInt32LE(at), hi: data.readUInt32LE(at + 4) };
      // A region a crash left zero-filled holds no keys.
      if (fp.lo === 0 && fp.hi === 0) continue;
      index.add(fp, day);
      loaded++;
    }
  }

  /**
   * Full keys of requests under way, with their fingerprint (reused when the record becomes
   * durable) and whoever waits for the request to end.
   */
  const pending = new Map<string, { fp: Fingerprint; waiters?: (() => void)[] }>();
  /** Keys durable in the log, not yet in a key file. Not in id order: requests finish out of order. */
  let unwritten: Unwritten[] = [];
  const handles = new Map<number, fsp.FileHandle>();

  const remember = (fp: Fingerprint, day: number, lastId: number): void => {
    index.add(fp, day);
    unwritten.push({ fp, day, lastId });
  };

  const fileFor = async (day: number): Promise<fsp.FileHandle> => {
    let h = handles.get(day);
    if (h) return h;
    const file = path.join(options.dir, fileOf(day));
    const created = !fs.existsSync(file);
    h = await fsp.open(file, "a", 0o600);
    handles.set(day, h);
    if (created) await syncDir(options.dir);
    return h;
  };

  /** A new day: seals the index's past days, forgets the oldest, and deletes files past the window. */
  const advance = (): void => {
    const day = dayOf(options.now());
    if (day <= index.today()) return;
    index.advance(day);
    for (const name of fs.readdirSync(options.dir).filter((f) => FILE.test(f))) {
      const d = dayOfFile(name);
      if (d >= oldest()) continue;
      const h = handles.get(d);
      handles.delete(d);
      void h?.close();
      fs.rmSync(path.join(options.dir, name), { force: true });
    }
  };

  return {
    /** Keys read from the key files at open. */
    loaded,
    /**
     * Claims keys of one app for a request. A key already stored, or asked for earlier in the
     * same call, is a repeat; a key another request is writing is waited for, then decided. The
     * caller writes the records of the keys that are not repeats, then calls `end` (whether or
     * not the write succeeded: keys that became durable are remembered by then).
     */
    async claim(appId: string, keys: readonly string[]): Promise<Claim> {
      advance();
      const full = keys.map((k) => `${appId}\u0000${k}`);
      // Waits without holding anything, so two requests with overlapping keys never wait on each other.
      for (;;) {
        const busy = full.find((k) => pending.has(k));
        if (busy === undefined) break;
        const held = pending.get(busy) as { waiters?: (() => void)[] };
        await new Promise<void>((resolve) => (held.waiters ??= []).push(resolve));
      }
      const mine: string[] = [];
      const repeat = keys.map((k, i) => {
        const f = full[i] as string;
        if (pending.has(f)) return true;
        const fp = fingerprint(appId, k);
        if (index.has(fp)) return true;
        pending.set(f, { fp });
        mine.push(f);
        return false;
      });
      return {
        repeat,
        end() {
          for (const f of mine) {
            const held = pending.get(f);
            pending.delete(f);
            for (const wake of held?.waiters ?? []) wake();
          }
        },
      };
    },
    /** A record is durable in the log (called before its append resolves): its keys are remembered. */
    durable(batch: AcceptedBatch, lastId: number): void {
      const keys = keysOf(batch);
      if (keys.length === 0) return;
      const day = dayOf(batch.receivedAt);
      for (const k of keys) remember(pending.get(`${batch.appId}\u0000${k}`)?.fp ?? fingerprint(batch.appId, k), day, lastId);
    },
    /** A record found in the log at start-up: its keys are remembered unless a key file had them. */
    recovered(batch: AcceptedBatch, lastId: number): void {
      const day = dayOf(batch.receivedAt);
      for (const k of keysOf(batch)) {
        const fp = fingerprint(batch.appId, k);
        if (!index.has(fp)) remember(fp, day, lastId);
      }
    },
    /** After start-up recovery: days before today become compact. */
    seal(): void {
      index.seal();
    },
    /**
     * Writes the keys of records up to `storedId` (now in the event store) to their day files and
     * syncs them. Runs after each flush and before the log may delete a stored segment.
     */
    async persistThrough(storedId: number): Promise<void> {
      const now: Unwritten[] = [];
      const later: Unwritten[] = [];
      for (const u of unwritten) (u.lastId <= storedId ? now : later).push(u);
      if (now.length === 0) return;
      // Keys made durable while this writes go to the new list.
      unwritten = later;
      const byDay = new Map<number, Unwritten[]>();
      for (const u of now) {
        if (u.day < oldest()) continue;
        let list = byDay.get(u.day);
        if (!list) byDay.set(u.day, (list = []));
        list.push(u);
      }
      try {
        for (const [day, list] of byDay) {
          const buf = Buffer.allocUnsafe(list.length * 8);
          list.forEach((u, i) => {
            buf.writeUInt32LE(u.fp.lo, i * 8);
            buf.writeUInt32LE(u.fp.hi, i * 8 + 4);
          });
          const h = await fileFor(day);
          await h.write(buf);
          await h.datasync();
        }
      } catch (e) {
        // Written again next time (a key written twice is harmless); the log keeps the records meanwhile.
        unwritten.push(...now);
        throw e;
      }
    },
    /** Keys remembered and the memory their index takes (diagnostics, benchmark). */
    stats: () => ({ ...index.stats(), unwritten: unwritten.length, pending: pending.size }),
    async close(): Promise<void> {
      for (const h of handles.values()) await h.close();
      handles.clear();
    },
  };
}

async function syncDir(dir: string): Promise<void> {
  const d = await fsp.open(dir, "r");
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}
