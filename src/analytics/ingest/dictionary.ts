import type { DictionaryEntry } from "../../store/index.js";

/** A value → id map kept in memory, whose new entries are stored with the next flush. */
export class Dictionary {
  private readonly ids = new Map<string, number>();
  private pending: DictionaryEntry[] = [];
  private next = 1;

  constructor(entries: readonly DictionaryEntry[] = []) {
    for (const e of entries) {
      this.ids.set(e.value, e.id);
      if (e.id >= this.next) this.next = e.id + 1;
    }
  }

  /** The id of a value, giving it a new one (stored with the next flush) if it is new. */
  idOf(value: string): number {
    const known = this.ids.get(value);
    if (known !== undefined) return known;
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
