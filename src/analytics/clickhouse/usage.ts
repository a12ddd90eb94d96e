import { ApiError } from "../../kernel/index.js";
import { chLiteral, type ClickHouseEventStore, type DictionaryName } from "../../store/index.js";
import type { AccountUsage, UsageDay } from "../account-usage.js";
import type { DefinitionUsage } from "../metrics/index.js";
import { localDaySql, localRange, SLOT_MS } from "../metrics/time-zone.js";
import { currentMappingSql } from "./mapping.js";

/** The usage series and counts DuckDB computes in account-usage.ts and metrics/definition-usage.ts, on ClickHouse. */

const DAY_MS = 86_400_000;
const intDiv = (a: string, b: string): string => `intDiv(${a}, ${b})`;
const dayDate = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

export async function clickHouseAccountUsage(
  store: ClickHouseEventStore,
  q: { appId: string; accountId: string; from: string; to: string; timeZone: string; trackEventsCountAsActivity: boolean },
): Promise<AccountUsage> {
  const resolved = localRange(q.timeZone, q.from, q.to);
  if (!resolved.ok) throw new ApiError(400, resolved.error.code, resolved.error.message, "timeZone");
  const range = resolved.value;
  const mask = q.trackEventsCountAsActivity ? "bitOr(agent_mask, track_mask)" : "agent_mask";
  const where = `app_id = ${chLiteral(q.appId)} AND account_id = ${chLiteral(q.accountId)} AND slot >= ${range.startSlot} AND slot < ${range.endSlot}`;
  const day = localDaySql(range, "slot", SLOT_MS, intDiv);
  // GLOBAL IN: on a sharded store the mapping is read here and sent to the shards (store/clickhouse-cluster.ts).
  const [found, onFeatures] = await Promise.all([
    store.rows<{ day: number; visitors: unknown; minutes: unknown; clicks: unknown; loads: unknown; events: unknown }>(
      `SELECT ${day} AS day, uniqExact(visitor_id) AS visitors, sum(length(bitmaskToArray(${mask}))) AS minutes, sum(clicks) AS clicks,
              sum(loads) AS loads, sum(events) AS events
       FROM rollup_activity FINAL WHERE ${where} GROUP BY day`,
    ),
    store.rows<{ day: number; n: unknown }>(
      `SELECT ${day} AS day, sum(clicks) AS n FROM rollup_elements FINAL
       WHERE ${where} AND element_id GLOBAL IN (SELECT element_id FROM ${currentMappingSql("feature")}) GROUP BY day`,
    ),
  ]);
  const byDay = new Map(found.map((r) => [Number(r.day), r]));
  const features = new Map(onFeatures.map((r) => [Number(r.day), Number(r.n)]));
  const days: UsageDay[] = [];
  for (let d = range.fromDay; d <= range.toDay; d++) {
    const r = byDay.get(d);
    days.push({
      date: dayDate(d),
      visitors: Number(r?.visitors ?? 0),
      minutes: Number(r?.minutes ?? 0),
      featureClicks: features.get(d) ?? 0,
      clicks: Number(r?.clicks ?? 0),
      pageViews: Number(r?.loads ?? 0),
      events: Number(r?.events ?? 0),
    });
  }
  return { accountId: q.accountId, timeZone: q.timeZone, from: q.from, to: q.to, days };
}

export async function clickHouseDefinitionUsage(store: ClickHouseEventStore, appId: string, kind: "pages" | "features", sinceMs: number): Promise<Map<string, DefinitionUsage>> {
  const [table, mapKind, item, dict, n] = kind === "pages" ? (["rollup_urls", "page", "page_id", "url_id", "loads"] as const) : (["rollup_elements", "feature", "feature_id", "element_id", "clicks"] as const);
  const rows = await store.rows<{ item: string; events: unknown; visitors: unknown; accounts: unknown }>(
    `SELECT ${item} AS item, sum(n) AS events, uniqExact(visitor_id) AS visitors, uniqExactIf(account_id, account_id != '') AS accounts
     FROM (SELECT visitor_id, account_id, ${dict}, ${n} AS n FROM ${table} FINAL WHERE app_id = ${chLiteral(appId)} AND slot >= ${chLiteral(Math.floor(sinceMs / SLOT_MS))})
     ALL INNER JOIN ${currentMappingSql(mapKind)} USING ${dict} GROUP BY ${item}`,
  );
  return new Map(rows.map((r) => [String(r.item), { events: Number(r.events), visitors: Number(r.visitors), accounts: Number(r.accounts) }]));
}

/** Every value of a dictionary, streamed (a million URLs never sit in one array). */
export async function scanClickHouseDictionary(store: ClickHouseEventStore, name: DictionaryName, visit: (value: string) => void): Promise<void> {
  const result = await store.client.query({ query: `SELECT any(value) AS value FROM ${name === "urls" ? "urls" : "elements"} GROUP BY id`, format: "JSONEachRow" });
  for await (const rows of result.stream<{ value: string }>()) for (const row of rows) visit(String(row.json().value));
}
