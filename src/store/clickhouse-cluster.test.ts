import { describe, expect, it } from "vitest";
import { clickHouseClusterOf, clusterTable } from "./clickhouse-cluster.js";

describe("clusterTable", () => {
  it("shards a table with an account_id column: a local table and a Distributed table over it, placed by account", () => {
    const made = clusterTable(
      `CREATE TABLE IF NOT EXISTS rollup_urls (app_id String, account_id String, visitor_id String, slot Int32, url_id UInt32, loads UInt32, version UInt64)
   ENGINE = ReplacingMergeTree(version) ORDER BY (app_id, slot)`,
      "pendulum_two",
      "pendulum",
    );
    expect(made.name).toBe("rollup_urls");
    expect(made.sharded).toBe(true);
    expect(made.onEachShard[0]).toMatch(/^CREATE TABLE IF NOT EXISTS rollup_urls_local \(app_id String, account_id String,[^]*ENGINE = ReplacingMergeTree\(version\) ORDER BY \(app_id, slot\)$/);
    expect(made.onEachShard[1]).toBe("CREATE TABLE IF NOT EXISTS rollup_urls AS rollup_urls_local ENGINE = Distributed(pendulum_two, pendulum, rollup_urls_local, cityHash64(account_id))");
  });

  it("keeps a table without account_id as it is, to be created on every shard (replicated)", () => {
    const statement = "CREATE TABLE IF NOT EXISTS urls (id UInt32, value String) ENGINE = ReplacingMergeTree ORDER BY id";
    expect(clusterTable(statement, "c", "d")).toEqual({ name: "urls", sharded: false, onEachShard: [statement] });
  });

  it("refuses a statement it cannot name, and names that are not plain identifiers", () => {
    expect(() => clusterTable("CREATE TABLE t (account_id String) ENGINE = Memory", "c", "d")).toThrow(/must start "CREATE TABLE IF NOT EXISTS name \("/);
    expect(() => clusterTable("CREATE TABLE IF NOT EXISTS t (account_id String) ENGINE = Memory", "c-1", "d")).toThrow(/"c-1" is not a usable ClickHouse name/);
  });
});

describe("clickHouseClusterOf", () => {
  it("reads the cluster name and the shard URLs; neither set is one server", () => {
    expect(clickHouseClusterOf({})).toBeUndefined();
    expect(clickHouseClusterOf({ PENDULUM_CLICKHOUSE_CLUSTER: " two ", PENDULUM_CLICKHOUSE_SHARDS: "http://ch1:8123, https://ch2:8443" })).toEqual({
      name: "two",
      shards: ["http://ch1:8123", "https://ch2:8443"],
    });
  });

  it("refuses one setting without the other, a bad name, a URL that is not HTTP and a shard named twice", () => {
    expect(() => clickHouseClusterOf({ PENDULUM_CLICKHOUSE_SHARDS: "http://a:8123" })).toThrow("PENDULUM_CLICKHOUSE_SHARDS is set but PENDULUM_CLICKHOUSE_CLUSTER is not");
    expect(() => clickHouseClusterOf({ PENDULUM_CLICKHOUSE_CLUSTER: "two" })).toThrow('PENDULUM_CLICKHOUSE_CLUSTER is set to "two" but PENDULUM_CLICKHOUSE_SHARDS is not');
    expect(() => clickHouseClusterOf({ PENDULUM_CLICKHOUSE_CLUSTER: "two;x", PENDULUM_CLICKHOUSE_SHARDS: "http://a:8123" })).toThrow('PENDULUM_CLICKHOUSE_CLUSTER: "two;x" is not a usable ClickHouse name');
    expect(() => clickHouseClusterOf({ PENDULUM_CLICKHOUSE_CLUSTER: "two", PENDULUM_CLICKHOUSE_SHARDS: "http://a:8123,ch2:9000" })).toThrow('PENDULUM_CLICKHOUSE_SHARDS: "ch2:9000" is not an HTTP URL');
    expect(() => clickHouseClusterOf({ PENDULUM_CLICKHOUSE_CLUSTER: "two", PENDULUM_CLICKHOUSE_SHARDS: "http://a:8123,http://a:8123" })).toThrow("names a shard twice");
  });
});
