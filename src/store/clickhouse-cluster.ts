import { chIdentifier } from "./clickhouse-sql.js";

/**
 * Events over several ClickHouse shards (ADR 0017, "Sharding"). `name` is a cluster of the
 * servers' `remote_servers` configuration; `shards` are the HTTP URLs of every shard's server
 * (one replica each), because the store creates its tables on each shard itself: ClickHouse's
 * `ON CLUSTER` DDL needs ZooKeeper, which a plain pair of servers does not have.
 *
 * Tables with an `account_id` column (events and rollups) are sharded: a `<name>_local` table
 * on every shard plus a `Distributed` table `<name>` over them, rows placed by
 * `cityHash64(account_id)`, so an account's events and rollup rows sit on one shard and every
 * per-account step (deduplication by id, FINAL, a visitor's minute array) stays on that shard.
 * The other tables (the URL and element dictionaries, page and feature mappings, checkpoints)
 * are small and replicated: the same table on every shard, every insert written to each, so a
 * query's `IN` or `JOIN` on them runs beside the events it filters, with no cross-shard step.
 */
export type ClickHouseCluster = { name: string; shards: readonly string[] };

/** The sharding expression: an account's rows all go to one shard. */
export const SHARDING_KEY = "cityHash64(account_id)";

/** The suffix of a sharded table's per-shard table. */
export const LOCAL_SUFFIX = "_local";

const CREATE = /^\s*CREATE TABLE IF NOT EXISTS ([A-Za-z_][A-Za-z0-9_]*)\s*\(/;

/** What a CREATE TABLE statement becomes on a cluster: the statements for each shard. */
export type ClusterTable = { name: string; sharded: boolean; onEachShard: string[] };

/**
 * Rewrites one `CREATE TABLE IF NOT EXISTS name (…) ENGINE = …` statement of the schema for a
 * cluster. A table that declares `account_id String` is sharded (its local table plus a
 * Distributed table of the same columns); any other is created as it is, on each shard.
 */
export function clusterTable(statement: string, cluster: string, database: string): ClusterTable {
  const m = CREATE.exec(statement);
  if (!m?.[1]) throw new Error(`a ClickHouse schema statement must start "CREATE TABLE IF NOT EXISTS name (": ${statement.slice(0, 80)}`);
  const name = m[1];
  if (!/\baccount_id String\b/.test(statement)) return { name, sharded: false, onEachShard: [statement] };
  const local = `${name}${LOCAL_SUFFIX}`;
  return {
    name,
    sharded: true,
    onEachShard: [
      statement.replace(CREATE, `CREATE TABLE IF NOT EXISTS ${local} (`),
      `CREATE TABLE IF NOT EXISTS ${name} AS ${local} ENGINE = Distributed(${chIdentifier(cluster)}, ${chIdentifier(database)}, ${local}, ${SHARDING_KEY})`,
    ],
  };
}

/**
 * The cluster settings: PENDULUM_CLICKHOUSE_CLUSTER names the cluster, PENDULUM_CLICKHOUSE_SHARDS
 * lists every shard's HTTP URL (comma-separated). Neither set: one server. One without the
 * other, a bad name or a bad URL: an error naming the setting and what to write.
 */
export function clickHouseClusterOf(env: Record<string, string | undefined>): ClickHouseCluster | undefined {
  const name = env["PENDULUM_CLICKHOUSE_CLUSTER"]?.trim() ?? "";
  const list = env["PENDULUM_CLICKHOUSE_SHARDS"]?.trim() ?? "";
  if (name === "" && list === "") return undefined;
  if (name === "") throw new Error("PENDULUM_CLICKHOUSE_SHARDS is set but PENDULUM_CLICKHOUSE_CLUSTER is not: name the cluster of the servers' remote_servers config that lists these shards");
  if (list === "") throw new Error(`PENDULUM_CLICKHOUSE_CLUSTER is set to "${name}" but PENDULUM_CLICKHOUSE_SHARDS is not: list every shard's HTTP URL, comma-separated (e.g. http://ch1:8123,http://ch2:8123)`);
  try {
    chIdentifier(name);
  } catch (e) {
    throw new Error(`PENDULUM_CLICKHOUSE_CLUSTER: ${(e as Error).message}`);
  }
  const shards = list.split(",").map((s) => s.trim());
  for (const url of shards) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
      throw new Error(`PENDULUM_CLICKHOUSE_SHARDS: "${url}" is not an HTTP URL (write http://host:8123, comma-separated, one per shard)`);
    }
  }
  if (new Set(shards).size !== shards.length) throw new Error("PENDULUM_CLICKHOUSE_SHARDS names a shard twice: list each shard's server once");
  return { name, shards };
}
