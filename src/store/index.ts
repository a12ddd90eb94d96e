export { openRecords, migrateRecords, recordsOptionsOf, describePostgresUrl } from "./records.js";
export type { Records, RecordsEngine, RecordsOptions, ModuleMigrations } from "./records.js";
export { openDuckDbEventStore } from "./events-duckdb.js";
export type { DuckDbEventStore, DuckDbOptions } from "./events-duckdb.js";
export type { EventStore, EventType, StoredEvent, PathElement, DictionaryName, DictionaryEntry } from "./event-store.js";
export { engineOf, least, greatest, jsonMerge, jsonValueLike, likeIgnoringCase } from "./dialect.js";
