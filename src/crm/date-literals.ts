/** SOQL date literals (TODAY, LAST_N_DAYS:n, THIS_MONTH…) as half-open UTC ranges [start, end). */

const DAY = 86_400_000;

type Unit = "day" | "week" | "month" | "quarter" | "year";

function startOf(unit: Unit, t: number): Date {
  const d = new Date(t);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  switch (unit) {
    case "day":
      return new Date(Date.UTC(y, m, d.getUTCDate()));
    case "week":
      // Salesforce weeks start on Sunday (default locale).
      return new Date(Date.UTC(y, m, d.getUTCDate() - d.getUTCDay()));
    case "month":
      return new Date(Date.UTC(y, m, 1));
    case "quarter":
      return new Date(Date.UTC(y, m - (m % 3), 1));
    case "year":
      return new Date(Date.UTC(y, 0, 1));
  }
}

function add(unit: Unit, d: Date, n: number): Date {
  switch (unit) {
    case "day":
      return new Date(d.getTime() + n * DAY);
    case "week":
      return new Date(d.getTime() + 7 * n * DAY);
    case "month":
      return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1));
    case "quarter":
      return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 3 * n, 1));
    case "year":
      return new Date(Date.UTC(d.getUTCFullYear() + n, 0, 1));
  }
}

/** A range as two instants. */
export type DateRange = { start: Date; end: Date };

const UNIT_OF: Record<string, Unit> = { DAYS: "day", WEEKS: "week", MONTHS: "month", QUARTERS: "quarter", YEARS: "year", FISCAL_QUARTERS: "quarter", FISCAL_YEARS: "year" };
const SINGLE: Record<string, Unit> = { WEEK: "week", MONTH: "month", QUARTER: "quarter", YEAR: "year", FISCAL_QUARTER: "quarter", FISCAL_YEAR: "year" };

/** Resolves a date literal (with `:n` when it takes one) at instant `now`; undefined when unknown. */
export function dateLiteralRange(literal: string, now: number): DateRange | undefined {
  const upper = literal.toUpperCase();
  const today = startOf("day", now);
  const span = (unit: Unit, from: number, count: number): DateRange => {
    const base = startOf(unit, now);
    return { start: add(unit, base, from), end: add(unit, base, from + count) };
  };
  if (upper === "TODAY") return { start: today, end: add("day", today, 1) };
  if (upper === "YESTERDAY") return { start: add("day", today, -1), end: today };
  if (upper === "TOMORROW") return { start: add("day", today, 1), end: add("day", today, 2) };
  if (upper === "LAST_90_DAYS") return { start: add("day", today, -90), end: add("day", today, 1) };
  if (upper === "NEXT_90_DAYS") return { start: add("day", today, 1), end: add("day", today, 91) };
  let m = /^(LAST|THIS|NEXT)_([A-Z_]+)$/.exec(upper);
  if (m && SINGLE[m[2] as string]) {
    const unit = SINGLE[m[2] as string] as Unit;
    return span(unit, m[1] === "LAST" ? -1 : m[1] === "THIS" ? 0 : 1, 1);
  }
  m = /^(LAST|NEXT)_N_([A-Z_]+):(\d+)$/.exec(upper);
  if (m && UNIT_OF[m[2] as string]) {
    const unit = UNIT_OF[m[2] as string] as Unit;
    const n = Number(m[3]);
    // LAST_N_DAYS includes today (Salesforce's documented behaviour); the other LAST_N_* end before the current unit.
    if (unit === "day") return m[1] === "LAST" ? { start: add("day", today, -n), end: add("day", today, 1) } : { start: add("day", today, 1), end: add("day", today, 1 + n) };
    return m[1] === "LAST" ? span(unit, -n, n) : span(unit, 1, n);
  }
  m = /^N_([A-Z_]+)_AGO:(\d+)$/.exec(upper);
  if (m && UNIT_OF[m[1] as string]) return span(UNIT_OF[m[1] as string] as Unit, -Number(m[2]), 1);
  return undefined;
}
