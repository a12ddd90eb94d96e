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
  const before = await conn.runAndReadAll(
    "SELECT table_name FROM duckdb_tables() WHERE table_name IN ('rollup_activity', 'rollup_merged') AND NOT temporary",
  );
  const had = new Set(before.getRowsJS().map(([t]) => String(t)));
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
  if (!had.has("rollup_merged")) await createMergedRanges(conn, had.has("rollup_activity"));
  ready.add(conn);
}

/**
 * Creates `rollup_merged`, the runs (from_id, to_id] of event ids already merged into the rollups
 * (see `updateRollups`). New rollups start with none. Rollups that predate it were kept by
 * recomputation, which guaranteed only that every id up to the rollups checkpoint is rolled up
 * (a crash may have left later ones rolled up too, or not): so the slots of the events above the
 * checkpoint are recomputed once, the idempotent way, and everything up to the highest id is one run.
 */
async function createMergedRanges(conn: DuckDBConnection, upgrade: boolean): Promise<void> {
  await inTransaction(conn, async () => {
    await conn.run("CREATE TABLE rollup_merged (from_id BIGINT NOT NULL, to_id BIGINT NOT NULL)");
    if (!upgrade) return;
    const tables = await conn.runAndReadAll(
      "SELECT table_name FROM duckdb_tables() WHERE table_name IN ('analytics_checkpoints', 'events') AND NOT temporary",
    );
    const have = new Set(tables.getRowsJS().map(([t]) => String(t)));
    const checkpoint = have.has("analytics_checkpoints")
      ? Number((await conn.runAndReadAll("SELECT max(id) FROM analytics_checkpoints WHERE name = 'rollups'")).getRowsJS()[0]?.[0] ?? 0)
      : 0;
    const maxId = have.has("events") ? Number((await conn.runAndReadAll("SELECT coalesce(max(id), 0) FROM events")).getRowsJS()[0]?.[0] ?? 0) : 0;
    if (maxId > checkpoint) await recomputeSlots(conn, { fromId: checkpoint, toId: maxId });
    const upTo = Math.max(checkpoint, maxId);
    if (upTo > 0) await conn.run(`INSERT INTO rollup_merged VALUES (0, ${upTo})`);
  });
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

const minuteBit = `(1 << ((ts // 60000) % 15)::INTEGER)`;

/** The activity columns of `source` (KEY, type, ts) per key-slot: a slot's row from its events. */
const activitySql = (source: string): string => `
  SELECT ${KEY}, count(*)::INTEGER AS events, count(*) FILTER (WHERE type = 'load')::INTEGER AS loads,
         count(*) FILTER (WHERE type = 'click')::INTEGER AS clicks, count(*) FILTER (WHERE type = 'track')::INTEGER AS tracks,
         coalesce(bit_or(${minuteBit}) FILTER (WHERE type IN ${AGENT_TYPES}), 0)::USMALLINT AS agent_mask,
         coalesce(bit_or(${minuteBit}) FILTER (WHERE type = 'track'), 0)::USMALLINT AS track_mask,
         min(ts) FILTER (WHERE type IN ('load','click')) AS first_visit, max(ts) FILTER (WHERE type IN ('load','click')) AS last_visit
  FROM ${source} GROUP BY ${KEY}`;

/** The breakdown tables: table, item column, count column, the event type counted. */
const BREAKDOWNS = [
  { table: "rollup_urls", item: "url_id", count: "loads", type: "load" },
  { table: "rollup_elements", item: "element_id", count: "clicks", type: "click" },
  { table: "rollup_tracks", item: "name", count: "events", type: "track" },
] as const;

/** Per key-slot-item counts of one breakdown from `source` (KEY, type, url_id, element_id, name). */
const breakdownSql = (b: (typeof BREAKDOWNS)[number], source: string): string =>
  `SELECT ${KEY}, ${b.item}, count(*)::INTEGER AS n FROM ${source} WHERE type = '${b.type}' AND ${b.item} IS NOT NULL GROUP BY ${KEY}, ${b.item}`;

/**
 * Writes the activity rows of `rollup_fresh` (KEY and the count / mask columns: the whole row of
 * every touched key-slot, as it must now read) with their links, replacing the rows of those
 * key-slots, and moves the links of every later row of the same app × account × visitor (a late
 * event can start or end a visit, or add a slot, before them) and the tails. Rows whose links did
 * not change are not written. Leaves `rollup_acc` (account keys of the touched accounts).
 */
async function writeActivity(conn: DuckDBConnection, minSlot: number): Promise<void> {
  await assignAccountKeys(conn, "rollup_fresh");
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE rollup_acc AS
     SELECT t.account_id, ${accountKeySql("t", "k")} AS account_key
     FROM (SELECT DISTINCT account_id FROM rollup_fresh) t LEFT JOIN rollup_account_keys k ON k.account_id = t.account_id`,
  );
  // Rows that may need new links: every row of a touched key from its first touched slot on.
  await conn.run(`CREATE OR REPLACE TEMP TABLE rollup_keys AS SELECT ${KEY3}, min(slot) AS first_slot FROM rollup_fresh GROUP BY ALL`);
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
     AND NOT EXISTS (SELECT 1 FROM rollup_fresh t WHERE ${KEY_MATCH("t", "r")})`,
  );
  // The slot bound lets DuckDB skip row groups (zone maps).
  await conn.run(`DELETE FROM rollup_activity r USING rollup_fresh t WHERE r.slot >= ${minSlot} AND ${KEY_MATCH("r", "t")}`);
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
  for (const temp of ["rollup_links", "rollup_later", "rollup_context", "rollup_keys"]) await conn.run(`DROP TABLE ${temp}`);
}

/** The rows of `rollup_fresh`: the key-slots an update touched. */
async function freshCount(conn: DuckDBConnection): Promise<number> {
  return Number((await conn.runAndReadAll("SELECT count(*)::INTEGER FROM rollup_fresh")).getRowsJS()[0]?.[0] ?? 0);
}

async function inTransaction<T>(conn: DuckDBConnection, body: () => Promise<T>): Promise<T> {
  await conn.run("BEGIN TRANSACTION");
  try {
    const out = await body();
    await conn.run("COMMIT");
    return out;
  } catch (err) {
    await conn.run("ROLLBACK");
    throw err;
  }
}

/**
 * The rollups' first design, kept as the reference: recomputes every key-slot that events with id
 * in (fromId, toId] touch FROM ALL OF THAT SLOT'S EVENTS (idempotent, but each call re-reads whole
 * slots). It ignores and does not write `rollup_merged`. Used once to upgrade a workspace that
 * predates `rollup_merged` (see `ensureMergedRanges`) and by the tests as the oracle for
 * `updateRollups`; production updates go through `updateRollups`.
 */
export async function recomputeRollups(conn: DuckDBConnection, range: { fromId: number; toId: number }): Promise<{ slots: number }> {
  await ensureRollupTables(conn);
  if (range.toId <= range.fromId) return { slots: 0 };
  return inTransaction(conn, () => recomputeSlots(conn, range));
}

async function recomputeSlots(conn: DuckDBConnection, range: { fromId: number; toId: number }): Promise<{ slots: number }> {
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
    return { slots: 0 };
  }
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE rollup_source AS
     SELECT e.app_id, e.account_id, e.visitor_id, (e.ts // ${SLOT_MS})::INTEGER AS slot, e.type, e.ts, e.url_id, e.element_id, e.name
     FROM events e
     WHERE e.ts >= ${minSlot * SLOT_MS} AND e.ts < ${(maxSlot + 1) * SLOT_MS} AND e.type IN ${ROLLED_UP_TYPES}
       AND (e.app_id, e.account_id, e.visitor_id, (e.ts // ${SLOT_MS})::INTEGER) IN (SELECT ${KEY} FROM rollup_touched)`,
  );
  await conn.run(`CREATE OR REPLACE TEMP TABLE rollup_fresh AS ${activitySql("rollup_source")}`);
  await writeActivity(conn, minSlot);
  for (const b of BREAKDOWNS) {
    await conn.run(`DELETE FROM ${b.table} r USING rollup_touched t WHERE r.slot BETWEEN ${minSlot} AND ${maxSlot} AND ${KEY_MATCH("r", "t")}`);
    // Column lists, not positions: account_key was added after the first release (at the end).
    await conn.run(
      `INSERT INTO ${b.table} (${KEY}, ${b.item}, ${b.count}, account_key)
       SELECT d.*, a.account_key FROM (${breakdownSql(b, "rollup_source")}) d JOIN rollup_acc a USING (account_id) ORDER BY d.slot`,
    );
  }
  for (const temp of ["rollup_acc", "rollup_fresh", "rollup_source", "rollup_touched"]) await conn.run(`DROP TABLE ${temp}`);
  return { slots: count };
}

/** Half-open id runs (from, to]: sorted, and runs that overlap or touch made one. */
export function coalesceRuns(runs: readonly (readonly [number, number])[]): [number, number][] {
  const sorted = [...runs].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [from, to] of sorted) {
    const last = out.at(-1);
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else out.push([from, to]);
  }
  return out;
}

/** The parts of (fromId, toId] that no run covers, as half-open (from, to] ranges. */
export function uncoveredRanges(range: { fromId: number; toId: number }, runs: readonly (readonly [number, number])[]): [number, number][] {
  const out: [number, number][] = [];
  let at = range.fromId;
  for (const [from, to] of coalesceRuns(runs)) {
    if (to <= at) continue;
    if (from >= range.toId) break;
    if (from > at) out.push([at, from]);
    at = Math.max(at, to);
  }
  if (at < range.toId) out.push([at, range.toId]);
  return out;
}

const readRuns = async (conn: DuckDBConnection, where: string): Promise<[number, number][]> =>
  (await conn.runAndReadAll(`SELECT from_id, to_id FROM rollup_merged WHERE ${where} ORDER BY from_id`)).getRowsJS().map(([f, t]) => [Number(f), Number(t)]);

/**
 * Brings the rollups up to date with events whose id is in (fromId, toId], exactly once:
 * `rollup_merged` lists the id runs already merged, so only events of the range in no run are
 * read. They are aggregated into per key-slot deltas and merged into the existing rows of those
 * key-slots (counts add, masks OR, first / last visit least / greatest), never re-reading a slot's
 * older events; the runs of ids actually merged are recorded in the same transaction. A repeated
 * call or a replayed flush merges nothing, an id block passed before its events exist (the bulk
 * loader) is merged by a later call that covers it, and a late event merges into its old slot.
 * The links of the touched rows and of every later row of the same app × account × visitor are
 * recomputed as in `recomputeRollups`.
 */
export async function updateRollups(conn: DuckDBConnection, range: { fromId: number; toId: number }): Promise<{ slots: number }> {
  await ensureRollupTables(conn);
  if (range.toId <= range.fromId) return { slots: 0 };
  return inTransaction(conn, async () => {
    const done = await readRuns(conn, `to_id > ${range.fromId} AND from_id < ${range.toId}`);
    const gaps = uncoveredRanges(range, done);
    if (gaps.length === 0) return { slots: 0 };
    const idIn = `(${gaps.map(([f, t]) => `(id > ${f} AND id <= ${t})`).join(" OR ")})`;
    // The runs of ids present (gaps and islands): ids within a flush are consecutive, so a count
    // equal to the span settles most gaps without numbering the rows.
    const islands: [number, number][] = [];
    for (const [f, t] of gaps) {
      const r = await conn.runAndReadAll(`SELECT count(*)::BIGINT, min(id), max(id) FROM events WHERE id > ${f} AND id <= ${t}`);
      const [n, lo, hi] = (r.getRowsJS()[0] ?? [0, null, null]).map((v) => (v === null ? null : Number(v)));
      if (!n || lo === null || hi === null || lo === undefined || hi === undefined) continue;
      if (n === hi - lo + 1) {
        islands.push([lo - 1, hi]);
        continue;
      }
      const runs = await conn.runAndReadAll(
        `SELECT min(id) - 1, max(id) FROM (SELECT id, id - row_number() OVER (ORDER BY id) AS g FROM events WHERE id > ${f} AND id <= ${t}) GROUP BY g`,
      );
      for (const [a, b] of runs.getRowsJS()) islands.push([Number(a), Number(b)]);
    }
    if (islands.length === 0) return { slots: 0 };
    await conn.run(
      `CREATE OR REPLACE TEMP TABLE rollup_source AS
       SELECT app_id, account_id, visitor_id, (ts // ${SLOT_MS})::INTEGER AS slot, type, ts, url_id, element_id, name
       FROM events WHERE ${idIn} AND type IN ${ROLLED_UP_TYPES}`,
    );
    await conn.run(`CREATE OR REPLACE TEMP TABLE rollup_delta AS ${activitySql("rollup_source")}`);
    const bounds = await conn.runAndReadAll("SELECT min(slot), max(slot) FROM rollup_delta");
    const [minSlot, maxSlot] = (bounds.getRowsJS()[0] ?? [null, null]).map((v) => (v === null ? null : Number(v)));
    let slots = 0;
    if (minSlot !== null && maxSlot !== null && minSlot !== undefined && maxSlot !== undefined) {
      const inSlots = (alias: string): string => `${alias}.slot BETWEEN ${minSlot} AND ${maxSlot}`;
      // Each touched row as it must now read: its existing row (if any) merged with the delta.
      // least / greatest of coalesced pairs: NULL only when both sides are NULL.
      await conn.run(
        `CREATE OR REPLACE TEMP TABLE rollup_fresh AS
         SELECT d.app_id, d.account_id, d.visitor_id, d.slot,
                d.events + coalesce(r.events, 0) AS events, d.loads + coalesce(r.loads, 0) AS loads,
                d.clicks + coalesce(r.clicks, 0) AS clicks, d.tracks + coalesce(r.tracks, 0) AS tracks,
                (d.agent_mask | coalesce(r.agent_mask, 0))::USMALLINT AS agent_mask,
                (d.track_mask | coalesce(r.track_mask, 0))::USMALLINT AS track_mask,
                least(coalesce(d.first_visit, r.first_visit), coalesce(r.first_visit, d.first_visit)) AS first_visit,
                greatest(coalesce(d.last_visit, r.last_visit), coalesce(r.last_visit, d.last_visit)) AS last_visit
         FROM rollup_delta d LEFT JOIN (SELECT * FROM rollup_activity r WHERE ${inSlots("r")}) r ON ${KEY_MATCH("r", "d")}`,
      );
      slots = await freshCount(conn);
      await writeActivity(conn, minSlot);
      for (const b of BREAKDOWNS) {
        await conn.run(`CREATE OR REPLACE TEMP TABLE rollup_items AS ${breakdownSql(b, "rollup_source")}`);
        const itemMatch = (x: string, y: string): string => `${KEY_MATCH(x, y)} AND ${x}.${b.item} = ${y}.${b.item}`;
        await conn.run(
          `CREATE OR REPLACE TEMP TABLE rollup_items_merged AS
           SELECT d.app_id, d.account_id, d.visitor_id, d.slot, d.${b.item}, d.n + coalesce(r.${b.count}, 0) AS n
           FROM rollup_items d LEFT JOIN (SELECT * FROM ${b.table} r WHERE ${inSlots("r")}) r ON ${itemMatch("r", "d")}`,
        );
        await conn.run(`DELETE FROM ${b.table} r USING rollup_items d WHERE ${inSlots("r")} AND ${itemMatch("r", "d")}`);
        await conn.run(
          `INSERT INTO ${b.table} (${KEY}, ${b.item}, ${b.count}, account_key)
           SELECT m.*, a.account_key FROM rollup_items_merged m JOIN rollup_acc a USING (account_id) ORDER BY m.slot`,
        );
        for (const temp of ["rollup_items", "rollup_items_merged"]) await conn.run(`DROP TABLE ${temp}`);
      }
      for (const temp of ["rollup_acc", "rollup_fresh"]) await conn.run(`DROP TABLE ${temp}`);
    }
    for (const temp of ["rollup_delta", "rollup_source"]) await conn.run(`DROP TABLE ${temp}`);
    await recordMerged(conn, range, islands);
    return { slots };
  });
}

/** Adds the id runs `islands` (within `range`) to `rollup_merged`, coalesced with the runs they touch. */
async function recordMerged(conn: DuckDBConnection, range: { fromId: number; toId: number }, islands: readonly [number, number][]): Promise<void> {
  const touching = `to_id >= ${range.fromId} AND from_id <= ${range.toId}`;
  const runs = coalesceRuns([...(await readRuns(conn, touching)), ...islands]);
  await conn.run(`DELETE FROM rollup_merged WHERE ${touching}`);
  await conn.run(`INSERT INTO rollup_merged VALUES ${runs.map(([f, t]) => `(${f}, ${t})`).join(", ")}`);
}
