import type { DuckDBConnection } from "@duckdb/node-api";
import { SLOT_MS } from "./time-zone.js";

/**
 * Rollups: what reports read instead of raw events. One row per app × account × visitor ×
 * 15-minute slot (docs/adr/0004-rules-over-dictionaries.md explains the slot): counts, and two
 * 15-bit masks of the minutes with activity, so time on site stays exact (distinct minutes,
 * merged across tabs and, for visitor reports, across accounts) and either activity setting
 * can be chosen at report time. Page views and clicks are kept per dictionary id, not per page
 * or feature, so a new or edited rule needs no rollup rebuild: reports join the mapping tables.
 *
 * Only load, click, focus and track events are rolled up; guide events belong to guide metrics.
 */

const ROLLUP_SCHEMA = `
CREATE TABLE IF NOT EXISTS rollup_activity (
  app_id VARCHAR NOT NULL, account_id VARCHAR NOT NULL, visitor_id VARCHAR NOT NULL, slot INTEGER NOT NULL,
  events INTEGER NOT NULL, loads INTEGER NOT NULL, clicks INTEGER NOT NULL, tracks INTEGER NOT NULL,
  agent_mask USMALLINT NOT NULL, track_mask USMALLINT NOT NULL,
  first_visit BIGINT, last_visit BIGINT
);
CREATE TABLE IF NOT EXISTS rollup_urls (
  app_id VARCHAR NOT NULL, account_id VARCHAR NOT NULL, visitor_id VARCHAR NOT NULL, slot INTEGER NOT NULL,
  url_id INTEGER NOT NULL, loads INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS rollup_elements (
  app_id VARCHAR NOT NULL, account_id VARCHAR NOT NULL, visitor_id VARCHAR NOT NULL, slot INTEGER NOT NULL,
  element_id INTEGER NOT NULL, clicks INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS rollup_tracks (
  app_id VARCHAR NOT NULL, account_id VARCHAR NOT NULL, visitor_id VARCHAR NOT NULL, slot INTEGER NOT NULL,
  name VARCHAR NOT NULL, events INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS rollup_account_visitors (
  app_id VARCHAR NOT NULL, account_id VARCHAR NOT NULL, visitor_id VARCHAR NOT NULL
);
`;

export const ROLLED_UP_TYPES = "('load','click','focus','track')";
const AGENT_TYPES = "('load','click','focus')";

/** Creates the rollup tables when missing (idempotent). */
export async function ensureRollupTables(conn: DuckDBConnection): Promise<void> {
  await conn.run(ROLLUP_SCHEMA);
}

const KEY = "app_id, account_id, visitor_id, slot";
const KEY_MATCH = (a: string, b: string): string =>
  `${a}.app_id = ${b}.app_id AND ${a}.account_id = ${b}.account_id AND ${a}.visitor_id = ${b}.visitor_id AND ${a}.slot = ${b}.slot`;

/**
 * Brings the rollups up to date with events whose id is in (fromId, toId]. Every slot the range
 * touches is recomputed from its events, so a repeated call, a replayed flush or a late event
 * landing in an old slot all give the same rows.
 */
export async function updateRollups(conn: DuckDBConnection, range: { fromId: number; toId: number }): Promise<{ slots: number }> {
  await ensureRollupTables(conn);
  if (range.toId <= range.fromId) return { slots: 0 };
  await conn.run("BEGIN TRANSACTION");
  try {
    await conn.run(
      `CREATE OR REPLACE TEMP TABLE rollup_touched AS
       SELECT DISTINCT app_id, account_id, visitor_id, (ts // ${SLOT_MS})::INTEGER AS slot
       FROM events WHERE id > $1 AND id <= $2 AND type IN ${ROLLED_UP_TYPES}`,
      [range.fromId, range.toId],
    );
    const bounds = await conn.runAndReadAll("SELECT count(*)::INTEGER, min(slot), max(slot) FROM rollup_touched");
    const [count, minSlot, maxSlot] = (bounds.getRowsJS()[0] ?? [0, null, null]).map((v) => (v === null ? null : Number(v)));
    if (!count || minSlot === null || maxSlot === null || minSlot === undefined || maxSlot === undefined) {
      await conn.run("DROP TABLE rollup_touched");
      await conn.run("COMMIT");
      return { slots: 0 };
    }
    // The slot bounds let DuckDB skip row groups (zone maps) in both the rollups and the events.
    const slotBounds = (alias: string): string => `${alias}.slot BETWEEN ${minSlot} AND ${maxSlot}`;
    for (const table of ["rollup_activity", "rollup_urls", "rollup_elements", "rollup_tracks"]) {
      await conn.run(`DELETE FROM ${table} r USING rollup_touched t WHERE ${slotBounds("r")} AND ${KEY_MATCH("r", "t")}`);
    }
    await conn.run(
      `CREATE OR REPLACE TEMP TABLE rollup_source AS
       SELECT e.app_id, e.account_id, e.visitor_id, (e.ts // ${SLOT_MS})::INTEGER AS slot, e.type, e.ts, e.url_id, e.element_id, e.name
       FROM events e
       WHERE e.ts >= ${minSlot * SLOT_MS} AND e.ts < ${(maxSlot + 1) * SLOT_MS} AND e.type IN ${ROLLED_UP_TYPES}
         AND (e.app_id, e.account_id, e.visitor_id, (e.ts // ${SLOT_MS})::INTEGER) IN (SELECT ${KEY} FROM rollup_touched)`,
    );
    const minuteBit = `(1 << ((ts // 60000) % 15)::INTEGER)`;
    await conn.run(
      `INSERT INTO rollup_activity
       SELECT ${KEY}, count(*), count(*) FILTER (WHERE type = 'load'), count(*) FILTER (WHERE type = 'click'),
              count(*) FILTER (WHERE type = 'track'),
              coalesce(bit_or(${minuteBit}) FILTER (WHERE type IN ${AGENT_TYPES}), 0)::USMALLINT,
              coalesce(bit_or(${minuteBit}) FILTER (WHERE type = 'track'), 0)::USMALLINT,
              min(ts) FILTER (WHERE type IN ('load','click')), max(ts) FILTER (WHERE type IN ('load','click'))
       FROM rollup_source GROUP BY ${KEY} ORDER BY slot`,
    );
    await conn.run(
      `INSERT INTO rollup_urls SELECT ${KEY}, url_id, count(*) FROM rollup_source
       WHERE type = 'load' AND url_id IS NOT NULL GROUP BY ${KEY}, url_id ORDER BY slot`,
    );
    await conn.run(
      `INSERT INTO rollup_elements SELECT ${KEY}, element_id, count(*) FROM rollup_source
       WHERE type = 'click' AND element_id IS NOT NULL GROUP BY ${KEY}, element_id ORDER BY slot`,
    );
    await conn.run(
      `INSERT INTO rollup_tracks SELECT ${KEY}, name, count(*) FROM rollup_source
       WHERE type = 'track' AND name IS NOT NULL GROUP BY ${KEY}, name ORDER BY slot`,
    );
    await conn.run(
      `INSERT INTO rollup_account_visitors
       SELECT DISTINCT t.app_id, t.account_id, t.visitor_id FROM rollup_touched t
       ANTI JOIN rollup_account_visitors v ON v.app_id = t.app_id AND v.account_id = t.account_id AND v.visitor_id = t.visitor_id`,
    );
    await conn.run("DROP TABLE rollup_source");
    await conn.run("DROP TABLE rollup_touched");
    await conn.run("COMMIT");
    return { slots: count };
  } catch (err) {
    await conn.run("ROLLBACK");
    throw err;
  }
}
