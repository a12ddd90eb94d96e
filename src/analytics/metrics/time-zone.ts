/**
 * Local days without DuckDB's ICU extension (not always installable offline): offsets come from
 * Intl in TypeScript and become a small CASE expression that SQL evaluates per row.
 *
 * Rollups are kept per 15-minute slot. Every offset in use today is a multiple of 15 minutes
 * (India +5:30, Nepal +5:45, Chatham +12:45), so local midnights always fall on a slot edge and a
 * slot belongs to exactly one local day in any time zone.
 */

export const SLOT_MS = 900_000;
export const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

export type MetricsInputError = { code: "INVALID_TIME_ZONE" | "INVALID_DATE_RANGE" | "UNSUPPORTED_TIME_ZONE"; message: string };

/** One stretch of time with a constant UTC offset: [startMs, next segment's startMs). */
type OffsetSegment = { startMs: number; offsetMinutes: number };

/** A report range in a time zone: instants, slots and the offsets needed to name local days. */
export type LocalRange = {
  timeZone: string;
  /** First instant of `from` (local), inclusive. */
  startMs: number;
  /** First instant of the day after `to` (local), exclusive. */
  endMs: number;
  startSlot: number;
  endSlot: number;
  fromDay: number;
  toDay: number;
  segments: readonly OffsetSegment[];
};

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The zone's UTC offset in minutes at an instant (local = UTC + offset). */
export function offsetMinutes(timeZone: string, ms: number): number {
  const parts = formatter(timeZone).formatToParts(new Date(ms));
  const get = (t: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const asUtc = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / MINUTE_MS);
}

/** Local day number (days since 1970-01-01 in local time) of an instant. */
export function localDayNumber(timeZone: string, ms: number): number {
  return Math.floor((ms + offsetMinutes(timeZone, ms) * MINUTE_MS) / DAY_MS);
}

/** Days since 1970-01-01 of an ISO date "YYYY-MM-DD", or null when it is not a real date. */
export function isoDateToDay(date: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (new Date(ms).toISOString().slice(0, 10) !== date) return null;
  return ms / DAY_MS;
}

/** First instant whose local date is `day`, on a 15-minute grid (handles midnights skipped by DST). */
function localDayStart(timeZone: string, day: number): number {
  const naive = day * DAY_MS;
  let t = naive - offsetMinutes(timeZone, naive) * MINUTE_MS;
  t = naive - offsetMinutes(timeZone, t) * MINUTE_MS;
  t = Math.floor(t / SLOT_MS) * SLOT_MS;
  while (localDayNumber(timeZone, t) < day) t += SLOT_MS;
  while (localDayNumber(timeZone, t - SLOT_MS) >= day) t -= SLOT_MS;
  return t;
}

/**
 * Offset segments covering [fromMs, toMs): steps of a week, then a binary search to the slot.
 * Clock changes are weeks apart (the shortest, Morocco's Ramadan pause, lasts about a month), so
 * no offset is missed; each step is an Intl call, and a ten-year range costs about 520 of them
 * rather than the 14,600 six-hour steps it took before (issue 15: a range bounds the work).
 */
function offsetSegments(timeZone: string, fromMs: number, toMs: number): OffsetSegment[] {
  const step = 7 * DAY_MS;
  const segments: OffsetSegment[] = [{ startMs: fromMs, offsetMinutes: offsetMinutes(timeZone, fromMs) }];
  let prev = fromMs;
  let prevOffset = segments[0]?.offsetMinutes ?? 0;
  for (let t = fromMs + step; prev < toMs; t += step) {
    const at = Math.min(t, toMs);
    const off = offsetMinutes(timeZone, at);
    if (off !== prevOffset) {
      let lo = prev; // offset == prevOffset
      let hi = at; // offset == off
      while (hi - lo > SLOT_MS) {
        const mid = lo + Math.floor((hi - lo) / SLOT_MS / 2) * SLOT_MS;
        if (offsetMinutes(timeZone, mid) === prevOffset) lo = mid;
        else hi = mid;
      }
      segments.push({ startMs: hi, offsetMinutes: off });
      prevOffset = off;
    }
    prev = at;
  }
  return segments;
}

type RangeResult = { ok: true; value: LocalRange } | { ok: false; error: MetricsInputError };

/** The longest range a report, usage series or segment may cover: ten years and a leap day or two. */
export const MAX_RANGE_DAYS = 3660;

/** Resolved ranges: Intl formatting costs milliseconds per range and dashboards repeat the same few. */
const resolvedRanges = new Map<string, RangeResult>();
const MAX_RESOLVED_RANGES = 512;

/** Resolves an inclusive local date range [from, to] in an IANA time zone. */
export function localRange(timeZone: string, from: string, to: string): RangeResult {
  const cacheKey = `${timeZone}\n${from}\n${to}`;
  const hit = resolvedRanges.get(cacheKey);
  if (hit) return hit;
  const result = resolveRange(timeZone, from, to);
  if (resolvedRanges.size >= MAX_RESOLVED_RANGES) resolvedRanges.clear();
  resolvedRanges.set(cacheKey, result);
  return result;
}

function resolveRange(timeZone: string, from: string, to: string): RangeResult {
  try {
    formatter(timeZone);
  } catch {
    return { ok: false, error: { code: "INVALID_TIME_ZONE", message: `Unknown time zone "${timeZone}": use an IANA name such as Europe/Berlin` } };
  }
  const fromDay = isoDateToDay(from);
  const toDay = isoDateToDay(to);
  if (fromDay === null || toDay === null) return { ok: false, error: { code: "INVALID_DATE_RANGE", message: "from and to are dates written YYYY-MM-DD" } };
  if (toDay < fromDay) return { ok: false, error: { code: "INVALID_DATE_RANGE", message: `The range ends (${to}) before it starts (${from})` } };
  // Work per request must stay bounded: a thousand-year range would hold the server for seconds.
  if (toDay - fromDay + 1 > MAX_RANGE_DAYS) return { ok: false, error: { code: "INVALID_DATE_RANGE", message: `A range covers at most ${MAX_RANGE_DAYS} days (about ten years); ${from} to ${to} is ${toDay - fromDay + 1}` } };
  const startMs = localDayStart(timeZone, fromDay);
  const endMs = localDayStart(timeZone, toDay + 1);
  const segments = offsetSegments(timeZone, startMs, endMs);
  const odd = segments.find((s) => s.offsetMinutes % 15 !== 0);
  if (odd) {
    return {
      ok: false,
      error: { code: "UNSUPPORTED_TIME_ZONE", message: `${timeZone} was ${odd.offsetMinutes} minutes from UTC then; reports need offsets in whole quarter hours` },
    };
  }
  return { ok: true, value: { timeZone, startMs, endMs, startSlot: startMs / SLOT_MS, endSlot: endMs / SLOT_MS, fromDay, toDay, segments } };
}

/**
 * SQL for the local day number of a row, given an integer column counting `unitMs` units since
 * the epoch (a slot column, or `ts` with unitMs = 1). Only the range's few offsets appear.
 * `div` spells integer division for the engine (DuckDB's `//`, ClickHouse's `intDiv`).
 */
export function localDaySql(range: LocalRange, column: string, unitMs: number, div: (a: string, b: string) => string = duckDbDiv): string {
  const segs = range.segments;
  if (unitMs === SLOT_MS) {
    // Offsets are whole slots (resolveRange refuses others): one addition and one integer
    // division per row, about a fifth cheaper than going through minutes.
    let offset = String((segs[segs.length - 1]?.offsetMinutes ?? 0) / 15);
    if (segs.length > 1) {
      const whens = segs.slice(1).map((s, i) => `WHEN ${column} < ${s.startMs / SLOT_MS} THEN ${(segs[i]?.offsetMinutes ?? 0) / 15}`);
      offset = `CASE ${whens.join(" ")} ELSE ${offset} END`;
    }
    return `(${div(`(${column} + ${offset})`, String(DAY_MS / SLOT_MS))})`;
  }
  const minutes = unitMs === 1 ? `(${div(column, String(MINUTE_MS))})` : `(${column} * ${unitMs / MINUTE_MS})`;
  let offset = String(segs[segs.length - 1]?.offsetMinutes ?? 0);
  if (segs.length > 1) {
    const whens = segs.slice(1).map((s, i) => `WHEN ${column} < ${s.startMs / unitMs} THEN ${segs[i]?.offsetMinutes ?? 0}`);
    offset = `CASE ${whens.join(" ")} ELSE ${offset} END`;
  }
  return `(${div(`(${minutes} + ${offset})`, "1440")})`;
}

/** DuckDB's integer division. */
const duckDbDiv = (a: string, b: string): string => `${a} // ${b}`;
