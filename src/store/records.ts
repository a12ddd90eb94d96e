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
  /**
   * A named lock every process on these records shares, taken only when free and held until
   * released (a sync run). SQLite: one process owns the file, so it is always granted.
   */
  tryLock(name: string): Promise<RecordsLock | undefined>;
  /** Runs `fn` holding a named lock, waiting for it when another process holds it (seeding at start). */
  withLock<T>(name: string, fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
};

/** A held records lock. */
export type RecordsLock = { release(): Promise<void> };

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
  const granted: RecordsLock = { release: () => Promise.resolve() };
  return { engine: "sqlite", db, tryLock: () => Promise.resolve(granted), withLock: (_name, fn) => fn(), close: () => db.destroy() };
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

/**
 * A statement whose text begins with this comment runs as a named prepared statement on
 * PostgreSQL: each pool connection parses it once and then only binds and executes it. For the
 * CRM's 200-row multi-row writes (600 parameters) parsing took as long as executing. Only
 * statements whose text repeats verbatim should carry it (the name is per distinct text).
 */
export const PREPARED_MARK = "/* prepared */ ";

/** Distinct prepared texts per connection; past this a marked statement runs unnamed (the server keeps each one for the connection's life). */
const MAX_PREPARED_PER_CONNECTION = 64;

/** Makes a pool client run PREPARED_MARK statements as named prepared statements (Kysely only ever passes text and values). */
function prepareMarked(client: pg.PoolClient): void {
  const names = new Map<string, string>();
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]): unknown => {
    const [text, values] = args;
    if (args.length === 2 && typeof text === "string" && text.startsWith(PREPARED_MARK) && Array.isArray(values)) {
      let name = names.get(text);
      if (name === undefined && names.size < MAX_PREPARED_PER_CONNECTION) {
        name = `pendulum_${names.size + 1}`;
        names.set(text, name);
      }
      if (name !== undefined) return query({ name, text, values });
    }
    return query(...args);
  };
}

async function openPostgres(options: { url: string; poolSize?: number; variable?: string }): Promise<Records> {
  const variable = options.variable ?? "PENDULUM_DATABASE_URL";
  const target = describePostgresUrl(options.url, variable);
  const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10, types: numberParsers, connectionTimeoutMillis: 10_000 });
  // An idle client that loses its server (a restart) must not crash the process; the pool drops it.
  pool.on("error", (e) => console.error(`pendulum: a PostgreSQL connection to ${target} failed: ${e.message}`));
  // A connection lost while checked out (a query running, PostgreSQL restarting or cut off) fails
  // that query, which its caller handles; pg also raises it as an 'error' event on the client,
  // which the pool listens for only while the client is idle. Unheard, it would end the process.
  pool.on("connect", (client) => {
    client.on("error", () => undefined);
    prepareMarked(client);
  });
  try {
    const client = await pool.connect();
    client.release();
  } catch (e) {
    await pool.end().catch(() => undefined);
    const cause = e instanceof Error ? e.message : String(e);
    throw new Error(`${variable}: cannot reach PostgreSQL at ${target}: ${cause}`);
  }
  const db = new Kysely<object>({ dialect: new PostgresDialect({ pool }), plugins: [new PostgresColumnTypes()] });
  const locks = postgresLocks(options.url, target);
  return {
    engine: "postgres",
    db,
    tryLock: locks.tryLock,
    withLock: locks.withLock,
    close: async () => {
      await locks.closeAll();
      await db.destroy();
    },
  };
}

/** The first key of every advisory lock Pendulum takes ("PDLM"), so its locks never meet another application's. */
const LOCK_SPACE = 0x50444c4d;

/** The second key of a named lock: FNV-1a of its name, as PostgreSQL's signed int4. */
export function lockKey(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/**
 * Named locks as PostgreSQL session advisory locks, each on a connection of its own outside the
 * pool: a lock held for a whole sync run never takes a connection the run needs (a pool of one
 * would deadlock), and when the process dies its connections close and the server frees its
 * locks, so a crashed process never leaves a lock behind for a timeout to clear.
 */
function postgresLocks(url: string, target: string) {
  const open = new Set<pg.Client>();
  async function connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
    client.on("error", (e) => console.error(`pendulum: a PostgreSQL lock connection to ${target} failed: ${e.message}`));
    await client.connect();
    open.add(client);
    return client;
  }
  async function end(client: pg.Client): Promise<void> {
    if (!open.delete(client)) return;
    await client.end().catch(() => undefined);
  }
  return {
    async tryLock(name: string): Promise<RecordsLock | undefined> {
      const client = await connect();
      const got = await client.query<{ got: boolean }>("SELECT pg_try_advisory_lock($1, $2) AS got", [LOCK_SPACE, lockKey(name)]).catch(async (e: unknown) => {
        await end(client);
        throw e;
      });
      if (!got.rows[0]?.got) {
        await end(client);
        return undefined;
      }
      // Closing the session frees its advisory locks; no unlock statement needed.
      return { release: () => end(client) };
    },
    async withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
      const client = await connect();
      try {
        await client.query("SELECT pg_advisory_lock($1, $2)", [LOCK_SPACE, lockKey(name)]);
        return await fn();
      } finally {
        await end(client);
      }
    },
    async closeAll(): Promise<void> {
      await Promise.all([...open].map((c) => end(c)));
    },
  };
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
