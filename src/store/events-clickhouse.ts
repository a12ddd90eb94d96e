import { createClient, type ClickHouseClient } from "@clickhouse/client";
import { clusterTable, type ClickHouseCluster } from "./clickhouse-cluster.js";
import { chIdentifier, chLiteral } from "./clickhouse-sql.js";
import type { DictionaryEntry, DictionaryName, EventStore, EventType, IdRange, StoredEvent } from "./event-store.js";

/**
 * Where the ClickHouse events live: the server's HTTP URL, the database (created when missing) and
 * credentials; with `cluster`, the events and rollups are sharded over the cluster's servers and
 * `url` is the one this process queries through (clickhouse-cluster.ts); `requestTimeoutMs` raises
 * the client's 30 s limit for bulk work (a benchmark's generated events).
 */
export type ClickHouseOptions = { url: string; database: string; user?: string; password?: string; cluster?: ClickHouseCluster; requestTimeoutMs?: number };

/**
 * The SQL here is the subset ClickHouse 18.16 (Debian's package) and current releases both read
 * (ADR 0017): epoch milliseconds as Int64 (no DateTime64), MergeTree tables with PARTITION BY and
 * ORDER BY, no CTEs, and no query parameters (values go through `chLiteral`).
 *
 * Tables are ReplacingMergeTree keyed so that a repeated insert of the same event or dictionary
 * entry (a flush replayed after a crash) leaves one row once merged, and reads that must be exact
 * before a merge (counts, id reads) collapse repeats by id themselves. Dictionary ids are UInt64:
 * in server mode each process numbers entries in its own block above 2^40 (ADR 0019).
 */
const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS events (
     id Int64, app_id String, type String, ts Int64, visitor_id String, account_id String,
     url_id Nullable(UInt64), element_id Nullable(UInt64), name Nullable(String), props Nullable(String),
     tab_id Nullable(String), title Nullable(String), received_at Int64
   ) ENGINE = ReplacingMergeTree PARTITION BY toYYYYMM(toDateTime(intDiv(ts, 1000))) ORDER BY (app_id, ts, id)`,
  "CREATE TABLE IF NOT EXISTS urls (id UInt64, value String) ENGINE = ReplacingMergeTree ORDER BY id",
  "CREATE TABLE IF NOT EXISTS elements (id UInt64, value String) ENGINE = ReplacingMergeTree ORDER BY id",
];

/** A row as ClickHouse returns it in JSONEachRow: 64-bit integers come as strings. */
export type ChRow = Record<string, unknown>;

/** The ClickHouse event store, with the few calls the analytics engine runs its own SQL through. */
export type ClickHouseEventStore = EventStore & {
  engine: "clickhouse";
  database: string;
  client: ClickHouseClient;
  /** Rows of a SELECT (values written with `chLiteral`). */
  rows<T extends ChRow = ChRow>(sql: string): Promise<T[]>;
  /** A statement without rows (CREATE, INSERT … SELECT, DROP). */
  command(sql: string): Promise<void>;
  /** Inserts objects as JSONEachRow (the client encodes the values: no SQL text is built). */
  insert(table: string, values: readonly Record<string, unknown>[]): Promise<void>;
  /**
   * Creates tables (`CREATE TABLE IF NOT EXISTS name (…) ENGINE = …` statements). On one server
   * as written; on a cluster, sharded or replicated on every shard (clickhouse-cluster.ts).
   */
  createTables(statements: readonly string[]): Promise<void>;
  /** The cluster the events are sharded over, when they are. */
  cluster?: ClickHouseCluster;
};

const nullableNumber = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const nullableText = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function toEvent(r: ChRow): StoredEvent {
  return {
    id: Number(r.id),
    appId: String(r.app_id),
    type: String(r.type) as EventType,
    ts: Number(r.ts),
    visitorId: String(r.visitor_id),
    accountId: String(r.account_id),
    urlId: nullableNumber(r.url_id),
    elementId: nullableNumber(r.element_id),
    name: nullableText(r.name),
    props: nullableText(r.props),
    tabId: nullableText(r.tab_id),
    title: nullableText(r.title),
    receivedAt: Number(r.received_at),
  };
}

const fromEvent = (e: StoredEvent): Record<string, unknown> => ({
  id: e.id,
  app_id: e.appId,
  type: e.type,
  ts: e.ts,
  visitor_id: e.visitorId,
  account_id: e.accountId,
  url_id: e.urlId,
  element_id: e.elementId,
  name: e.name,
  props: e.props,
  tab_id: e.tabId,
  title: e.title,
  received_at: e.receivedAt,
});

/**
 * Idle keep-alive sockets are dropped well before the server's keep_alive_timeout (3 s before
 * ClickHouse 23.11) and checked when taken: on a busy event loop the client's idle timer fires
 * late, and a socket the server already closed fails the next request with "socket hang up".
 */
const KEEP_ALIVE = { idle_socket_ttl: 1500, eagerly_destroy_stale_sockets: true };

/** A client for the server without a database selected (to create or drop one). */
export function clickHouseAdminClient(options: Omit<ClickHouseOptions, "database">): ClickHouseClient {
  return createClient({ url: options.url, username: options.user ?? "default", password: options.password ?? "", keep_alive: KEEP_ALIVE });
}

/** The servers a clustered store writes its DDL and replicated rows to: every shard, and the entry server when it is not one. */
function serversOf(options: ClickHouseOptions): string[] {
  const key = (url: string): string => new URL(url).href;
  const all = new Map<string, string>();
  for (const url of [options.url, ...(options.cluster?.shards ?? [])]) if (!all.has(key(url))) all.set(key(url), url);
  return [...all.values()];
}

/** Refuses a cluster the entry server does not know, or whose shard count differs from the URLs given. */
async function checkCluster(client: ClickHouseClient, cluster: ClickHouseCluster, url: string): Promise<void> {
  const result = await client.query({ query: `SELECT uniqExact(shard_num) AS n FROM system.clusters WHERE cluster = ${chLiteral(cluster.name)}`, format: "JSONEachRow" });
  const [r] = await result.json<{ n: unknown }>();
  const n = Number(r?.n ?? 0);
  if (n === 0) throw new Error(`PENDULUM_CLICKHOUSE_CLUSTER: the ClickHouse server at ${url} has no cluster "${cluster.name}" in its remote_servers config`);
  if (n !== cluster.shards.length) {
    throw new Error(`PENDULUM_CLICKHOUSE_SHARDS lists ${cluster.shards.length} shard URLs but the cluster "${cluster.name}" has ${n} shards on ${url}: list one URL per shard`);
  }
}

/** Opens the event store in `options.database`, creating the database and its tables when missing. */
export async function openClickHouseEventStore(options: ClickHouseOptions): Promise<ClickHouseEventStore> {
  const database = chIdentifier(options.database);
  const cluster = options.cluster;
  const servers = cluster ? serversOf(options) : [options.url];
  for (const url of servers) {
    const admin = clickHouseAdminClient({ ...options, url });
    try {
      if (cluster && url === options.url) await checkCluster(admin, cluster, url);
      await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
    } finally {
      await admin.close();
    }
  }
  const connect = (url: string): ClickHouseClient =>
    createClient({
      url,
      username: options.user ?? "default",
      password: options.password ?? "",
      database,
      keep_alive: KEEP_ALIVE,
      ...(options.requestTimeoutMs !== undefined ? { request_timeout: options.requestTimeoutMs } : {}),
      // A Distributed insert returns once every shard has its rows, so a read right after sees them.
      ...(cluster ? { clickhouse_settings: { insert_distributed_sync: 1 } } : {}),
    });
  const client = connect(options.url);
  // On a cluster: one client per server for the DDL and the replicated tables' rows.
  const each = cluster ? servers.map((url) => (url === options.url ? client : connect(url))) : [client];
  // Which tables are Distributed (sharded): known from createTables, else asked of the server once,
  // so a table this process did not create (another process did) is never written to every shard.
  const sharded = new Map<string, boolean>();
  const isSharded = async (name: string): Promise<boolean> => {
    const known = sharded.get(name);
    if (known !== undefined) return known;
    const result = await client.query({ query: `SELECT engine FROM system.tables WHERE database = ${chLiteral(database)} AND name = ${chLiteral(name)}`, format: "JSONEachRow" });
    const [found] = await result.json<{ engine: string }>();
    const answer = found?.engine === "Distributed";
    if (found) sharded.set(name, answer);
    return answer;
  };

  const rows = async <T extends ChRow>(sql: string): Promise<T[]> => {
    const result = await client.query({ query: sql, format: "JSONEachRow" });
    return result.json<T>();
  };
  const command = async (sql: string): Promise<void> => {
    await client.command({ query: sql });
  };
  const insert = async (table: string, values: readonly Record<string, unknown>[]): Promise<void> => {
    if (values.length === 0) return;
    const name = chIdentifier(table);
    // A sharded table's Distributed table places each row; a replicated table gets every row on each server.
    const targets = cluster && !(await isSharded(name)) ? each : [client];
    for (const c of targets) await c.insert({ table: name, values: [...values], format: "JSONEachRow" });
  };
  const createTables = async (statements: readonly string[]): Promise<void> => {
    for (const statement of statements) {
      if (!cluster) {
        await client.command({ query: statement });
        continue;
      }
      const made = clusterTable(statement, cluster.name, database);
      for (const c of each) for (const query of made.onEachShard) await c.command({ query });
      sharded.set(made.name, made.sharded);
    }
  };
  await createTables(SCHEMA);

  return {
    engine: "clickhouse",
    database,
    client,
    rows,
    command,
    insert,
    createTables,
    ...(cluster ? { cluster } : {}),
    async append(events, dictionaries) {
      // Dictionaries first: an event is never visible before the entries its ids point at.
      await insert("urls", (dictionaries.urls ?? []).map((e) => ({ id: e.id, value: e.value })));
      await insert("elements", (dictionaries.elements ?? []).map((e) => ({ id: e.id, value: e.value })));
      await insert("events", events.map(fromEvent));
    },
    async maxEventId(within?: IdRange) {
      if (within === undefined) {
        const [r] = await rows<{ m: string }>("SELECT max(id) AS m FROM events");
        return Number(r?.m ?? 0);
      }
      // Other processes' ids are in other blocks: only this block's highest is this flusher's checkpoint.
      const [r] = await rows<{ m: string }>(`SELECT max(id) AS m FROM events WHERE id > ${chLiteral(within.base)} AND id < ${chLiteral(within.end)}`);
      return Math.max(within.base, Number(r?.m ?? 0));
    },
    async dictionary(name: DictionaryName): Promise<DictionaryEntry[]> {
      const table = name === "urls" ? "urls" : "elements";
      const found = await rows<{ id: number; value: string }>(`SELECT id, any(value) AS value FROM ${table} GROUP BY id ORDER BY id`);
      return found.map((r) => ({ id: Number(r.id), value: String(r.value) }));
    },
    async events(q) {
      const where = [`app_id = ${chLiteral(q.appId)}`, `id > ${chLiteral(q.afterId ?? 0)}`];
      if (q.visitorId !== undefined) where.push(`visitor_id = ${chLiteral(q.visitorId)}`);
      const found = await rows(
        `SELECT id, app_id, type, ts, visitor_id, account_id, url_id, element_id, name, props, tab_id, title, received_at
         FROM events WHERE ${where.join(" AND ")} ORDER BY id LIMIT 1 BY id LIMIT ${chLiteral(q.limit ?? 10_000)}`,
      );
      return found.map(toEvent);
    },
    async count(appId) {
      const [r] = await rows<{ n: string }>(`SELECT uniqExact(id) AS n FROM events${appId === undefined ? "" : ` WHERE app_id = ${chLiteral(appId)}`}`);
      return Number(r?.n ?? 0);
    },
    async close() {
      for (const c of each) await c.close();
    },
  };
}

/** Drops a database (tests' own databases). */
export async function dropClickHouseDatabase(options: ClickHouseOptions): Promise<void> {
  for (const url of options.cluster ? serversOf(options) : [options.url]) {
    const admin = clickHouseAdminClient({ ...options, url });
    try {
      await admin.command({ query: `DROP DATABASE IF EXISTS ${chIdentifier(options.database)}` });
    } finally {
      await admin.close();
    }
  }
}
