import { Type, type Static } from "@sinclair/typebox";
import { monthStart, weekStart } from "../dates.js";

export const UsageConfigSchema = Type.Object(
  {
    dataGranularity: Type.Union([Type.Literal("account"), Type.Literal("instance"), Type.Literal("user")]),
    timeGranularity: Type.Union([Type.Literal("week"), Type.Literal("month")]),
    /** 0 = Sunday … 6 = Saturday; used when timeGranularity is week. */
    weekStartDay: Type.Integer({ minimum: 0, maximum: 6 }),
  },
  { additionalProperties: false },
);
/** How usage data is kept: its granularity in data (account / instance / user) and in time (week / month). */
export type UsageConfig = Static<typeof UsageConfigSchema>;

/** The aggregation level names a usage row carries, as the article's rules write them. */
export const AGGREGATION_LEVELS = ["ACCOUNTLEVEL", "INSTANCELEVEL", "USERLEVEL"] as const;
export type AggregationLevel = (typeof AGGREGATION_LEVELS)[number];

/** The first day of the usage period holding `date`. */
export function periodStart(config: UsageConfig, date: string): string {
  return config.timeGranularity === "month" ? monthStart(date) : weekStart(date, config.weekStartDay);
}
