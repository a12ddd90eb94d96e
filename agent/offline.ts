import { OFFLINE_MAX_AGE_MS, OFFLINE_MAX_EVENTS } from "./limits.js";
import type { AgentBatch } from "./types.js";

/** The part of `Storage` the offline queue uses (localStorage in the browser). */
export type KeyValueStore = Pick<Storage, "getItem" | "setItem" | "removeItem" | "key"> & { readonly length: number };

const newestTs = (b: AgentBatch): number => b.events.reduce((m, e) => Math.max(m, e.ts), 0);

/** Keeps the newest batches within the offline bounds (event count and age), in their original order. */
export function bound(batches: readonly AgentBatch[], now: number): AgentBatch[] {
  const kept: AgentBatch[] = [];
  let events = 0;
  for (let i = batches.length - 1; i >= 0; i--) {
    const b = batches[i] as AgentBatch;
    if (now - newestTs(b) > OFFLINE_MAX_AGE_MS || events + b.events.length > OFFLINE_MAX_EVENTS) continue;
    events += b.events.length;
    kept.unshift(b);
  }
  return kept;
}

/** The batch without events too old for the server, which would refuse the whole batch for one. */
export function withoutStale(batch: AgentBatch, now: number): AgentBatch {
  const events = batch.events.filter((e) => now - e.ts <= OFFLINE_MAX_AGE_MS);
  return events.length === batch.events.length ? batch : { ...batch, events };
}

/** Writes a tab's unsent batches; quota and private-mode errors cost only the offline copy. */
export function save(store: KeyValueStore | undefined, key: string, batches: readonly AgentBatch[]): void {
  try {
    if (batches.length) store?.setItem(key, JSON.stringify(batches));
    else store?.removeItem(key);
  } catch {
    // Storage full or forbidden: the batches still live in memory.
  }
}

function isBatch(b: unknown): b is AgentBatch {
  const o = b as AgentBatch | null;
  return !!o && typeof o.batchId === "string" && !!o.visitor && typeof o.visitor.id === "string" && Array.isArray(o.events) && o.events.length > 0;
}

/** Takes over every stored batch under a prefix (this tab's last page and closed tabs) and clears them. */
export function adopt(store: KeyValueStore | undefined, prefix: string): AgentBatch[] {
  const found: AgentBatch[] = [];
  try {
    if (!store) return found;
    const keys: string[] = [];
    for (let i = 0; i < store.length; i++) {
      const k = store.key(i);
      if (k?.startsWith(prefix)) keys.push(k);
    }
    for (const k of keys) {
      const parsed: unknown = JSON.parse(store.getItem(k) ?? "[]");
      if (Array.isArray(parsed)) found.push(...parsed.filter(isBatch));
      store.removeItem(k);
    }
  } catch {
    // Unreadable storage or a corrupt entry: start clean rather than fail the host page.
  }
  return found;
}
