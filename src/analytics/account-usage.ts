import type { DuckDBConnection } from "@duckdb/node-api";
import { Type } from "@sinclair/typebox";
import { ApiError } from "../kernel/index.js";
import type { HttpApp } from "../kernel/index.js";
import type { EventsEngine } from "./events-engine.js";
import type { AppStore } from "./apps.js";
import type { MetadataStore } from "./metadata.js";
import { ensureRollupTables } from "./metrics/index.js";
import { ensureMappingTables } from "./tagging/index.js";
import { localDaySql, localRange, SLOT_MS } from "./metrics/time-zone.js";
import { localDate } from "./reports/index.js";
import { AccountUsageSchema } from "./responses.js";

/** One local day of an account's usage; days without activity are present with zeros. */
/** `featureClicks`: clicks matching at least one feature; `clicks`: every click. */
export type UsageDay = { date: string; visitors: number; minutes: number; featureClicks: number; clicks: number; pageViews: number; events: number };
export type AccountUsage = { accountId: string; timeZone: string; from: string; to: string; days: UsageDay[] };

const DAY_MS = 86_400_000;

/** YYYY-MM-DD of a day number (days since 1970-01-01). */
const dayDate = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

/**
 * An account's daily series over local dates [from, to] from the 15-minute rollups: distinct
 * visitors with activity, active minutes (agent minutes, plus track minutes when the app counts
 * them), clicks, page loads and events. Ids are bound; only computed numbers are inlined.
 */
export async function accountUsage(
  conn: DuckDBConnection,
  q: { appId: string; accountId: string; from: string; to: string; timeZone: string; trackEventsCountAsActivity: boolean },
): Promise<AccountUsage> {
  const resolved = localRange(q.timeZone, q.from, q.to);
  if (!resolved.ok) throw new ApiError(400, resolved.error.code, resolved.error.message, "timeZone");
  const range = resolved.value;
  await ensureRollupTables(conn);
  await ensureMappingTables(conn);
  const mask = q.trackEventsCountAsActivity ? "(agent_mask::INTEGER | track_mask::INTEGER)" : "agent_mask::INTEGER";
  const sql = `
    SELECT coalesce(to_json(list(d ORDER BY d.day))::VARCHAR, '[]') FROM (
      SELECT day, count(DISTINCT visitor_id) AS visitors, sum(bit_count(${mask})) AS minutes, sum(clicks) AS clicks, sum(loads) AS loads, sum(events) AS events
      FROM (
        SELECT *, ${localDaySql(range, "slot", SLOT_MS)} AS day FROM rollup_activity
        WHERE app_id = $app AND account_id = $acc AND slot >= ${range.startSlot} AND slot < ${range.endSlot})
      GROUP BY day) d`;
  // Feature clicks: clicks on elements some feature's rule matches, each click once.
  const featureSql = `
    SELECT coalesce(to_json(list(d))::VARCHAR, '[]') FROM (
      SELECT ${localDaySql(range, "slot", SLOT_MS)} AS day, sum(clicks) AS n FROM rollup_elements
      WHERE app_id = $app AND account_id = $acc AND slot >= ${range.startSlot} AND slot < ${range.endSlot}
        AND element_id IN (SELECT DISTINCT element_id FROM feature_elements)
      GROUP BY ALL) d`;
  const featureReader = await conn.runAndReadAll(featureSql, { app: q.appId, acc: q.accountId });
  const onFeatures = new Map((JSON.parse(String(featureReader.getRowsJS()[0]?.[0] ?? "[]")) as { day: number; n: number }[]).map((r) => [Number(r.day), Number(r.n)]));
  const reader = await conn.runAndReadAll(sql, { app: q.appId, acc: q.accountId });
  const found = JSON.parse(String(reader.getRowsJS()[0]?.[0] ?? "[]")) as { day: number; visitors: number; minutes: number; clicks: number; loads: number; events: number }[];
  const byDay = new Map(found.map((r) => [Number(r.day), r]));
  const days: UsageDay[] = [];
  for (let day = range.fromDay; day <= range.toDay; day++) {
    const r = byDay.get(day);
    days.push({
      date: dayDate(day),
      visitors: Number(r?.visitors ?? 0),
      minutes: Number(r?.minutes ?? 0),
      featureClicks: onFeatures.get(day) ?? 0,
      clicks: Number(r?.clicks ?? 0),
      pageViews: Number(r?.loads ?? 0),
      events: Number(r?.events ?? 0),
    });
  }
  return { accountId: q.accountId, timeZone: q.timeZone, from: q.from, to: q.to, days };
}

const UsageQuery = Type.Object(
  {
    days: Type.Optional(Type.Integer({ minimum: 1, maximum: 90, default: 30 })),
    timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    app: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

/** `GET /api/v1/accounts/:id/usage`: the account's daily usage over the last N days (today included). */
export function registerAccountUsageRoute(
  app: HttpApp,
  o: { events: EventsEngine; apps: AppStore; metadata: MetadataStore; appId(id: string | undefined): string; now(): number },
): void {
  app.get(
    "/accounts/:id/usage",
    {
      schema: {
        tags: ["metadata"],
        summary: "An account's daily visitors, minutes, feature clicks (clicks matching a feature), all clicks and page views over the last N days",
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) }),
        querystring: UsageQuery,
        response: { 200: AccountUsageSchema },
      },
    },
    async (req) => {
      const appId = o.appId(req.query.app);
      const settings = o.apps.get(appId)?.settings;
      const timeZone = req.query.timeZone ?? settings?.timeZone ?? "UTC";
      try {
        new Intl.DateTimeFormat("en-US", { timeZone });
      } catch {
        throw new ApiError(400, "INVALID_TIME_ZONE", "Use an IANA time zone such as Europe/Berlin", "timeZone");
      }
      if (!(await o.metadata.get(appId, "account", req.params.id))) throw new ApiError(404, "NOT_FOUND", `No account ${req.params.id} has been seen`, "id");
      const to = localDate(o.now(), timeZone);
      const from = dayDate(Date.parse(`${to}T00:00:00Z`) / DAY_MS - ((req.query.days ?? 30) - 1));
      return o.events.accountUsage({
        appId,
        accountId: req.params.id,
        from,
        to,
        timeZone,
        trackEventsCountAsActivity: settings?.trackEventsCountAsActivity ?? false,
      });
    },
  );
}
