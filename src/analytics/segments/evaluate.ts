import { ApiError } from "../../kernel/index.js";
import type { EventsEngine } from "../events-engine.js";
import { GUIDES_NOT_LOADED, type GuideDataSource } from "../guide-data.js";
import type { Entity, EntityKind, Metadata, MetadataValue } from "../metadata.js";
import { isoDateToDay, SLOT_MS } from "../metrics/time-zone.js";
import type { BehaviorRule, MetadataRule, NpsRule, SegmentGroup, SegmentRule } from "./definition.js";

const DAY = 86_400_000;

/** What evaluation reads: every entity's metadata, the visitor ↔ account links, and the rollups. */
export type SegmentData = {
  appId: string;
  now: number;
  accounts: Entity[];
  visitors: Entity[];
  links: { visitorId: string; accountId: string }[];
  /** The events engine: behaviour rules count from its rollups. */
  events: Pick<EventsEngine, "behaviorCounts">;
  /** NPS answers for `nps` rules; absent when the guides module is not loaded. */
  guideData?: GuideDataSource;
};

const isGroup = (r: SegmentRule): r is SegmentGroup => "op" in r;

/** Groups inside groups, counting the outermost: enough for any targeting an admin writes by hand. */
export const MAX_SEGMENT_DEPTH = 10;

const NPS_CATEGORIES: readonly string[] = ["promoter", "passive", "detractor"];

/** Checks an NPS rule field by field (the schema lets every text through so the error can name the field). */
function checkNpsRule(r: NpsRule, at: string, options: { nps?: boolean }): void {
  if (!NPS_CATEGORIES.includes(r.category)) throw new ApiError(400, "INVALID_VALUE", "category is promoter (9–10), passive (7–8) or detractor (0–6)", `${at}.category`);
  if (r.target !== undefined && r.target !== "account" && r.target !== "visitor") throw new ApiError(400, "INVALID_VALUE", "target is account or visitor", `${at}.target`);
  if (r.days !== undefined && (!Number.isInteger(r.days) || r.days < 1 || r.days > 3650)) throw new ApiError(400, "INVALID_VALUE", "days is a whole number from 1 to 3650", `${at}.days`);
  if (options.nps === false) throw new ApiError(400, "GUIDES_NOT_LOADED", `An NPS rule ${GUIDES_NOT_LOADED}`, at);
}

/**
 * Checks what the schema cannot: each operator and condition has the values it needs.
 * `options.nps: false` refuses NPS rules (nothing supplies NPS answers).
 */
export function checkSegment(group: SegmentGroup, path = "definition", options: { nps?: boolean } = {}, depth = 1): void {
  if (depth > MAX_SEGMENT_DEPTH) throw new ApiError(400, "SEGMENT_TOO_DEEP", `Groups nest at most ${MAX_SEGMENT_DEPTH} levels deep; flatten this one`, path);
  group.rules.forEach((r, i) => {
    const at = `${path}.rules[${i}]`;
    if (isGroup(r)) return checkSegment(r, at, options, depth + 1);
    if (r.kind === "nps") return checkNpsRule(r, at, options);
    if (r.kind === "metadata") {
      const needsValue = !["exists", "notExists"].includes(r.operator);
      if (needsValue && r.value === undefined) throw new ApiError(400, "VALUE_REQUIRED", `The ${r.operator} operator needs a value`, `${at}.value`);
      if (r.operator === "between" && r.value2 === undefined) throw new ApiError(400, "VALUE_REQUIRED", "between needs value and value2", `${at}.value2`);
      if ((r.operator === "inLastDays" || r.operator === "withinNextDays") && typeof r.value !== "number") throw new ApiError(400, "INVALID_VALUE", `${r.operator} needs a number of days`, `${at}.value`);
      return;
    }
    if (r.condition === "withinLastDays" && r.days === undefined) throw new ApiError(400, "VALUE_REQUIRED", "withinLastDays needs days", `${at}.days`);
    if (r.condition === "since" && r.date === undefined) throw new ApiError(400, "VALUE_REQUIRED", "since needs a date (YYYY-MM-DD)", `${at}.date`);
    if (r.date !== undefined && isoDateToDay(r.date) === null) throw new ApiError(400, "INVALID_VALUE", `${r.date} is not a date; write a real date as YYYY-MM-DD`, `${at}.date`);
    if ((r.condition === "atLeast" || r.condition === "atMost") && r.count === undefined) throw new ApiError(400, "VALUE_REQUIRED", `${r.condition} needs count`, `${at}.count`);
  });
}

function asNumber(v: MetadataValue | undefined): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "string" && v.trim() !== "" && !Number.isNaN(Number(v))) return Number(v);
  return undefined;
}

function asTime(v: MetadataValue | undefined): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "string" && /^\d{4}-\d{2}-\d{2}/.test(v)) {
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

/** Compares two values numerically, else as dates, else as case-insensitive text. */
function compare(a: MetadataValue | undefined, b: MetadataValue | undefined): number | undefined {
  if (a === undefined || a === null || b === undefined || b === null) return undefined;
  const na = asNumber(a);
  const nb = asNumber(b);
  if (na !== undefined && nb !== undefined) return na - nb;
  const ta = asTime(a);
  const tb = asTime(b);
  if (ta !== undefined && tb !== undefined) return ta - tb;
  return String(a).toLowerCase().localeCompare(String(b).toLowerCase());
}

/** Whether one metadata value satisfies a rule (SPEC operators). */
export function metadataMatches(rule: MetadataRule, meta: Metadata, now: number): boolean {
  // Own keys only: a rule on "constructor" must not see what every object inherits.
  const v = Object.hasOwn(meta, rule.key) ? meta[rule.key] : undefined;
  const present = v !== undefined && v !== null && v !== "";
  switch (rule.operator) {
    case "exists":
      return present;
    case "notExists":
      return !present;
    case "equals":
      return present && compare(v, rule.value) === 0;
    case "notEquals":
      return !present || compare(v, rule.value) !== 0;
    case "contains":
      return present && String(v).toLowerCase().includes(String(rule.value).toLowerCase());
    case "notContains":
      return !present || !String(v).toLowerCase().includes(String(rule.value).toLowerCase());
    case "greater": {
      const c = compare(v, rule.value);
      return c !== undefined && c > 0;
    }
    case "less": {
      const c = compare(v, rule.value);
      return c !== undefined && c < 0;
    }
    case "between": {
      const lo = compare(v, rule.value);
      const hi = compare(v, rule.value2);
      return lo !== undefined && hi !== undefined && lo >= 0 && hi <= 0;
    }
    case "inLastDays": {
      const t = asTime(v);
      return t !== undefined && t <= now && t >= now - Number(rule.value) * DAY;
    }
    case "withinNextDays": {
      const t = asTime(v);
      return t !== undefined && t >= now - DAY && t <= now + Number(rule.value) * DAY;
    }
  }
  return false;
}

/** Counts per account or visitor of one behaviour, from the rollups (a window when given). */
async function behaviorCounts(rule: BehaviorRule, kind: EntityKind, data: SegmentData): Promise<Map<string, number>> {
  let fromSlot: number | null = null;
  if (rule.condition === "withinLastDays" || ((rule.condition === "atLeast" || rule.condition === "atMost" || rule.condition === "never") && rule.days !== undefined)) {
    fromSlot = Math.floor((data.now - (rule.days ?? 0) * DAY) / SLOT_MS);
  } else if (rule.condition === "since" && rule.date) {
    const day = isoDateToDay(rule.date);
    // checkSegment refuses dates that do not exist; a stored one is read as "no match", never as SQL NaN.
    if (day === null) return new Map();
    fromSlot = Math.floor((day * DAY) / SLOT_MS);
  }
  return data.events.behaviorCounts({ appId: data.appId, kind, event: rule.event, id: rule.id, fromSlot: fromSlot === null ? null : Math.trunc(fromSlot) });
}

function behaviorMatches(rule: BehaviorRule, n: number): boolean {
  switch (rule.condition) {
    case "ever":
    case "withinLastDays":
    case "since":
      return n >= 1;
    case "atLeast":
      return n >= (rule.count ?? 1);
    case "atMost":
      return n <= (rule.count ?? 0);
    case "never":
      return n === 0;
  }
  return false;
}

/** The ids (accounts or visitors) a segment selects. */
export async function evaluateSegment(group: SegmentGroup, kind: EntityKind, data: SegmentData): Promise<Set<string>> {
  const universe = kind === "account" ? data.accounts : data.visitors;
  const byId = new Map(universe.map((e) => [e.id, e]));
  const accountsById = new Map(data.accounts.map((a) => [a.id, a]));
  const visitorsById = new Map(data.visitors.map((v) => [v.id, v]));
  // For a rule about the other kind: visitor → its accounts, account → its visitors.
  const related = new Map<string, string[]>();
  for (const l of data.links) {
    const [from, to] = kind === "visitor" ? [l.visitorId, l.accountId] : [l.accountId, l.visitorId];
    const list = related.get(from);
    if (list) list.push(to);
    else related.set(from, [to]);
  }

  const evalRule = async (rule: SegmentRule, at: string): Promise<Set<string>> => {
    if (isGroup(rule)) {
      const parts = await Promise.all(rule.rules.map((r, i) => evalRule(r, `${at}.rules[${i}]`)));
      if (rule.op === "and") return parts.reduce((acc, s) => new Set([...acc].filter((id) => s.has(id))));
      return new Set(parts.flatMap((s) => [...s]));
    }
    if (rule.kind === "metadata") {
      const out = new Set<string>();
      for (const e of universe) {
        if (rule.target === kind) {
          if (metadataMatches(rule, e.metadata[rule.group], data.now)) out.add(e.id);
        } else {
          const others = related.get(e.id) ?? [];
          const lookup = rule.target === "account" ? accountsById : visitorsById;
          if (others.some((o) => {
            const other = lookup.get(o);
            return other !== undefined && metadataMatches(rule, other.metadata[rule.group], data.now);
          })) out.add(e.id);
        }
      }
      return out;
    }
    if (rule.kind === "nps") {
      if (!data.guideData) throw new ApiError(400, "GUIDES_NOT_LOADED", `An NPS rule ${GUIDES_NOT_LOADED}`, at);
      const target = rule.target ?? kind;
      // The latest answer ever, or the latest of the last `days` days.
      const from = rule.days === undefined ? 0 : data.now - rule.days * DAY;
      const categories = await data.guideData.npsCategories(data.appId, target, from, Number.MAX_SAFE_INTEGER);
      const out = new Set<string>();
      for (const e of universe) {
        if (target === kind ? categories.get(e.id) === rule.category : (related.get(e.id) ?? []).some((o) => categories.get(o) === rule.category)) out.add(e.id);
      }
      return out;
    }
    const counts = await behaviorCounts(rule, kind, data);
    const out = new Set<string>();
    for (const id of byId.keys()) if (behaviorMatches(rule, counts.get(id) ?? 0)) out.add(id);
    return out;
  };
  return evalRule(group, "definition");
}
