export { openRecords, migrateRecords, recordsOptionsOf, describePostgresUrl } from "./records.js";
export type { Records, RecordsEngine, RecordsOptions, ModuleMigrations } from "./records.js";
export { openDuckDbEventStore } from "./events-duckdb.js";
export type { DuckDbEventStore, DuckDbOptions } from "./events-duckdb.js";
export type { EventStore, EventType, StoredEvent, PathElement, DictionaryName, DictionaryEntry } from "./event-store.js";
export { engineOf, least, greatest, jsonMerge, jsonValueLike, likeIgnoringCase } from "./dialect.js";
export { openCoordination, SIGNAL_CHANNEL, type Coordination, type CoordinationTimings } from "./coordination.js";
export { createLeases, leaseMigrations, DEFAULT_LEASE_MS, type Lease, type Leases } from "./leases.js";
export { carrySequences, columnsOf, copyTable, countRows, emptyTables, foreignKeyOrder, recordTables, tablesWithRows, MIGRATION_TABLES, type CopyOptions } from "./copy.js";
