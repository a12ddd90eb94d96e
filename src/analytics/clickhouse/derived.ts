import { chLiteral, idRangeOf, instanceOfId, type ClickHouseEventStore, type DictionaryEntry, type IdRange } from "../../store/index.js";
import type { FlushedRange } from "../derived.js";
import type { RuleSet } from "../tagging/index.js";
import { mapNewClickHouseEntriesAndDays } from "./days.js";
import { mapNewClickHouseEntries, nextVersion } from "./mapping.js";
import { updateClickHouseRollups } from "./rollups.js";

/**
 * The flusher's derived-data checkpoints on ClickHouse (DuckDB's are in derived.ts): one row per
 * write, the latest version wins. Like DuckDB's they only say how far the idempotent updates got.
 * In server mode each ingest instance has its own (ADR 0019), named `<checkpoint>@<instance>`
 * and holding the highest id of its own block that it covers; instance 0 keeps the plain names.
 */
export const CLICKHOUSE_CHECKPOINT_SCHEMA = [
  "CREATE TABLE IF NOT EXISTS analytics_checkpoints (name String, id Int64, version UInt64) ENGINE = ReplacingMergeTree(version) ORDER BY name",
];

type Checkpoint = "rollups" | "urls_mapped" | "elements_mapped";

const checkpointName = (name: Checkpoint, range: IdRange): string => (range.instance === 0 ? name : `${name}@${range.instance}`);

async function readCheckpoint(store: ClickHouseEventStore, name: Checkpoint, range: IdRange): Promise<number> {
  const [r] = await store.rows<{ id: unknown; n: unknown }>(`SELECT argMax(id, version) AS id, count() AS n FROM analytics_checkpoints WHERE name = ${chLiteral(checkpointName(name, range))}`);
  return Number(r?.n ?? 0) === 0 ? range.base : Number(r?.id ?? range.base);
}

const writeCheckpoint = (store: ClickHouseEventStore, name: Checkpoint, range: IdRange, id: number): Promise<void> =>
  store.insert("analytics_checkpoints", [{ name: checkpointName(name, range), id, version: nextVersion() }]);

/** This instance's dictionary entries after `id` (the others' entries are mapped by their own processes). */
async function entriesAfter(store: ClickHouseEventStore, table: "urls" | "elements", id: number, range: IdRange): Promise<DictionaryEntry[]> {
  const rows = await store.rows<{ id: number; value: string }>(`SELECT id, any(value) AS value FROM ${table} WHERE id > ${chLiteral(id)} AND id < ${chLiteral(range.end)} GROUP BY id ORDER BY id`);
  return rows.map((r) => ({ id: Number(r.id), value: String(r.value) }));
}

export async function clickHouseAfterFlush(store: ClickHouseEventStore, { fromId, toId, newUrls, newElements }: FlushedRange, rules: RuleSet): Promise<void> {
  // A flush's ids are all in its process's block.
  const range = idRangeOf(instanceOfId(toId));
  // Mapping first: the rollup update then rewrites the mapped day rows of the flush's days with
  // its new URLs and elements already mapped (days.ts), so they need no pass of their own.
  if (newUrls.length > 0 || newElements.length > 0) {
    await mapNewClickHouseEntries(store, newUrls, newElements, rules);
    const lastUrl = newUrls.at(-1);
    const lastElement = newElements.at(-1);
    if (lastUrl) await writeCheckpoint(store, "urls_mapped", idRangeOf(instanceOfId(lastUrl.id)), lastUrl.id);
    if (lastElement) await writeCheckpoint(store, "elements_mapped", idRangeOf(instanceOfId(lastElement.id)), lastElement.id);
  }
  await updateClickHouseRollups(store, { fromId: fromId - 1, toId });
  await writeCheckpoint(store, "rollups", range, toId);
}

/** Repairs what a crash of this instance's process left between a flush and its afterFlush: its own block only. */
export async function clickHouseRecoverDerived(store: ClickHouseEventStore, rules: () => RuleSet, range: IdRange = idRangeOf(0)): Promise<void> {
  const maxId = await store.maxEventId(range);
  const rolled = await readCheckpoint(store, "rollups", range);
  if (maxId > rolled) {
    await updateClickHouseRollups(store, { fromId: rolled, toId: maxId });
    await writeCheckpoint(store, "rollups", range, maxId);
  }
  const urls = await entriesAfter(store, "urls", await readCheckpoint(store, "urls_mapped", range), range);
  const elements = await entriesAfter(store, "elements", await readCheckpoint(store, "elements_mapped", range), range);
  if (urls.length > 0 || elements.length > 0) {
    // Their events may have been rolled up before (a crash between the two steps): rewrite their days too.
    await mapNewClickHouseEntriesAndDays(store, urls, elements, rules());
    if (urls.length > 0) await writeCheckpoint(store, "urls_mapped", range, (urls.at(-1) as DictionaryEntry).id);
    if (elements.length > 0) await writeCheckpoint(store, "elements_mapped", range, (elements.at(-1) as DictionaryEntry).id);
  }
}

/**
 * Moves the rollups checkpoint of `id`'s instance back to `id` (never forward), so events a bulk
 * load writes above it are rolled up by `clickHouseRecoverDerived` should the process stop first.
 */
export async function rewindClickHouseRollupCheckpoint(store: ClickHouseEventStore, id: number): Promise<void> {
  const range = idRangeOf(instanceOfId(id));
  if ((await readCheckpoint(store, "rollups", range)) > id) await writeCheckpoint(store, "rollups", range, id);
}
