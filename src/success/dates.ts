/** Calendar dates as `YYYY-MM-DD`, computed in UTC so a rule date means the same day on every server. */
export const DATE_PATTERN = "^\\d{4}-\\d{2}-\\d{2}$";

const DAY_MS = 86_400_000;

// Rule runs check the same few dates hundreds of thousands of times; remembering answers keeps that cheap.
const checked = new Map<string, boolean>();

/** True for a real calendar date in `YYYY-MM-DD` form (2024-02-30 is not). */
export function isDate(text: string): boolean {
  if (text.length !== 10 || !/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const known = checked.get(text);
  if (known !== undefined) return known;
  const ms = Date.parse(`${text}T00:00:00Z`);
  const ok = Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === text;
  if (checked.size > 100_000) checked.clear();
  checked.set(text, ok);
  return ok;
}

/** The UTC calendar day of an epoch-ms instant. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

const moved = new Map<string, string>();

/** `date` moved by `days` (negative for earlier); remembered, since a run asks it once per row. */
export function addDays(date: string, days: number): string {
  if (days === 0) return date;
  const key = `${date}|${days}`;
  let out = moved.get(key);
  if (out === undefined) {
    out = dayOf(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS);
    if (moved.size > 100_000) moved.clear();
    moved.set(key, out);
  }
  return out;
}

/** The start of the week holding `date`; `weekStartDay` 0 = Sunday … 6 = Saturday. */
export function weekStart(date: string, weekStartDay: number): string {
  const day = new Date(`${date}T00:00:00Z`).getUTCDay();
  return addDays(date, -((day - weekStartDay + 7) % 7));
}

/** The first day of the month holding `date`. */
export function monthStart(date: string): string {
  return `${date.slice(0, 7)}-01`;
}

/** Reads a date from a source value: `YYYY-MM-DD`, an ISO timestamp, or epoch ms. Undefined when it is none of them. */
export function toDate(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return dayOf(value);
  if (typeof value !== "string") return undefined;
  if (isDate(value)) return value;
  if (/^\d{4}-\d{2}-\d{2}T/.test(value)) {
    const ms = Date.parse(value);
    return Number.isFinite(ms) ? dayOf(ms) : undefined;
  }
  return undefined;
}
