import { chLiteral, type ClickHouseEventStore, type DictionaryEntry } from "../../store/index.js";
import type { FlushedRange } from "../derived.js";
import type { RuleSet } from "../tagging/index.js";
import { mapNewClickHouseEntries, nextVersion } from "./mapping.js";
import { updateClickHouseRollups } from "./rollups.js";

/**
 * The flusher's derived-data checkpoints on ClickHouse (DuckDB's are in derived.ts): one row per
 * write, the latest version wins. Like DuckDB's they only say how far the idempotent updates got.
 */
export const CLICKHOUSE_CHECKPOINT_SCHEMA = [
  "CREATE TABLE IF NOT EXISTS analytics_checkpoints (name String, id Int64, version UInt64) ENGINE = ReplacingMergeTree(version) ORDER BY name",
];

type Checkpoint = "rollups" | "urls_mapped" | "elements_mapped";

async function readCheckpoint(store: ClickHouseEventStore, name: Checkpoint): Promise<number> {
  const [r] = await store.rows<{ id: unknown }>(`SELECT argMax(id, version) AS id FROM analytics_checkpoints WHERE name = ${chLiteral(name)}`);
  return Number(r?.id ?? 0);
}

const writeCheckpoint = (store: ClickHouseEventStore, name: Checkpoint, id: number): Promise<void> => store.insert("analytics_checkpoints", [{ name, id, version: nextVersion() }]);

async function entriesAfter(store: ClickHouseEventStore, table: "urls" | "elements", id: number): Promise<DictionaryEntry[]> {
  const rows = await store.rows<{ id: number; value: string }>(`SELECT id, any(value) AS value FROM ${table} WHERE id > ${chLiteral(id)} GROUP BY id ORDER BY id`);
  return rows.map((r) => ({ id: Number(r.id), value: String(r.value) }));
}

export async function clickHouseAfterFlush(store: ClickHouseEventStore, { fromId, toId, newUrls, newElements }: FlushedRange, rules: RuleSet): Promise<void> {
  await updateClickHouseRollups(store, { fromId: fromId - 1, toId });
  await writeCheckpoint(store, "rollups", toId);
  if (newUrls.length > 0 || newElements.length > 0) {
    await mapNewClickHouseEntries(store, newUrls, newElements, rules);
    const lastUrl = newUrls.at(-1);
    const lastElement = newElements.at(-1);
    if (lastUrl) await writeCheckpoint(store, "urls_mapped", lastUrl.id);
    if (lastElement) await writeCheckpoint(store, "elements_mapped", lastElement.id);
  }
}

export async function clickHouseRecoverDerived(store: ClickHouseEventStore, rules: () => RuleSet): Promise<void> {
  const maxId = await store.maxEventId();
  const rolled = await readCheckpoint(store, "rollups");
  if (maxId > rolled) {
    await updateClickHouseRollups(store, { fromId: rolled, toId: maxId });
    await writeCheckpoint(store, "rollups", maxId);
  }
  const urls = await entriesAfter(store, "urls", await readCheckpoint(store, "urls_mapped"));
  const elements = await entriesAfter(store, "elements", await readCheckpoint(store, "elements_mapped"));
  if (urls.length > 0 || elements.length > 0) {
    await mapNewClickHouseEntries(store, urls, elements, rules());
    if (urls.length > 0) await writeCheckpoint(store, "urls_mapped", (urls.at(-1) as DictionaryEntry).id);
    if (elements.length > 0) await writeCheckpoint(store, "elements_mapped", (elements.at(-1) as DictionaryEntry).id);
  }
}
