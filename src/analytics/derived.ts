import type { DuckDBConnection } from "@duckdb/node-api";
import type { DictionaryEntry, DuckDbEventStore, IdRange } from "../store/index.js";
import type { DefinitionStore } from "./definitions/index.js";
import type { AfterFlush } from "./ingest/index.js";
import { ensureRollupTables, updateRollups } from "./metrics/index.js";
import { ensureMappingTables, mapNewDictionaryEntries, type RuleSet } from "./tagging/index.js";
import type { EventsEngine } from "./events-engine.js";

type Checkpoint = "rollups" | "urls_mapped" | "elements_mapped";

async function readCheckpoint(conn: DuckDBConnection, name: Checkpoint): Promise<number> {
  const r = await conn.runAndReadAll("SELECT id FROM analytics_checkpoints WHERE name = $1", [name]);
  return Number(r.getRowsJS()[0]?.[0] ?? 0);
}

async function writeCheckpoint(conn: DuckDBConnection, name: Checkpoint, id: number): Promise<void> {
  await conn.run("DELETE FROM analytics_checkpoints WHERE name = $1", [name]);
  await conn.run("INSERT INTO analytics_checkpoints VALUES ($1, $2)", [name, id]);
}

async function entriesAfter(conn: DuckDBConnection, table: "urls" | "elements", id: number): Promise<DictionaryEntry[]> {
  const r = await conn.runAndReadAll(`SELECT id, value FROM ${table} WHERE id > $1 ORDER BY id`, [id]);
  return r.getRowsJS().map(([i, v]) => ({ id: Number(i), value: String(v) }));
}

/** What one flush added: its event ids and the dictionary entries it created. */
export type FlushedRange = { fromId: number; toId: number; newUrls: readonly DictionaryEntry[]; newElements: readonly DictionaryEntry[] };

/**
 * DuckDB: keeps what is derived from events current after each flush (the rollups and the page /
 * feature mappings of new dictionary entries). A crash between the append and the update is
 * repaired by `duckDbRecoverDerived` at start-up: the rollups know which event ids they merged
 * (`rollup_merged`, written in the update's transaction), the mappings have a checkpoint and are
 * idempotent. The rollups checkpoint still records how far the flusher's updates went.
 */
export const duckDbAfterFlush = (events: DuckDbEventStore, { fromId, toId, newUrls, newElements }: FlushedRange, rules: RuleSet): Promise<void> =>
  events.exclusive(async (conn) => {
    await updateRollups(conn, { fromId: fromId - 1, toId });
    await writeCheckpoint(conn, "rollups", toId);
    if (newUrls.length > 0 || newElements.length > 0) {
      await mapNewDictionaryEntries(conn, newUrls, newElements, rules);
      const lastUrl = newUrls.at(-1);
      const lastElement = newElements.at(-1);
      if (lastUrl) await writeCheckpoint(conn, "urls_mapped", lastUrl.id);
      if (lastElement) await writeCheckpoint(conn, "elements_mapped", lastElement.id);
    }
  });

/** DuckDB: creates the derived tables and catches up on anything a crash left behind. */
export const duckDbRecoverDerived = (events: DuckDbEventStore, rules: () => RuleSet): Promise<void> =>
  events.exclusive(async (conn) => {
    await conn.run("CREATE TABLE IF NOT EXISTS analytics_checkpoints (name VARCHAR NOT NULL, id BIGINT NOT NULL)");
    await ensureRollupTables(conn);
    await ensureMappingTables(conn);
    const maxId = Number((await conn.runAndReadAll("SELECT coalesce(max(id), 0) FROM events")).getRowsJS()[0]?.[0] ?? 0);
    // Every id, not just those above the checkpoint: updateRollups merges only ids in no merged
    // run, so this catches up a crashed flush and an id block the bulk loader reserved (passed
    // empty by the flusher) but whose events it inserted without rolling them up.
    await updateRollups(conn, { fromId: 0, toId: maxId });
    if (maxId > (await readCheckpoint(conn, "rollups"))) await writeCheckpoint(conn, "rollups", maxId);
    const urls = await entriesAfter(conn, "urls", await readCheckpoint(conn, "urls_mapped"));
    const elements = await entriesAfter(conn, "elements", await readCheckpoint(conn, "elements_mapped"));
    if (urls.length > 0 || elements.length > 0) {
      await mapNewDictionaryEntries(conn, urls, elements, rules());
      if (urls.length > 0) await writeCheckpoint(conn, "urls_mapped", (urls.at(-1) as DictionaryEntry).id);
      if (elements.length > 0) await writeCheckpoint(conn, "elements_mapped", (elements.at(-1) as DictionaryEntry).id);
    }
  });

/** Keeps rollups and mappings current after each flush, on whichever engine holds the events. */
export function createDerivedUpdater(deps: { events: EventsEngine; definitions: DefinitionStore }) {
  const { events, definitions } = deps;
  const afterFlush: AfterFlush = (flushed) => events.afterFlush(flushed, definitions.ruleSet());
  return {
    afterFlush,
    /** Creates the derived tables and catches up on anything a crash left behind. */
    recover: (ids?: IdRange) => events.recoverDerived(() => definitions.ruleSet(), ids),
  };
}
