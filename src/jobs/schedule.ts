import { Cron } from "croner";

/** A parsed schedule: the cron expression it means, in a time zone. */
export type Schedule = { text: string; cron: string; timeZone: string };
export type ScheduleResult = { ok: true; value: Schedule } | { ok: false; error: { code: "INVALID_SCHEDULE"; message: string } };

const DAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

function time(text: string | undefined): { h: number; m: number } | null {
  if (text === undefined) return { h: 0, m: 0 };
  const t = /^(\d{1,2}):(\d{2})$/.exec(text);
  if (!t) return null;
  const h = Number(t[1]);
  const m = Number(t[2]);
  return h < 24 && m < 60 ? { h, m } : null;
}

/**
 * Reads a schedule: a cron expression, or one of the friendly forms "daily at 00:30",
 * "weekdays at 07:00", "weekly on monday at 02:00", "monthly on day 1 at 03:00",
 * "every 15 minutes", "hourly". Times are in `timeZone`.
 */
export function parseSchedule(text: string, timeZone: string): ScheduleResult {
  const fail = (message: string): ScheduleResult => ({ ok: false, error: { code: "INVALID_SCHEDULE", message } });
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
  } catch {
    return fail(`Unknown time zone "${timeZone}"; use an IANA name such as Europe/Berlin`);
  }
  const s = text.trim().toLowerCase().replace(/\s+/g, " ");
  let cron: string | null = null;
  let m: RegExpExecArray | null;
  if ((m = /^daily(?: at (\S+))?$/.exec(s))) {
    const t = time(m[1]);
    if (t) cron = `${t.m} ${t.h} * * *`;
  } else if ((m = /^weekdays(?: at (\S+))?$/.exec(s))) {
    const t = time(m[1]);
    if (t) cron = `${t.m} ${t.h} * * 1-5`;
  } else if ((m = /^weekly on (\w+)(?: at (\S+))?$/.exec(s))) {
    const day = DAYS.indexOf(m[1] as string);
    const t = time(m[2]);
    if (day >= 0 && t) cron = `${t.m} ${t.h} * * ${day}`;
    else if (day < 0) return fail(`Unknown day "${m[1]}"; use monday … sunday`);
  } else if ((m = /^monthly on day (\d{1,2})(?: at (\S+))?$/.exec(s))) {
    const day = Number(m[1]);
    const t = time(m[2]);
    if (day < 1 || day > 28) return fail("Use a day of the month from 1 to 28, so every month has it");
    if (t) cron = `${t.m} ${t.h} ${day} * *`;
  } else if ((m = /^every (\d{1,4}) minutes?$/.exec(s))) {
    const n = Number(m[1]);
    if (n < 1 || n > 1440) return fail("every N minutes takes N from 1 to 1440");
    cron = n < 60 && 60 % n === 0 ? `*/${n} * * * *` : null;
    if (!cron) return fail("every N minutes needs N that divides 60 (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30); use a cron expression otherwise");
  } else if (s === "hourly") {
    cron = "0 * * * *";
  } else if (/^[\d*/,\-?LW#A-Za-z]+( [\d*/,\-?LW#A-Za-z]+){4,5}$/.test(text.trim())) {
    cron = text.trim();
  }
  if (cron === null) return fail(`Cannot read "${text}": use a cron expression or "daily at HH:MM", "weekdays at HH:MM", "weekly on monday at HH:MM", "monthly on day N at HH:MM", "every N minutes", "hourly"`);
  try {
    new Cron(cron, { timezone: timeZone, paused: true });
  } catch (e) {
    return fail(`Invalid cron expression "${cron}": ${(e as Error).message}`);
  }
  return { ok: true, value: { text: text.trim(), cron, timeZone } };
}

/** The first run strictly after `after` (epoch ms), or null if the schedule never fires again. */
export function nextRun(schedule: Schedule, after: number): number | null {
  const next = new Cron(schedule.cron, { timezone: schedule.timeZone, paused: true }).nextRun(new Date(after));
  return next ? next.getTime() : null;
}
