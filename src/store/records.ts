import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { Kysely, Migrator, SqliteDialect, type Migration, type MigrationProvider } from "kysely";

/** The records engines Pendulum can run on. */
export type RecordsEngine = "sqlite" | "postgres";

/** A records database: configuration, metadata, CRM and success objects, jobs, users. */
export type Records = {
  engine: RecordsEngine;
  /** Typed per module with `records.db.withTables<ModuleTables>()`. */
  db: Kysely<object>;
  close(): Promise<void>;
};

/** A module's migrations, keyed by a name that starts with the module's name. */
export type ModuleMigrations = Record<string, Migration>;

export type RecordsOptions = { engine: "sqlite"; file: string } | { engine: "sqlite"; memory: true };

/** Opens the records database (SQLite in WAL mode for the embedded engine). */
export function openRecords(options: RecordsOptions): Records {
  let file = ":memory:";
  if ("file" in options) {
    fs.mkdirSync(path.dirname(options.file), { recursive: true });
    file = options.file;
  }
  const sqlite = new Database(file);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("busy_timeout = 5000");
  const db = new Kysely<object>({ dialect: new SqliteDialect({ database: sqlite }) });
  return {
    engine: "sqlite",
    db,
    close: () => db.destroy(),
  };
}

/** Runs every pending migration of the given modules, in name order. */
export async function migrateRecords(records: Records, modules: ModuleMigrations[]): Promise<void> {
  const all: ModuleMigrations = {};
  for (const m of modules) {
    for (const [name, migration] of Object.entries(m)) {
      if (all[name]) throw new Error(`Two migrations are named ${name}`);
      all[name] = migration;
    }
  }
  const provider: MigrationProvider = { getMigrations: () => Promise.resolve(all) };
  const migrator = new Migrator({ db: records.db, provider, allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === "Error");
    const cause = error instanceof Error ? error.message : String(error);
    throw new Error(`Migration ${failed?.migrationName ?? "?"} failed: ${cause}`);
  }
}
