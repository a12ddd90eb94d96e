import type { Guide, Schedule } from "./model.js";

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Whether the runtime knows an IANA time zone name. */
export function isTimeZone(tz: string): boolean {
  try {
    offsetMs(tz, 0);
    return true;
  } catch {
    return false;
  }
}

function offsetMs(timeZone: string, ms: number): number {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric" });
    formatters.set(timeZone, f);
  }
  const parts = f.formatToParts(new Date(ms));
  const get = (t: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second")) - Math.floor(ms / 1000) * 1000;
}

/** The instant of a local date-time (`YYYY-MM-DDTHH:mm` or `YYYY-MM-DD`) in a time zone. */
export function localToEpoch(local: string, timeZone: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?$/.exec(local);
  if (!m) return Number.NaN;
  const asUtc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0));
  // Two passes settle the offset across a DST change (a skipped local time moves forward).
  let t = asUtc - offsetMs(timeZone, asUtc);
  t = asUtc - offsetMs(timeZone, t);
  return t;
}

/** A schedule as instants. */
export function scheduleWindow(s: Schedule): { start: number; end: number } {
  return { start: localToEpoch(s.start, s.timeZone), end: s.end ? localToEpoch(s.end, s.timeZone) : Number.POSITIVE_INFINITY };
}

/** Whether a guide may be delivered at `now`: public, or scheduled and inside its window. */
export function isLive(g: Pick<Guide, "status" | "schedule">, now: number): boolean {
  if (g.status === "public") return true;
  if (g.status !== "scheduled" || !g.schedule) return false;
  const w = scheduleWindow(g.schedule);
  return now >= w.start && now < w.end;
}
