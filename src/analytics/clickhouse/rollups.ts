import { chLiteral, type ClickHouseEventStore } from "../../store/index.js";
import { SLOT_MS } from "../metrics/time-zone.js";
import { daySlots, dayOfSlot, rebuildDays, refreshMappedDays, refreshVisitorDays } from "./days.js";
import { nextVersion } from "./mapping.js";

/**
 * Rollups on ClickHouse: the same rows as DuckDB's (metrics/rollups.ts) per app × account ×
 * visitor × 15-minute slot, written by the flusher (`updateClickHouseRollups`), which recomputes
 * every slot a range of new events touches from all of that slot's events. The tables are
 * ReplacingMergeTree versioned by the time the recomputation began to read (`nextVersion`): a
 * recomputed slot replaces its older row (reads use FINAL), so a replayed flush or a late event
 * gives the same rows. Not by event id: in server mode each process's ids are in its own block
 * (ADR 0019), so a process with a higher block would win over a later recomputation of another
 * that saw more events; the row whose read began last saw every event stored before it. ADR 0017
 * says why this and not materialised views (a replayed insert would be counted twice by a view).
 *
 * DuckDB's rows also carry visit links (prev_slot, *_prev_min) so its report needs no window;
 * ClickHouse builds each visitor's sorted minute array instead (arrays, not windows: 18.16 has
 * no window functions), so these rows keep only counts, masks and first / last visit.
 * `first_visit` 0 means "no load or click in the slot" (a ClickHouse minIf over no rows is 0).
 */
const ORDER = "app_id, slot, account_id, visitor_id";
const KEY_COLUMNS = "app_id String, account_id String, visitor_id String, slot Int32";
const PARTITION = `toYYYYMM(toDateTime(slot * ${SLOT_MS / 1000}))`;
const table = (name: string, columns: string, order: string): string =>
  `CREATE TABLE IF NOT EXISTS ${name} (${KEY_COLUMNS}, ${columns}, version UInt64)
   ENGINE = ReplacingMergeTree(version) PARTITION BY ${PARTITION} ORDER BY (${order})`;

export const CLICKHOUSE_ROLLUP_SCHEMA = [
  table(
    "rollup_activity",
    "events UInt32, loads UInt32, clicks UInt32, tracks UInt32, agent_mask UInt16, track_mask UInt16, first_visit Int64, last_visit Int64",
    ORDER,
  ),
  table("rollup_urls", "url_id UInt64, loads UInt32", `${ORDER}, url_id`),
  table("rollup_elements", "element_id UInt64, clicks UInt32", `${ORDER}, element_id`),
  table("rollup_tracks", "name String, events UInt32", `${ORDER}, name`),
  // Every app × account × visitor ever seen: the rows a report lists and its "visitors ever".
  `CREATE TABLE IF NOT EXISTS rollup_account_visitors (app_id String, account_id String, visitor_id String)
   ENGINE = ReplacingMergeTree ORDER BY (app_id, account_id, visitor_id)`,
];

export const ROLLED_UP_TYPES = "('load','click','focus','track')";
const AGENT_TYPES = "('load','click','focus')";

/** The slot of an event time, in ClickHouse. */
export const slotOf = (ts: string): string => `toInt32(intDiv(${ts}, ${SLOT_MS}))`;

/** Ids per rollup step: bounds the working tables when start-up recovery has a long way to go. */
const STEP_IDS = 1_000_000;

let tableSeq = 0;

/**
 * Brings the rollups up to date with the events whose id is in (fromId, toId]. Like DuckDB's
 * updateRollups: every touched slot is recomputed from all of its events (deduplicated by id,
 * since a replayed flush may have stored an event twice until ClickHouse merges the parts).
 * Long ranges go in steps of a million ids.
 */
export async function updateClickHouseRollups(store: ClickHouseEventStore, range: { fromId: number; toId: number }): Promise<{ slots: number }> {
  let slots = 0;
  for (let from = range.fromId; from < range.toId; from += STEP_IDS) {
    slots += (await updateStep(store, from, Math.min(range.toId, from + STEP_IDS))).slots;
  }
  return { slots };
}

/**
 * One step. The touched slots and their events are read once into two Memory tables (the id
 * filter reads every event's id: `id` is not in the sort key) that the five inserts then share;
 * the tables are this call's own and dropped at the end. They exist only on the server this
 * process queries, so the slot filter is `GLOBAL IN`: on a sharded store (events a Distributed
 * table) the touched slots are sent along to every shard; on one server it is a plain IN.
 */
async function updateStep(store: ClickHouseEventStore, fromId: number, toId: number): Promise<{ slots: number }> {
  // Taken before the slot's events are read: a recomputation that reads later wins (see above).
  const version = nextVersion();
  const suffix = `${process.pid}_${Date.now()}_${tableSeq++}`;
  const touched = `tmp_rollup_touched_${suffix}`;
  const source = `tmp_rollup_source_${suffix}`;
  try {
    await store.command(
      // PREWHERE: ClickHouse reads the id column alone first and the other columns only where the
      // range's ids are (at 20 M events 0.1 s instead of 1.2 s of CPU: 18.16 moved the type filter there).
      `CREATE TABLE ${touched} ENGINE = Memory AS SELECT DISTINCT app_id, account_id, visitor_id, ${slotOf("ts")} AS slot FROM events
       PREWHERE id > ${chLiteral(fromId)} AND id <= ${chLiteral(toId)} WHERE type IN ${ROLLED_UP_TYPES}`,
    );
    const [bounds] = await store.rows<{ n: string; lo: number; hi: number }>(`SELECT count() AS n, min(slot) AS lo, max(slot) AS hi FROM ${touched}`);
    const count = Number(bounds?.n ?? 0);
    if (count === 0 || bounds === undefined) return { slots: 0 };
    const lo = Number(bounds.lo);
    const hi = Number(bounds.hi);
    // The touched slots' events, each once; the slot bounds let ClickHouse skip partitions and granules.
    await store.command(
      `CREATE TABLE ${source} ENGINE = Memory AS SELECT app_id, account_id, visitor_id, ${slotOf("ts")} AS slot, type, ts, url_id, element_id, name FROM events
       WHERE ts >= ${lo * SLOT_MS} AND ts < ${(hi + 1) * SLOT_MS} AND type IN ${ROLLED_UP_TYPES}
         AND (app_id, account_id, visitor_id, ${slotOf("ts")}) GLOBAL IN (SELECT app_id, account_id, visitor_id, slot FROM ${touched}) LIMIT 1 BY id`,
    );
    await insertFromSource(store, source, version);
    await store.command(`INSERT INTO rollup_account_visitors SELECT DISTINCT app_id, account_id, visitor_id FROM ${touched}`);
    // The day rollups of every day a touched slot is in, from the slot rows just written (days.ts).
    const whole = daySlots(lo, hi);
    await refreshVisitorDays(store, { days: `(SELECT app_id, account_id, visitor_id, ${dayOfSlot("slot")} FROM ${touched})`, ...whole });
    const accountDays = `(SELECT DISTINCT app_id, account_id, ${dayOfSlot("slot")} FROM ${touched})`;
    await refreshMappedDays(store, "page", { selection: { days: accountDays, ...whole } });
    await refreshMappedDays(store, "feature", { selection: { days: accountDays, ...whole } });
    await refreshMappedDays(store, "track", { selection: { days: accountDays, ...whole } });
    return { slots: count };
  } finally {
    await store.command(`DROP TABLE IF EXISTS ${touched}`);
    await store.command(`DROP TABLE IF EXISTS ${source}`);
  }
}


/** The rollup rows of every (app, account, visitor, slot) in `source` (events, each once), at `version`. */
async function insertFromSource(store: ClickHouseEventStore, source: string, version: number): Promise<void> {
  const v = chLiteral(version);
  const bit = `bitShiftLeft(toUInt16(1), toUInt8(intDiv(ts, 60000) % 15))`;
  const KEY = "app_id, account_id, visitor_id, slot";
  await store.command(
    `INSERT INTO rollup_activity SELECT ${KEY}, toUInt32(count()), toUInt32(countIf(type = 'load')), toUInt32(countIf(type = 'click')),
       toUInt32(countIf(type = 'track')), toUInt16(groupBitOrIf(${bit}, type IN ${AGENT_TYPES})), toUInt16(groupBitOrIf(${bit}, type = 'track')),
       minIf(ts, type IN ('load','click')), maxIf(ts, type IN ('load','click')), ${v}
     FROM ${source} GROUP BY ${KEY}`,
  );
  await store.command(
    `INSERT INTO rollup_urls SELECT ${KEY}, assumeNotNull(url_id), toUInt32(count()), ${v} FROM ${source}
     WHERE type = 'load' AND url_id IS NOT NULL GROUP BY ${KEY}, url_id`,
  );
  await store.command(
    `INSERT INTO rollup_elements SELECT ${KEY}, assumeNotNull(element_id), toUInt32(count()), ${v} FROM ${source}
     WHERE type = 'click' AND element_id IS NOT NULL GROUP BY ${KEY}, element_id`,
  );
  await store.command(
    `INSERT INTO rollup_tracks SELECT ${KEY}, assumeNotNull(name), toUInt32(count()), ${v} FROM ${source}
     WHERE type = 'track' AND name IS NOT NULL GROUP BY ${KEY}, name`,
  );
}

/** Days of events per rebuild step: bounds the Memory table (about 1.5 M events a week at the report benchmark's density). */
const REBUILD_DAYS = 7;

/**
 * Rebuilds every rollup row from all events, set-based, a week of events at a time: the bulk
 * path (a benchmark's generated events, or rollups lost with their tables), where the flusher's
 * touched-slot path would first have to find every slot by id. Rows are written at the newest
 * event id as version, so they replace whatever an earlier update wrote for the same slots.
 * The day rollups are then rewritten from all slot rows.
 */
export async function rebuildClickHouseRollups(store: ClickHouseEventStore): Promise<{ slots: number }> {
  const [span] = await store.rows<{ lo: unknown; hi: unknown; top: unknown; n: unknown }>(
    `SELECT min(ts) AS lo, max(ts) AS hi, max(id) AS top, count() AS n FROM events WHERE type IN ${ROLLED_UP_TYPES}`,
  );
  if (span === undefined || Number(span.n) === 0) return { slots: 0 };
  const version = Number(span.top);
  const step = REBUILD_DAYS * 96 * SLOT_MS;
  const first = Math.floor(Number(span.lo) / SLOT_MS) * SLOT_MS;
  let slots = 0;
  for (let from = first; from <= Number(span.hi); from += step) {
    const source = `tmp_rollup_rebuild_${process.pid}_${Date.now()}_${tableSeq++}`;
    try {
      await store.command(
        `CREATE TABLE ${source} ENGINE = Memory AS SELECT app_id, account_id, visitor_id, ${slotOf("ts")} AS slot, type, ts, url_id, element_id, name FROM events
         WHERE ts >= ${chLiteral(from)} AND ts < ${chLiteral(from + step)} AND type IN ${ROLLED_UP_TYPES} LIMIT 1 BY id`,
      );
      await insertFromSource(store, source, version);
      await store.command(`INSERT INTO rollup_account_visitors SELECT DISTINCT app_id, account_id, visitor_id FROM ${source}`);
      const [n] = await store.rows<{ n: unknown }>(`SELECT count() AS n FROM (SELECT DISTINCT app_id, account_id, visitor_id, slot FROM ${source})`);
      slots += Number(n?.n ?? 0);
    } finally {
      await store.command(`DROP TABLE IF EXISTS ${source}`);
    }
  }
  // Once over all slot rows rather than per week: a week's steps need not start at a UTC midnight.
  await rebuildDays(store);
  return { slots };
}
