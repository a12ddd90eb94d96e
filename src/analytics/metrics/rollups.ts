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
 * Each activity row also says what came before it for the same app × account × visitor, so an
 * account report is one pass of sums with no window over a visitor's slots:
 * - `prev_slot`: the previous row's slot (visitors in range, visitor-days in any time zone);
 * - `agent_prev_min` / `any_prev_min`: the last active minute before this slot, for each activity
 *   setting (agent events only / agent and track events); kept on every row, active or not, so a
 *   later update can read "what precedes this slot" from the row itself;
 * - `agent_start` / `any_start`: the slot is active for that setting and its first active minute
 *   comes more than 30 minutes after the previous one (or there is none): a visit starts here.
 * A report range starting inside a visit is handled at report time (`*_prev_min` < range start).
 *
 * `rollup_account_visitors` lists every app × account × visitor ever seen, with its latest slot
 * and last active minutes (the "tail"), so an update never searches history for what precedes it.
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
CREATE TABLE IF NOT EXISTS rollup_account_keys (
  account_id VARCHAR PRIMARY KEY, account_key INTEGER NOT NULL UNIQUE
);
`;

/**
 * Integer account keys. An account report groups millions of in-range rows by account; DuckDB
 * groups an INTEGER two to three times faster than a VARCHAR, so every breakdown table carries
 * `account_key` next to `account_id` and reports map keys back to ids on the ~5,000 grouped rows.
 * Keys come from `rollup_account_keys` (shared by apps, like the account ids themselves) and are
 * assigned by `updateRollups` in the writer's transaction; the primary key turns a double
 * assignment into an error instead of a duplicated account. The "no account" id '' is never
 * stored there: its key is always 0, so reports filter it out without a join.
 */
export const NO_ACCOUNT_KEY = 0;
const KEYED_TABLES = ["rollup_activity", "rollup_urls", "rollup_elements", "rollup_tracks"] as const;

/**
 * Columns added after the first release of the rollups: ALTER keeps existing databases working,
 * and a one-off backfill (`refreshAllLinks`) fills them. New databases get them the same way.
 */
const LINK_COLUMNS: readonly [table: string, column: string, type: string][] = [
  ["rollup_activity", "prev_slot", "INTEGER"],
  ["rollup_activity", "agent_prev_min", "INTEGER"],
  ["rollup_activity", "any_prev_min", "INTEGER"],
  ["rollup_activity", "agent_start", "BOOLEAN"],
  ["rollup_activity", "any_start", "BOOLEAN"],
  ["rollup_account_visitors", "last_slot", "INTEGER"],
  ["rollup_account_visitors", "last_agent_min", "INTEGER"],
  ["rollup_account_visitors", "last_any_min", "INTEGER"],
];

/** The account key of `alias`'s account_id, given `keys` joined as rollup_account_keys. */
const accountKeySql = (alias: string, keys: string): string => `CASE WHEN ${alias}.account_id = '' THEN ${NO_ACCOUNT_KEY} ELSE ${keys}.account_key END`;

/** Gives every account id in `source` (a table with account_id) that has no key yet the next keys. */
async function assignAccountKeys(conn: DuckDBConnection, source: string): Promise<void> {
  await conn.run(
    `INSERT INTO rollup_account_keys
     SELECT account_id, (SELECT coalesce(max(account_key), ${NO_ACCOUNT_KEY}) FROM rollup_account_keys) + (row_number() OVER (ORDER BY account_id))::INTEGER
     FROM (SELECT DISTINCT account_id FROM ${source} WHERE account_id <> '') n
     WHERE NOT EXISTS (SELECT 1 FROM rollup_account_keys k WHERE k.account_id = n.account_id)`,
  );
}

/**
 * Fills `account_key` where it is NULL: rollups written before it existed (a one-off backfill,
 * after the ALTER), or rows written while it was briefly reverted (commit a2aac30).
 */
async function backfillAccountKeys(conn: DuckDBConnection, tables: readonly string[]): Promise<void> {
  // Every account with rollup rows has a tail row; the activity table is read too in case it does not.
  await assignAccountKeys(conn, "(SELECT account_id FROM rollup_account_visitors UNION SELECT account_id FROM rollup_activity)");
  for (const t of tables) {
    await conn.run(
      `UPDATE ${t} r SET account_key = ${accountKeySql("r", "k")}
       FROM (SELECT * FROM rollup_account_keys UNION ALL SELECT '', NULL) k WHERE k.account_id = r.account_id AND r.account_key IS NULL`,
    );
  }
}

/** Keyed tables that have the column but rows without a key (see `backfillAccountKeys`). */
async function tablesWithNullKeys(conn: DuckDBConnection, tables: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const t of tables) {
    const r = await conn.runAndReadAll(`SELECT EXISTS (SELECT 1 FROM ${t} WHERE account_key IS NULL)`);
    if (r.getRowsJS()[0]?.[0] === true) out.push(t);
  }
  return out;
}

export const ROLLED_UP_TYPES = "('load','click','focus','track')";
const AGENT_TYPES = "('load','click','focus')";

/** A visit ends after more than this many minutes without activity (SPEC). */
export const VISIT_GAP_MINUTES = 30;

/** Absolute minute (since the epoch) of a mask's first / last set bit in a row's slot. */
export const firstMinuteSql = (mask: string, slot = "slot"): string => `(${slot} * 15 + floor(log2((${mask})::INTEGER & -(${mask})::INTEGER))::INTEGER)`;
export const lastMinuteSql = (mask: string, slot = "slot"): string => `(${slot} * 15 + floor(log2((${mask})::INTEGER))::INTEGER)`;
const ANY_MASK = "(agent_mask::INTEGER | track_mask::INTEGER)";

/** Connections already checked for the current schema: the check is a catalog query, not free. */
const ready = new WeakSet<DuckDBConnection>();

/** Creates the rollup tables when missing and adds (and backfills) newer columns (idempotent). */
export async function ensureRollupTables(conn: DuckDBConnection): Promise<void> {
  if (ready.has(conn)) return;
  await conn.run(ROLLUP_SCHEMA);
  const existing = await conn.runAndReadAll(
    `SELECT table_name, column_name FROM duckdb_columns()
     WHERE table_name IN ('rollup_activity', 'rollup_account_visitors', 'rollup_urls', 'rollup_elements', 'rollup_tracks') AND NOT internal`,
  );
  const have = new Set(existing.getRowsJS().map(([t, c]) => `${String(t)}.${String(c)}`));
  const missing = LINK_COLUMNS.filter(([t, c]) => !have.has(`${t}.${c}`));
  const unkeyed = KEYED_TABLES.filter((t) => !have.has(`${t}.account_key`));
  const partly = await tablesWithNullKeys(conn, KEYED_TABLES.filter((t) => have.has(`${t}.account_key`)));
  if (missing.length > 0 || unkeyed.length > 0 || partly.length > 0) {
    await conn.run("BEGIN TRANSACTION");
    try {
      // Every ALTER before any UPDATE: DuckDB refuses to commit a transaction that updates a
      // table, alters it and updates it again ("another transaction has altered this table").
      for (const [t, c, type] of missing) await conn.run(`ALTER TABLE ${t} ADD COLUMN ${c} ${type}`);
      for (const t of unkeyed) await conn.run(`ALTER TABLE ${t} ADD COLUMN account_key INTEGER`);
      if (missing.length > 0) await refreshAllLinks(conn);
      if (unkeyed.length > 0 || partly.length > 0) await backfillAccountKeys(conn, [...unkeyed, ...partly]);
      await conn.run("COMMIT");
    } catch (err) {
      await conn.run("ROLLBACK");
      throw err;
    }
  }
  ready.add(conn);
}

const KEY3 = "app_id, account_id, visitor_id";
const KEY = `${KEY3}, slot`;
const KEY3_MATCH = (a: string, b: string): string => `${a}.app_id = ${b}.app_id AND ${a}.account_id = ${b}.account_id AND ${a}.visitor_id = ${b}.visitor_id`;
const KEY_MATCH = (a: string, b: string): string => `${KEY3_MATCH(a, b)} AND ${a}.slot = ${b}.slot`;

/**
 * The link columns of the rows in `source` (KEY, agent_mask, track_mask, is_fresh), in slot order
 * per app × account × visitor, continuing from `context` (KEY3, ctx_slot, ctx_agent, ctx_any: what
 * precedes the first row of `source`, NULL for a key never seen). Also the tail values of each row.
 */
function linkSql(source: string, context: string | null): string {
  const win = `PARTITION BY ${KEY3} ORDER BY slot`;
  const ctx = (col: string): string => (context === null ? "NULL::INTEGER" : `c.${col}`);
  return `
    SELECT *,
           -- CASE, not AND: DuckDB may evaluate both sides of an AND, and log2(0) is an error.
           CASE WHEN agent_mask = 0 THEN false
                ELSE agent_prev_min IS NULL OR ${firstMinuteSql("agent_mask")} - agent_prev_min > ${VISIT_GAP_MINUTES} END AS agent_start,
           any_prev_min IS NULL OR ${firstMinuteSql(ANY_MASK)} - any_prev_min > ${VISIT_GAP_MINUTES} AS any_start,
           coalesce(agent_last, agent_prev_min) AS tail_agent
    FROM (
      SELECT s.*,
             coalesce(lag(s.slot) OVER (${win}), ${ctx("ctx_slot")}) AS prev_slot,
             coalesce(last_value(s.agent_last IGNORE NULLS) OVER (${win} ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), ${ctx("ctx_agent")}) AS agent_prev_min,
             coalesce(lag(s.any_last) OVER (${win}), ${ctx("ctx_any")}) AS any_prev_min
      FROM (
        SELECT *, CASE WHEN agent_mask <> 0 THEN ${lastMinuteSql("agent_mask")} END AS agent_last, ${lastMinuteSql(ANY_MASK)} AS any_last
        FROM ${source}) s
      ${context === null ? "" : `LEFT JOIN ${context} c USING (${KEY3})`})`;
}

/** Recomputes every link column and tail from scratch: the backfill after adding the columns. */
async function refreshAllLinks(conn: DuckDBConnection): Promise<void> {
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE rollup_links AS ${linkSql(`(SELECT ${KEY}, agent_mask, track_mask FROM rollup_activity)`, null)}`,
  );
  await conn.run(
    `UPDATE rollup_activity r SET prev_slot = l.prev_slot, agent_prev_min = l.agent_prev_min, any_prev_min = l.any_prev_min,
            agent_start = l.agent_start, any_start = l.any_start
     FROM rollup_links l WHERE ${KEY_MATCH("r", "l")}`,
  );
  await writeTails(conn);
  await conn.run("DROP TABLE rollup_links");
}

/** Sets the tail of every key in `rollup_links` from its latest row, adding keys never seen. */
async function writeTails(conn: DuckDBConnection): Promise<void> {
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE rollup_tails AS
     SELECT ${KEY3}, slot AS last_slot, tail_agent AS last_agent_min, any_last AS last_any_min FROM rollup_links
     QUALIFY row_number() OVER (PARTITION BY ${KEY3} ORDER BY slot DESC) = 1`,
  );
  await conn.run(
    `UPDATE rollup_account_visitors v SET last_slot = t.last_slot, last_agent_min = t.last_agent_min, last_any_min = t.last_any_min
     FROM rollup_tails t WHERE ${KEY3_MATCH("v", "t")}`,
  );
  await conn.run(
    `INSERT INTO rollup_account_visitors (${KEY3}, last_slot, last_agent_min, last_any_min)
     SELECT t.* FROM rollup_tails t ANTI JOIN rollup_account_visitors v ON ${KEY3_MATCH("v", "t")}`,
  );
  await conn.run("DROP TABLE rollup_tails");
}

/**
 * Brings the rollups up to date with events whose id is in (fromId, toId]. Every slot the range
 * touches is recomputed from its events, so a repeated call, a replayed flush or a late event
 * landing in an old slot all give the same rows. The link columns are recomputed for the touched
 * slots and for every later row of the same app × account × visitor (a late event can start or
 * end a visit, or add a slot, before them); rows whose links did not change are not written.
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
    await assignAccountKeys(conn, "rollup_touched");
    await conn.run(
      `CREATE OR REPLACE TEMP TABLE rollup_acc AS
       SELECT t.account_id, ${accountKeySql("t", "k")} AS account_key
       FROM (SELECT DISTINCT account_id FROM rollup_touched) t LEFT JOIN rollup_account_keys k ON k.account_id = t.account_id`,
    );
    // The slot bounds let DuckDB skip row groups (zone maps) in both the rollups and the events.
    const slotBounds = (alias: string): string => `${alias}.slot BETWEEN ${minSlot} AND ${maxSlot}`;
    // Rows that may need new links: every row of a touched key from its first touched slot on.
    await conn.run(`CREATE OR REPLACE TEMP TABLE rollup_keys AS SELECT ${KEY3}, min(slot) AS first_slot FROM rollup_touched GROUP BY ALL`);
    const atOrAfter = `rollup_activity r JOIN rollup_keys k ON ${KEY3_MATCH("r", "k")} WHERE r.slot >= ${minSlot} AND r.slot >= k.first_slot`;
    // What precedes a key's first touched slot has not changed: the first existing row at or after
    // that slot still says it (its own links); with no such row, the key's tail says it.
    await conn.run(
      `CREATE OR REPLACE TEMP TABLE rollup_context AS
       WITH f AS (
         SELECT r.app_id, r.account_id, r.visitor_id,
                arg_min({'s': r.prev_slot, 'a': r.agent_prev_min, 'y': r.any_prev_min}, r.slot) AS p
         FROM ${atOrAfter} GROUP BY ALL)
       SELECT k.app_id, k.account_id, k.visitor_id,
              CASE WHEN f.p IS NULL THEN v.last_slot ELSE f.p.s END AS ctx_slot,
              CASE WHEN f.p IS NULL THEN v.last_agent_min ELSE f.p.a END AS ctx_agent,
              CASE WHEN f.p IS NULL THEN v.last_any_min ELSE f.p.y END AS ctx_any
       FROM rollup_keys k
       LEFT JOIN f ON ${KEY3_MATCH("f", "k")}
       LEFT JOIN rollup_account_visitors v ON ${KEY3_MATCH("v", "k")}`,
    );
    // Later rows of the touched keys that the events did not touch: their links may move.
    await conn.run(
      `CREATE OR REPLACE TEMP TABLE rollup_later AS
       SELECT r.app_id, r.account_id, r.visitor_id, r.slot, r.agent_mask, r.track_mask FROM ${atOrAfter}
       AND NOT EXISTS (SELECT 1 FROM rollup_touched t WHERE ${KEY_MATCH("t", "r")})`,
    );
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
      `CREATE OR REPLACE TEMP TABLE rollup_fresh AS
       SELECT ${KEY}, count(*) AS events, count(*) FILTER (WHERE type = 'load') AS loads, count(*) FILTER (WHERE type = 'click') AS clicks,
              count(*) FILTER (WHERE type = 'track') AS tracks,
              coalesce(bit_or(${minuteBit}) FILTER (WHERE type IN ${AGENT_TYPES}), 0)::USMALLINT AS agent_mask,
              coalesce(bit_or(${minuteBit}) FILTER (WHERE type = 'track'), 0)::USMALLINT AS track_mask,
              min(ts) FILTER (WHERE type IN ('load','click')) AS first_visit, max(ts) FILTER (WHERE type IN ('load','click')) AS last_visit
       FROM rollup_source GROUP BY ${KEY}`,
    );
    await conn.run(
      `CREATE OR REPLACE TEMP TABLE rollup_links AS ${linkSql(
        `(SELECT ${KEY}, agent_mask, track_mask, true AS is_fresh FROM rollup_fresh
          UNION ALL SELECT *, false FROM rollup_later)`,
        "rollup_context",
      )}`,
    );
    await conn.run(
      `INSERT INTO rollup_activity (${KEY}, events, loads, clicks, tracks, agent_mask, track_mask, first_visit, last_visit,
                                    prev_slot, agent_prev_min, any_prev_min, agent_start, any_start, account_key)
       SELECT f.app_id, f.account_id, f.visitor_id, f.slot, f.events, f.loads, f.clicks, f.tracks, f.agent_mask, f.track_mask,
              f.first_visit, f.last_visit, l.prev_slot, l.agent_prev_min, l.any_prev_min, l.agent_start, l.any_start, a.account_key
       FROM rollup_fresh f JOIN rollup_links l ON ${KEY_MATCH("f", "l")} JOIN rollup_acc a ON a.account_id = f.account_id ORDER BY f.slot`,
    );
    await conn.run(
      `UPDATE rollup_activity r SET prev_slot = l.prev_slot, agent_prev_min = l.agent_prev_min, any_prev_min = l.any_prev_min,
              agent_start = l.agent_start, any_start = l.any_start
       FROM rollup_links l
       WHERE NOT l.is_fresh AND r.slot >= ${minSlot} AND ${KEY_MATCH("r", "l")}
         AND (r.prev_slot IS DISTINCT FROM l.prev_slot OR r.agent_prev_min IS DISTINCT FROM l.agent_prev_min
              OR r.any_prev_min IS DISTINCT FROM l.any_prev_min OR r.agent_start IS DISTINCT FROM l.agent_start
              OR r.any_start IS DISTINCT FROM l.any_start)`,
    );
    await writeTails(conn);
    // Column lists, not positions: account_key was added after the first release (at the end).
    const keyed = `rollup_source s JOIN rollup_acc a USING (account_id)`;
    await conn.run(
      `INSERT INTO rollup_urls (${KEY}, url_id, loads, account_key) SELECT ${KEY}, url_id, count(*), any_value(a.account_key) FROM ${keyed}
       WHERE type = 'load' AND url_id IS NOT NULL GROUP BY ${KEY}, url_id ORDER BY slot`,
    );
    await conn.run(
      `INSERT INTO rollup_elements (${KEY}, element_id, clicks, account_key) SELECT ${KEY}, element_id, count(*), any_value(a.account_key) FROM ${keyed}
       WHERE type = 'click' AND element_id IS NOT NULL GROUP BY ${KEY}, element_id ORDER BY slot`,
    );
    await conn.run(
      `INSERT INTO rollup_tracks (${KEY}, name, events, account_key) SELECT ${KEY}, name, count(*), any_value(a.account_key) FROM ${keyed}
       WHERE type = 'track' AND name IS NOT NULL GROUP BY ${KEY}, name ORDER BY slot`,
    );
    for (const temp of ["rollup_acc", "rollup_links", "rollup_fresh", "rollup_later", "rollup_context", "rollup_keys", "rollup_source", "rollup_touched"]) {
      await conn.run(`DROP TABLE ${temp}`);
    }
    await conn.run("COMMIT");
    return { slots: count };
  } catch (err) {
    await conn.run("ROLLBACK");
    throw err;
  }
}
