import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import {
  ColumnDefinitionNode,
  DataTypeNode,
  Kysely,
  Migrator,
  OperationNodeTransformer,
  PostgresDialect,
  SqliteAdapter,
  SqliteDialect,
  type DialectAdapter,
  type KyselyPlugin,
  type Migration,
  type MigrationProvider,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from "kysely";
import pg from "pg";

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

export type RecordsOptions =
  | { engine: "sqlite"; file: string }
  | { engine: "sqlite"; memory: true }
  /** `variable` names the setting the URL came from, so a failure tells the operator what to fix. */
  | { engine: "postgres"; url: string; poolSize?: number; variable?: string };

/** Where a configuration keeps its records: PENDULUM_DATABASE_URL when set, else SQLite in the data folder. */
export function recordsOptionsOf(config: { dataDir: string; database: { url: string | undefined; poolSize: number } }): RecordsOptions {
  if (config.database.url) return { engine: "postgres", url: config.database.url, poolSize: config.database.poolSize, variable: "PENDULUM_DATABASE_URL" };
  return { engine: "sqlite", file: path.join(config.dataDir, "records.sqlite") };
}

/** Opens the records database: SQLite in WAL mode (embedded) or a pool of PostgreSQL connections. */
export async function openRecords(options: RecordsOptions): Promise<Records> {
  if (options.engine === "postgres") return openPostgres(options);
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
  const db = new Kysely<object>({ dialect: new TransactionalSqliteDialect({ database: sqlite }) });
  return { engine: "sqlite", db, close: () => db.destroy() };
}

/**
 * SQLite runs DDL inside transactions too, but Kysely's adapter says it does not, so its migrator
 * would apply a batch statement by statement and leave a half-made table behind a failure. This
 * adapter lets the migrator wrap the batch in one transaction, as it does on PostgreSQL.
 */
class TransactionalSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class TransactionalSqliteDialect extends SqliteDialect {
  override createAdapter(): DialectAdapter {
    return new TransactionalSqliteAdapter();
  }
}

/** pg's type ids whose text form we turn into numbers (pg leaves 64-bit integers and numerics as strings). */
const INT8_OID = 20;
const NUMERIC_OID = 1700;

/**
 * Every count and every epoch-millisecond column is a 64-bit integer; pg returns those as strings
 * because they may exceed 2^53. Pendulum's never do (ms timestamps until the year 285,616), and the
 * modules compare them as numbers on SQLite, so both engines hand back numbers.
 */
const numberParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") => {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (v: string) => (v === null ? null : Number(v));
    return pg.types.getTypeParser(oid, format);
  }) as pg.CustomTypesConfig["getTypeParser"],
};

async function openPostgres(options: { url: string; poolSize?: number; variable?: string }): Promise<Records> {
  const variable = options.variable ?? "PENDULUM_DATABASE_URL";
  const target = describePostgresUrl(options.url, variable);
  const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10, types: numberParsers, connectionTimeoutMillis: 10_000 });
  // An idle client that loses its server (a restart) must not crash the process; the pool drops it.
  pool.on("error", (e) => console.error(`pendulum: a PostgreSQL connection to ${target} failed: ${e.message}`));
  try {
    const client = await pool.connect();
    client.release();
  } catch (e) {
    await pool.end().catch(() => undefined);
    const cause = e instanceof Error ? e.message : String(e);
    throw new Error(`${variable}: cannot reach PostgreSQL at ${target}: ${cause}`);
  }
  const db = new Kysely<object>({ dialect: new PostgresDialect({ pool }), plugins: [new PostgresColumnTypes()] });
  return { engine: "postgres", db, close: () => db.destroy() };
}

/** `host:port/database` of a PostgreSQL URL, with no password; throws naming the variable when it is no such URL. */
export function describePostgresUrl(url: string, variable = "PENDULUM_DATABASE_URL"): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${variable}: is not a URL (expected postgres://user:password@host:5432/database)`);
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    throw new Error(`${variable}: expected a postgres:// URL, got ${parsed.protocol}//${parsed.host}`);
  }
  if (!parsed.hostname) throw new Error(`${variable}: names no host (expected postgres://user:password@host:5432/database)`);
  return `${parsed.hostname}:${parsed.port || "5432"}${parsed.pathname}`;
}

/**
 * The modules declare columns in SQLite's words. On PostgreSQL `integer` is 32 bits (epoch
 * milliseconds overflow it), `real` is single precision and `autoincrement` does not exist; this
 * plugin widens them at the one place every CREATE/ALTER TABLE passes, so migrations stay shared.
 */
class PostgresColumnTypes implements KyselyPlugin {
  readonly #transformer = new WidenColumnTypes();
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const kind = args.node.kind;
    if (kind !== "CreateTableNode" && kind !== "AlterTableNode") return args.node;
    return this.#transformer.transformNode(args.node);
  }
  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(args.result);
  }
}

class WidenColumnTypes extends OperationNodeTransformer {
  protected override transformColumnDefinition(node: ColumnDefinitionNode): ColumnDefinitionNode {
    const next = super.transformColumnDefinition(node);
    if (next.autoIncrement && DataTypeNode.is(next.dataType)) {
      return { ...next, autoIncrement: false, dataType: DataTypeNode.create("bigserial") };
    }
    return next;
  }
  protected override transformDataType(node: DataTypeNode): DataTypeNode {
    if (node.dataType === "integer") return DataTypeNode.create("bigint");
    if (node.dataType === "real") return DataTypeNode.create("double precision");
    return node;
  }
}

/** Runs every pending migration of the given modules, in name order, in one transaction. */
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
    throw new Error(`Migration ${failed?.migrationName ?? "?"} failed (nothing of this batch was applied): ${cause}`);
  }
}
