import type { DictionaryEntry, IdRange } from "../../store/index.js";

/**
 * A value → id map kept in memory, whose new entries are stored with the next flush. New ids come
 * from this process's block (`ids`, ADR 0019; instance 0, ids from 1, when absent); entries other
 * processes stored before this one started keep their ids.
 */
export class Dictionary {
  private readonly ids = new Map<string, number>();
  private pending: DictionaryEntry[] = [];
  private next: number;
  private readonly end: number;

  constructor(entries: readonly DictionaryEntry[] = [], ids?: IdRange) {
    this.next = (ids?.base ?? 0) + 1;
    this.end = ids?.end ?? Number.MAX_SAFE_INTEGER;
    for (const e of entries) {
      // Two processes that added one value at once each stored it under their own id: either
      // maps it (mappings are per id, scans dedupe values), so the first loaded is kept.
      if (!this.ids.has(e.value)) this.ids.set(e.value, e.id);
      if (e.id >= this.next && e.id < this.end) this.next = e.id + 1;
    }
  }

  /** The id of a value, giving it a new one (stored with the next flush) if it is new. */
  idOf(value: string): number {
    const known = this.ids.get(value);
    if (known !== undefined) return known;
    if (this.next >= this.end) throw new Error("This ingest instance has used its whole block of dictionary ids (2^40)");
    const id = this.next++;
    this.ids.set(value, id);
    this.pending.push({ id, value });
    return id;
  }

  /** Entries not yet stored; the caller stores them or hands them back with `restore`. */
  takePending(): DictionaryEntry[] {
    const p = this.pending;
    this.pending = [];
    return p;
  }

  /** Puts back entries whose store failed, ahead of newer ones. */
  restore(entries: DictionaryEntry[]): void {
    this.pending = [...entries, ...this.pending];
  }

  get size(): number {
    return this.ids.size;
  }
}
