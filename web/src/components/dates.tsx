import { Text } from "@mantine/core";

// One date format for the whole UI: "Dec 6, 2026" for days, "Dec 6, 2026, 2:05 PM" for moments,
// and "11 min ago" beside a moment where how long ago matters more than when.
const DAY = new Intl.DateTimeFormat("en-US", { dateStyle: "medium" });
const DAY_UTC = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone: "UTC" });
const MOMENT = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "short" });
const SHORT_DAY_UTC = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", timeZone: "UTC" });

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A moment (epoch ms or ISO time) or a calendar day (`YYYY-MM-DD`) as a person reads it; "—" when missing. */
export function formatTime(v: number | string | null | undefined): string {
  if (v === null || v === undefined || v === "") return "—";
  if (typeof v === "string" && ISO_DAY.test(v)) return formatDay(v);
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? String(v) : MOMENT.format(d);
}

/** A calendar day (`YYYY-MM-DD`, as the API gives dates) or the day of a moment: "Dec 6, 2026". */
export function formatDay(v: string | number | null | undefined): string {
  if (v === null || v === undefined || v === "") return "—";
  if (typeof v === "string" && ISO_DAY.test(v)) return DAY_UTC.format(new Date(`${v}T00:00:00Z`));
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? String(v) : DAY.format(d);
}

/** A calendar day as a chart axis label: "Dec 6". */
export function axisDay(iso: string): string {
  return SHORT_DAY_UTC.format(new Date(`${iso.slice(0, 10)}T00:00:00Z`));
}

/** "3 min ago" / "in 2 h", relative to now. */
export function relativeTime(at: number | null | undefined, now = Date.now()): string {
  if (at === null || at === undefined) return "—";
  const d = at - now;
  const a = Math.abs(d);
  const unit = a < 60_000 ? `${Math.max(1, Math.round(a / 1000))} s` : a < 3_600_000 ? `${Math.round(a / 60_000)} min` : a < 86_400_000 ? `${Math.round(a / 3_600_000)} h` : `${Math.round(a / 86_400_000)} d`;
  return d < 0 ? `${unit} ago` : `in ${unit}`;
}

/** How long from start to finish, short ("850 ms", "2.4 s", "3 min 5 s"); "running" while unfinished. */
export function duration(startedAt: number, finishedAt: number | null): string {
  if (finishedAt === null) return "running";
  const ms = Math.max(0, finishedAt - startedAt);
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

/** A moment in the one format, with how long ago (or until) it is beside it when `relative` is set. */
export function When(props: { at: number | null | undefined; relative?: boolean; size?: "xs" | "sm" }) {
  if (props.at === null || props.at === undefined) return <Text span size={props.size ?? "sm"} c="dimmed">—</Text>;
  const iso = new Date(props.at).toISOString();
  return (
    <Text span size={props.size ?? "sm"}>
      <time dateTime={iso} data-testid="when">
        {formatTime(props.at)}
      </time>
      {props.relative && (
        <Text span size="xs" c="dimmed">
          {" "}
          ({relativeTime(props.at)})
        </Text>
      )}
    </Text>
  );
}
