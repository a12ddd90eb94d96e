import crypto from "node:crypto";

/**
 * The idempotency keys (agent batch ids, message ids, Idempotency-Key headers) Pendulum has
 * stored within the dedupe window, held as 64-bit fingerprints by the day they were received.
 * Keys are never compared as text: each is hashed once (SHA-1, first 8 bytes) and only the
 * fingerprint is kept, so a remembered key costs about 8.5 bytes once its day is over (16–32
 * while the day is open) whatever its length. Two different keys share a fingerprint with probability
 * 2^-64 per pair; ADR 0008 says what that means for a store of millions of keys.
 */
export type Fingerprint = { hi: number; lo: number };

export const DAY_MS = 86_400_000;

/** The fingerprint of one key of one app. (0, 0) marks an empty slot, so it is never returned. */
export function fingerprint(appId: string, key: string): Fingerprint {
  const digest = crypto.hash("sha1", `${appId}\u0000${key}`, "buffer");
  const lo = digest.readUInt32LE(0);
  const hi = digest.readUInt32LE(4);
  return lo === 0 && hi === 0 ? { hi: 0, lo: 1 } : { hi, lo };
}

/** The receive day of a time (days since the epoch, UTC). */
export const dayOf = (ms: number): number => Math.floor(ms / DAY_MS);

/** An open day: open addressing with linear probing over (lo, hi) pairs, doubled at half full. */
class OpenDay {
  slots: Uint32Array;
  size = 0;

  constructor(capacity = 1024) {
    this.slots = new Uint32Array(capacity * 2);
  }

  has(fp: Fingerprint): boolean {
    const mask = this.slots.length / 2 - 1;
    for (let i = fp.lo & mask; ; i = (i + 1) & mask) {
      const lo = this.slots[2 * i] as number;
      const hi = this.slots[2 * i + 1] as number;
      if (lo === fp.lo && hi === fp.hi) return true;
      if (lo === 0 && hi === 0) return false;
    }
  }

  add(fp: Fingerprint): void {
    if ((this.size + 1) * 2 > this.slots.length / 2) this.grow();
    if (this.insert(this.slots, fp.lo, fp.hi)) this.size++;
  }

  private insert(slots: Uint32Array, lo: number, hi: number): boolean {
    const mask = slots.length / 2 - 1;
    for (let i = lo & mask; ; i = (i + 1) & mask) {
      const l = slots[2 * i] as number;
      const h = slots[2 * i + 1] as number;
      if (l === lo && h === hi) return false;
      if (l === 0 && h === 0) {
        slots[2 * i] = lo;
        slots[2 * i + 1] = hi;
        return true;
      }
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    for (let i = 0; i < old.length; i += 2) {
      const lo = old[i] as number;
      const hi = old[i + 1] as number;
      if (lo !== 0 || hi !== 0) this.insert(this.slots, lo, hi);
    }
  }

  /** Every fingerprint as (lo, hi) pairs. */
  pairs(): Uint32Array {
    const out = new Uint32Array(this.size * 2);
    let n = 0;
    for (let i = 0; i < this.slots.length; i += 2) {
      const lo = this.slots[i] as number;
      const hi = this.slots[i + 1] as number;
      if (lo === 0 && hi === 0) continue;
      out[n++] = lo;
      out[n++] = hi;
    }
    return out;
  }
}

// A sealed day sorts its fingerprints as unsigned 64-bit numbers (natively, through a
// BigUint64Array over the same memory) and reads them through a Uint32Array view of it, which
// gives the halves without making BigInts. Which half comes first in memory is the platform's byte order.
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const LO = LITTLE_ENDIAN ? 0 : 1;
const HI = LITTLE_ENDIAN ? 1 : 0;

/**
 * A day that is over: its fingerprints sorted, 8 bytes each. A directory of where each range of
 * leading bits starts (about one entry per 8 keys, half a byte a key) narrows a lookup to a few
 * neighbouring keys, so it touches two or three cache lines instead of the ~17 of a binary search
 * (measured in ADR 0008: the lookups' memory latency, not their comparisons, is what costs).
 */
class SealedDay {
  private readonly words: Uint32Array;
  private readonly starts: Uint32Array;
  private readonly shift: number;
  readonly size: number;

  constructor(pairs: Uint32Array) {
    this.size = pairs.length / 2;
    const sorted = new BigUint64Array(this.size);
    this.words = new Uint32Array(sorted.buffer);
    for (let i = 0; i < this.size; i++) {
      this.words[2 * i + LO] = pairs[2 * i] as number;
      this.words[2 * i + HI] = pairs[2 * i + 1] as number;
    }
    sorted.sort();
    const bits = Math.min(24, Math.max(0, Math.ceil(Math.log2(this.size / 8))));
    this.shift = 32 - bits;
    // starts[b] is the first position whose leading `bits` bits are b or more.
    this.starts = new Uint32Array((1 << bits) + 1);
    let at = 0;
    for (let b = 0; b <= 1 << bits; b++) {
      while (at < this.size && this.bucket(this.words[2 * at + HI] as number) < b) at++;
      this.starts[b] = at;
    }
  }

  private bucket(hi: number): number {
    return this.shift === 32 ? 0 : hi >>> this.shift;
  }

  has(fp: Fingerprint): boolean {
    const b = this.bucket(fp.hi);
    const end = this.starts[b + 1] as number;
    for (let i = this.starts[b] as number; i < end; i++) {
      const hi = this.words[2 * i + HI] as number;
      if (hi > fp.hi) return false;
      if (hi === fp.hi && (this.words[2 * i + LO] as number) === fp.lo) return true;
    }
    return false;
  }

  get bytes(): number {
    return this.words.byteLength + this.starts.byteLength;
  }
}

export type KeyIndex = ReturnType<typeof createKeyIndex>;

/**
 * Remembers fingerprints for at least `windowDays` whole days after the day they were received
 * (so between `windowDays` and `windowDays + 1` days), then forgets them a day at a time.
 */
export function createKeyIndex(options: { windowDays: number; today: number }) {
  const open = new Map<number, OpenDay>();
  const sealed = new Map<number, SealedDay>();
  let today = options.today;

  /** Seals the days before `today` and drops those before the window. */
  const settle = (): void => {
    const oldest = today - options.windowDays;
    for (const [day, table] of open) {
      if (day < oldest) open.delete(day);
      else if (day < today) {
        open.delete(day);
        sealed.set(day, new SealedDay(table.pairs()));
      }
    }
    for (const day of sealed.keys()) if (day < oldest) sealed.delete(day);
  };

  return {
    /** Whether the fingerprint was added within the window. */
    has(fp: Fingerprint): boolean {
      for (const table of open.values()) if (table.has(fp)) return true;
      for (const table of sealed.values()) if (table.has(fp)) return true;
      return false;
    },
    /**
     * Remembers a fingerprint under the day it was received. A day already sealed takes no more
     * keys: the key goes under today instead and is remembered a little longer than it needs.
     */
    add(fp: Fingerprint, day: number): void {
      if (day < today - options.windowDays) return;
      const target = sealed.has(day) ? today : day;
      let table = open.get(target);
      if (!table) open.set(target, (table = new OpenDay()));
      table.add(fp);
    },
    /** Moves the index to a new day: earlier days are sealed and days past the window forgotten. */
    advance(day: number): void {
      if (day <= today) return;
      today = day;
      settle();
    },
    /** Seals every day before today (after loading past days at start-up). */
    seal(): void {
      settle();
    },
    today: () => today,
    /** Keys remembered and the bytes their tables take. */
    stats(): { keys: number; bytes: number; days: number } {
      let keys = 0;
      let bytes = 0;
      for (const t of open.values()) {
        keys += t.size;
        bytes += t.slots.byteLength;
      }
      for (const t of sealed.values()) {
        keys += t.size;
        bytes += t.bytes;
      }
      return { keys, bytes, days: open.size + sealed.size };
    },
  };
}
