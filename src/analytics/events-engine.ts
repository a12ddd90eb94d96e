import type { ClickHouseEventStore, DictionaryEntry, DictionaryName, DuckDbEventStore, EventStore, IdRange } from "../store/index.js";
import { accountUsage, type AccountUsage } from "./account-usage.js";
import { CLICKHOUSE_CHECKPOINT_SCHEMA, clickHouseAfterFlush, clickHouseRecoverDerived } from "./clickhouse/derived.js";
import { duckDbAfterFlush, duckDbRecoverDerived, type FlushedRange } from "./derived.js";
import { clickHouseAccountUsage, clickHouseDefinitionUsage, scanClickHouseDictionary } from "./clickhouse/usage.js";
import {
  applyClickHouseFeatureRuleAndDays,
  applyClickHousePageRuleAndDays,
  createDayTables,
  mapNewClickHouseEntriesAndDays,
  removeClickHouseItemAndDays,
} from "./clickhouse/days.js";
import { CLICKHOUSE_MAPPING_SCHEMA, currentMappingSql } from "./clickhouse/mapping.js";
import { clickHouseAccountMetrics, clickHouseRawAccountMetrics, clickHouseRawVisitorMetrics, clickHouseVisitorMetrics } from "./clickhouse/report.js";
import { CLICKHOUSE_ROLLUP_SCHEMA, updateClickHouseRollups } from "./clickhouse/rollups.js";
import { accountMetrics, definitionUsage, ensureRollupTables, rawAccountMetrics, rawVisitorMetrics, updateRollups, visitorMetrics } from "./metrics/index.js";
import type { AccountMetricsRow, DefinitionUsage, MetricsQuery, MetricsResult, VisitorMetricsQuery, VisitorMetricsRow } from "./metrics/index.js";
import {
  applyFeatureRule,
  applyPageRule,
  ensureMappingTables,
  mapNewDictionaryEntries,
  removeFeature,
  removePage,
  type ApplyResult,
  type FeatureRuleError,
  type PageRuleError,
  type RuleSet,
} from "./tagging/index.js";
import { chLiteral } from "../store/index.js";

/** Counts per account or visitor of one behaviour (segments' behaviour rules), from the rollups. */
export type BehaviorQuery = {
  appId: string;
  kind: "account" | "visitor";
  event: "page" | "feature" | "track";
  /** The page or feature id, or the track event name. */
  id: string;
  /** Only slots from this one on; every slot when null. */
  fromSlot: number | null;
};

/**
 * What analytics asks of the engine its events live in, drawn from the two engines (ADR 0017):
 * the raw store (ingest's appends, the flusher's checkpoint, drill-down), the derived data the
 * flusher keeps current (rollups, page and feature mappings of new dictionary entries), the
 * retroactive rule writes, the reports, and the segments' behaviour counts. Rule matching,
 * report rows and time zones are shared TypeScript; each engine only runs its own SQL.
 */
export type EventsEngine = {
  readonly name: EventStore["engine"];
  readonly store: EventStore;
  /** Creates the derived tables (rollups, mappings) when missing. */
  ensureDerived(): Promise<void>;
  /** After a flush: rollups for its events, mappings for its new dictionary entries, then their checkpoints. */
  afterFlush(flushed: FlushedRange, rules: RuleSet): Promise<void>;
  /**
   * At start-up: creates the derived tables and redoes what a crash between a flush and its
   * afterFlush left undone, for this process's block of ids (`ids`; instance 0 when absent).
   */
  recoverDerived(rules: () => RuleSet, ids?: IdRange): Promise<void>;
  /** Brings the rollups up to date with events whose id is in (fromId, toId]; idempotent. */
  updateRollups(range: { fromId: number; toId: number }): Promise<{ slots: number }>;
  /** Maps new dictionary entries against every page and feature; idempotent. */
  mapNewDictionaryEntries(newUrls: readonly DictionaryEntry[], newElements: readonly DictionaryEntry[], rules: RuleSet): Promise<{ pageRows: number; featureRows: number }>;
  applyPageRule(pageId: string, rules: readonly string[]): Promise<ApplyResult<PageRuleError>>;
  applyFeatureRule(featureId: string, selector: string): Promise<ApplyResult<FeatureRuleError>>;
  removePage(pageId: string): Promise<void>;
  removeFeature(featureId: string): Promise<void>;
  accountMetrics(q: MetricsQuery): Promise<MetricsResult<AccountMetricsRow>>;
  visitorMetrics(q: VisitorMetricsQuery): Promise<MetricsResult<VisitorMetricsRow>>;
  /** The same reports computed from raw events: the benchmarks' baseline and the tests' cross-check. */
  rawAccountMetrics(q: MetricsQuery): Promise<MetricsResult<AccountMetricsRow>>;
  rawVisitorMetrics(q: VisitorMetricsQuery): Promise<MetricsResult<VisitorMetricsRow>>;
  behaviorCounts(q: BehaviorQuery): Promise<Map<string, number>>;
  /** An account's daily series (the account page's usage chart). */
  accountUsage(q: AccountUsageQuery): Promise<AccountUsage>;
  /** Page views or feature clicks per page or feature since an instant (the lists beside each rule). */
  definitionUsage(appId: string, kind: "pages" | "features", sinceMs: number): Promise<Map<string, DefinitionUsage>>;
  /** Every value of a dictionary, streamed to `visit` (rule previews). */
  scanDictionary(name: DictionaryName, visit: (value: string) => void): Promise<void>;
};

export type AccountUsageQuery = { appId: string; accountId: string; from: string; to: string; timeZone: string; trackEventsCountAsActivity: boolean };

/** DuckDB: writes go through the store's writer (`exclusive`), reports through its readers, exactly as before the interface. */
export function duckDbEventsEngine(store: DuckDbEventStore): EventsEngine {
  return {
    name: "duckdb",
    store,
    ensureDerived: () =>
      store.exclusive(async (conn) => {
        await ensureRollupTables(conn);
        await ensureMappingTables(conn);
      }),
    afterFlush: (flushed, rules) => duckDbAfterFlush(store, flushed, rules),
    recoverDerived: (rules) => duckDbRecoverDerived(store, rules),
    updateRollups: (range) => store.exclusive((conn) => updateRollups(conn, range)),
    mapNewDictionaryEntries: (urls, elements, rules) => store.exclusive((conn) => mapNewDictionaryEntries(conn, urls, elements, rules)),
    applyPageRule: (pageId, rules) => store.exclusive((conn) => applyPageRule(conn, pageId, rules)),
    applyFeatureRule: (featureId, selector) => store.exclusive((conn) => applyFeatureRule(conn, featureId, selector)),
    removePage: (pageId) => store.exclusive((conn) => removePage(conn, pageId)),
    removeFeature: (featureId) => store.exclusive((conn) => removeFeature(conn, featureId)),
    accountMetrics: (q) => accountMetrics(store.readers, q),
    visitorMetrics: (q) => visitorMetrics(store.reader, q),
    rawAccountMetrics: (q) => rawAccountMetrics(store.reader, q),
    rawVisitorMetrics: (q) => rawVisitorMetrics(store.reader, q),
    async behaviorCounts(q) {
      const who = q.kind === "account" ? "r.account_id" : "r.visitor_id";
      const slotFilter = q.fromSlot === null ? "" : ` AND r.slot >= ${Math.trunc(q.fromSlot)}`;
      const accountFilter = q.kind === "account" ? " AND r.account_id <> ''" : "";
      const sql =
        q.event === "page"
          ? `SELECT ${who}, sum(r.loads) FROM rollup_urls r JOIN page_urls m ON m.url_id = r.url_id WHERE r.app_id = $1 AND m.page_id = $2${slotFilter}${accountFilter} GROUP BY 1`
          : q.event === "feature"
            ? `SELECT ${who}, sum(r.clicks) FROM rollup_elements r JOIN feature_elements m ON m.element_id = r.element_id WHERE r.app_id = $1 AND m.feature_id = $2${slotFilter}${accountFilter} GROUP BY 1`
            : `SELECT ${who}, sum(r.events) FROM rollup_tracks r WHERE r.app_id = $1 AND r.name = $2${slotFilter}${accountFilter} GROUP BY 1`;
      const result = await store.reader.runAndReadAll(sql, [q.appId, q.id]);
      return new Map(result.getRowsJS().map(([id, n]) => [String(id), Number(n)]));
    },
    accountUsage: (q) => accountUsage(store.reader, q),
    definitionUsage: (appId, kind, sinceMs) => definitionUsage(store.reader, appId, kind, sinceMs),
    async scanDictionary(name, visit) {
      const result = await store.reader.stream(`SELECT value FROM ${name === "urls" ? "urls" : "elements"}`);
      for (;;) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) break;
        for (const v of chunk.getColumnValues(0)) visit(String(v));
      }
    },
  };
}

/** ClickHouse: the same operations in the SQL ClickHouse 18.16 and current releases share (clickhouse/*.ts). */
export function clickHouseEventsEngine(store: ClickHouseEventStore): EventsEngine {
  let ready: Promise<void> | undefined;
  const ensureDerived = (): Promise<void> => {
    ready ??= (async () => {
      // createTables: on a cluster, rollups are sharded by account and the rest replicated (store/clickhouse-cluster.ts).
      await store.createTables([...CLICKHOUSE_ROLLUP_SCHEMA, ...CLICKHOUSE_MAPPING_SCHEMA, ...CLICKHOUSE_CHECKPOINT_SCHEMA]);
      // After the slot rollups: a store whose rollups predate the day tables gets them filled once.
      await createDayTables(store);
    })();
    return ready;
  };
  const after = <A extends unknown[], R>(work: (...args: A) => Promise<R>) => async (...args: A): Promise<R> => {
    await ensureDerived();
    return work(...args);
  };
  return {
    name: "clickhouse",
    store,
    ensureDerived,
    afterFlush: after((flushed: FlushedRange, rules: RuleSet) => clickHouseAfterFlush(store, flushed, rules)),
    recoverDerived: after((rules: () => RuleSet, ids?: IdRange) => clickHouseRecoverDerived(store, rules, ids)),
    updateRollups: after((range: { fromId: number; toId: number }) => updateClickHouseRollups(store, range)),
    mapNewDictionaryEntries: after((urls: readonly DictionaryEntry[], elements: readonly DictionaryEntry[], rules: RuleSet) => mapNewClickHouseEntriesAndDays(store, urls, elements, rules)),
    applyPageRule: after((pageId: string, rules: readonly string[]) => applyClickHousePageRuleAndDays(store, pageId, rules)),
    applyFeatureRule: after((featureId: string, selector: string) => applyClickHouseFeatureRuleAndDays(store, featureId, selector)),
    removePage: after((pageId: string) => removeClickHouseItemAndDays(store, "page", pageId)),
    removeFeature: after((featureId: string) => removeClickHouseItemAndDays(store, "feature", featureId)),
    accountMetrics: after((q: MetricsQuery) => clickHouseAccountMetrics(store, q)),
    visitorMetrics: after((q: VisitorMetricsQuery) => clickHouseVisitorMetrics(store, q)),
    rawAccountMetrics: after((q: MetricsQuery) => clickHouseRawAccountMetrics(store, q)),
    rawVisitorMetrics: after((q: VisitorMetricsQuery) => clickHouseRawVisitorMetrics(store, q)),
    behaviorCounts: after(async (q: BehaviorQuery) => {
      const who = q.kind === "account" ? "account_id" : "visitor_id";
      const where = `app_id = ${chLiteral(q.appId)}${q.fromSlot === null ? "" : ` AND slot >= ${chLiteral(Math.trunc(q.fromSlot))}`}${q.kind === "account" ? " AND account_id != ''" : ""}`;
      const sql =
        q.event === "track"
          ? `SELECT ${who} AS id, sum(events) AS n FROM rollup_tracks FINAL WHERE ${where} AND name = ${chLiteral(q.id)} GROUP BY id`
          : q.event === "page"
            ? `SELECT id, sum(loads) AS n FROM (SELECT ${who} AS id, url_id, loads FROM rollup_urls FINAL WHERE ${where}) ALL INNER JOIN ${currentMappingSql("page", [q.id])} USING url_id GROUP BY id`
            : `SELECT id, sum(clicks) AS n FROM (SELECT ${who} AS id, element_id, clicks FROM rollup_elements FINAL WHERE ${where}) ALL INNER JOIN ${currentMappingSql("feature", [q.id])} USING element_id GROUP BY id`;
      return new Map((await store.rows<{ id: string; n: unknown }>(sql)).map((r) => [String(r.id), Number(r.n)]));
    }),
    accountUsage: after((q: AccountUsageQuery) => clickHouseAccountUsage(store, q)),
    definitionUsage: after((appId: string, kind: "pages" | "features", sinceMs: number) => clickHouseDefinitionUsage(store, appId, kind, sinceMs)),
    scanDictionary: (name, visit) => scanClickHouseDictionary(store, name, visit),
  };
}

/** The engine of an event store. */
export function eventsEngineOf(store: DuckDbEventStore | ClickHouseEventStore): EventsEngine {
  return store.engine === "clickhouse" ? clickHouseEventsEngine(store) : duckDbEventsEngine(store);
}
