import type { RecordError } from "./store.js";

/** CRM records indexed by the link field's value: the 1:1 match between analytics ids and CRM records. */
export type LinkIndex = {
  /** Key → the one CRM record holding it. */
  unique: Map<string, Record<string, unknown>>;
  /** Keys held by more than one CRM record, with those records' ids. */
  duplicates: Map<string, string[]>;
};

/** The key of a CRM record; for the Id field both the 18- and 15-character forms match. */
function keysOf(record: Record<string, unknown>, field: string): string[] {
  const v = record[field];
  if (v === null || v === undefined || v === "") return [];
  const s = String(v);
  return field === "Id" && s.length === 18 ? [s, s.slice(0, 15)] : [s];
}

/** Indexes CRM records by the link field, setting aside keys more than one record holds. */
export function indexByLink(records: Record<string, unknown>[], field: string): LinkIndex {
  const all = new Map<string, Record<string, unknown>[]>();
  for (const r of records) {
    for (const k of keysOf(r, field)) {
      const list = all.get(k);
      if (list) list.push(r);
      else all.set(k, [r]);
    }
  }
  const unique = new Map<string, Record<string, unknown>>();
  const duplicates = new Map<string, string[]>();
  for (const [k, list] of all) {
    if (list.length === 1) unique.set(k, list[0] as Record<string, unknown>);
    else duplicates.set(k, list.map((r) => String(r["Id"])));
  }
  return { unique, duplicates };
}

/** What linking a set of analytics ids found, as per-record errors and counts. */
export type LinkReport = { matched: Map<string, Record<string, unknown>>; duplicates: RecordError[]; unmatched: RecordError[] };

/** Matches analytics ids to CRM records; every duplicate and unmatched id is reported by record, none dropped silently. */
export function linkIds(ids: Iterable<string>, index: LinkIndex, o: { step: "pull" | "push"; object: string; field: string }): LinkReport {
  const matched = new Map<string, Record<string, unknown>>();
  const duplicates: RecordError[] = [];
  const unmatched: RecordError[] = [];
  for (const id of ids) {
    const hit = index.unique.get(id);
    if (hit) {
      matched.set(id, hit);
      continue;
    }
    const dups = index.duplicates.get(id);
    if (dups) {
      for (const recordId of dups) duplicates.push({ step: o.step, object: o.object, key: id, recordId, code: "DUPLICATE_KEY", message: `${dups.length} ${o.object} records hold ${o.field} = ${id}; the link must be 1:1, so none of them is synced`, notice: true });
    } else {
      unmatched.push({ step: o.step, object: o.object, key: id, code: "UNMATCHED", message: `No ${o.object} has ${o.field} = ${id}`, notice: true });
    }
  }
  return { matched, duplicates, unmatched };
}

/**
 * CRM records whose link value matches no analytics id (the other direction of "unmatched"): an
 * Account created in the CRM for a customer the product has never seen, or a mistyped value.
 */
export function orphansOf(records: Record<string, unknown>[], known: ReadonlySet<string>, o: { step: "pull" | "push"; object: string; field: string; kind: string }): RecordError[] {
  const out: RecordError[] = [];
  for (const r of records) {
    const keys = keysOf(r, o.field);
    if (keys.length === 0 || keys.some((k) => known.has(k))) continue;
    const key = keys[0] as string;
    out.push({ step: o.step, object: o.object, key, recordId: String(r["Id"]), code: "ORPHAN", message: `${o.object} ${String(r["Id"])} has ${o.field} = ${key}, which matches no analytics ${o.kind}`, notice: true });
  }
  return out;
}
