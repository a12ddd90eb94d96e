import type { ClickHouseEventStore, Records } from "../store/index.js";
import { createDefinitionStore } from "./definitions/index.js";
import { clickHouseEventsEngine } from "./events-engine.js";

/**
 * Builds a ClickHouse event store's derived data (rollups, page and feature mappings, their
 * checkpoints) from its events and dictionaries and the workspace's page and feature
 * definitions in `records`: what a Pendulum start would do on its first recovery, done up front
 * by `pendulum migrate-events` so the first start serves reports at once. Idempotent.
 */
export async function rebuildClickHouseDerived(records: Records, store: ClickHouseEventStore): Promise<{ pages: number; features: number }> {
  const definitions = createDefinitionStore(records);
  await definitions.load();
  const rules = definitions.ruleSet();
  await clickHouseEventsEngine(store).recoverDerived(() => rules);
  return { pages: rules.pages.length, features: rules.features.length };
}
