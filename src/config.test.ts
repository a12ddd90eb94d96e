import { describe, expect, it } from "vitest";
import { ConfigError, DEFAULT_HEAP_GROWING_PERCENT, DEFAULT_MAX_BACKLOG_BYTES, loadConfig } from "./config.js";

describe("loadConfig", () => {
  it("uses defaults on an empty environment", () => {
    const c = loadConfig({}, "/srv/app");
    expect(c.port).toBe(3000);
    expect(c.dataDir).toBe("/srv/app/data");
    expect(c.baseUrl).toBe("http://localhost:3000");
    expect(c.apiToken).toBeUndefined();
  });

  it("reads the seed variables", () => {
    const c = loadConfig({ PORT: "4100", PENDULUM_DATA_DIR: "/tmp/x", PENDULUM_API_TOKEN: "t".repeat(20) }, "/");
    expect(c.port).toBe(4100);
    expect(c.dataDir).toBe("/tmp/x");
    expect(c.apiToken).toBe("t".repeat(20));
  });

  it("reads the ingest backlog limit as a size", () => {
    expect(loadConfig({}).ingest.maxBacklogBytes).toBe(DEFAULT_MAX_BACKLOG_BYTES);
    expect(loadConfig({ PENDULUM_INGEST_MAX_BACKLOG: "32MB" }).ingest.maxBacklogBytes).toBe(32_000_000);
    expect(loadConfig({ PENDULUM_INGEST_MAX_BACKLOG: "48 MiB" }).ingest.maxBacklogBytes).toBe(48 * 1024 * 1024);
    expect(loadConfig({ PENDULUM_INGEST_MAX_BACKLOG: "1500" }).ingest.maxBacklogBytes).toBe(1500);
  });

  it("reads the heap growing percent (0 leaves V8's own)", () => {
    expect(loadConfig({}).heapGrowingPercent).toBe(DEFAULT_HEAP_GROWING_PERCENT);
    expect(loadConfig({ PENDULUM_HEAP_GROWING_PERCENT: "0" }).heapGrowingPercent).toBe(0);
  });

  it.each([
    [{ PORT: "abc" }, "PORT"],
    [{ PENDULUM_INGEST_MAX_BACKLOG: "250000 events" }, "PENDULUM_INGEST_MAX_BACKLOG"],
    [{ PENDULUM_INGEST_MAX_BACKLOG: "0" }, "PENDULUM_INGEST_MAX_BACKLOG"],
    [{ PENDULUM_HEAP_GROWING_PERCENT: "-5" }, "PENDULUM_HEAP_GROWING_PERCENT"],
    [{ PORT: "70000" }, "PORT"],
    [{ PENDULUM_API_TOKEN: "short" }, "PENDULUM_API_TOKEN"],
    [{ PENDULUM_LOG_LEVEL: "loud" }, "PENDULUM_LOG_LEVEL"],
    [{ PENDULUM_BASE_URL: "not a url" }, "PENDULUM_BASE_URL"],
    [{ PENDULUM_ADMIN_EMAIL: "nobody" }, "PENDULUM_ADMIN_EMAIL"],
    [{ PENDULUM_DATABASE_URL: "db.example.com:5432" }, "PENDULUM_DATABASE_URL"],
    [{ PENDULUM_DATABASE_URL: "mysql://db.example.com/records" }, "PENDULUM_DATABASE_URL"],
    [{ PENDULUM_DATABASE_URL: "postgres://db.example.com" }, "PENDULUM_DATABASE_URL"],
    [{ PENDULUM_DATABASE_POOL_SIZE: "0" }, "PENDULUM_DATABASE_POOL_SIZE"],
  ])("refuses %o naming %s", (env, variable) => {
    try {
      loadConfig(env);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).variable).toBe(variable);
    }
  });
});

describe("records engine settings", () => {
  it("keeps records in SQLite by default and takes a PostgreSQL URL with a pool size", () => {
    expect(loadConfig({}).database).toEqual({ url: undefined, poolSize: 10 });
    const pg = loadConfig({ PENDULUM_DATABASE_URL: "postgres://app:secret@db.example.com:6543/records", PENDULUM_DATABASE_POOL_SIZE: "25" });
    expect(pg.database).toEqual({ url: "postgres://app:secret@db.example.com:6543/records", poolSize: 25 });
  });

  it("names the host but never the password of a URL it refuses", () => {
    expect(() => loadConfig({ PENDULUM_DATABASE_URL: "postgres://app:secret@db.example.com:6543" })).toThrow(/PENDULUM_DATABASE_URL: names no database on db\.example\.com:6543/);
    expect(() => loadConfig({ PENDULUM_DATABASE_URL: "postgres://app:secret@db.example.com:6543" })).not.toThrow(/secret/);
  });
});

describe("events engine settings (server mode)", () => {
  const PG = { PENDULUM_DATABASE_URL: "postgres://app:secret@db.example.com:5432/records" };

  it("keeps events in the data folder by default and with records alone on PostgreSQL", () => {
    expect(loadConfig({}).clickhouse).toBeUndefined();
    expect(loadConfig(PG).clickhouse).toBeUndefined();
  });

  it("takes ClickHouse with PostgreSQL: URL, database (default pendulum), user and password", () => {
    expect(loadConfig({ ...PG, PENDULUM_CLICKHOUSE_URL: "http://ch.example.com:8123/" }).clickhouse).toEqual({ url: "http://ch.example.com:8123", database: "pendulum", user: undefined, password: undefined });
    expect(
      loadConfig({ ...PG, PENDULUM_CLICKHOUSE_URL: "https://ch.example.com", PENDULUM_CLICKHOUSE_DATABASE: "events_1", PENDULUM_CLICKHOUSE_USER: "pendulum", PENDULUM_CLICKHOUSE_PASSWORD: "s3cret" }).clickhouse,
    ).toEqual({ url: "https://ch.example.com", database: "events_1", user: "pendulum", password: "s3cret" });
    // Sharded: the cluster of the servers' remote_servers and every shard's URL; this process queries through its URL.
    expect(loadConfig({ ...PG, PENDULUM_CLICKHOUSE_URL: "http://ch1:8123", PENDULUM_CLICKHOUSE_CLUSTER: "two", PENDULUM_CLICKHOUSE_SHARDS: "http://ch1:8123, http://ch2:8123" }).clickhouse?.cluster).toEqual({
      name: "two",
      shards: ["http://ch1:8123", "http://ch2:8123"],
    });
  });

  it("refuses ClickHouse without PostgreSQL, saying why", () => {
    expect(() => loadConfig({ PENDULUM_CLICKHOUSE_URL: "http://ch.example.com:8123" })).toThrow(
      /PENDULUM_CLICKHOUSE_URL: is set \(ch\.example\.com:8123\) but PENDULUM_DATABASE_URL is not: events on ClickHouse are shared by many Pendulum processes, and their records must be shared too/,
    );
  });

  it.each([
    [{ PENDULUM_CLICKHOUSE_URL: "ch.example.com:8123" }, "PENDULUM_CLICKHOUSE_URL"],
    [{ PENDULUM_CLICKHOUSE_URL: "tcp://ch.example.com:9000" }, "PENDULUM_CLICKHOUSE_URL"],
    [{ PENDULUM_CLICKHOUSE_URL: "http://ch.example.com:8123/pendulum" }, "PENDULUM_CLICKHOUSE_URL"],
    [{ PENDULUM_CLICKHOUSE_URL: "http://ch.example.com:8123", PENDULUM_CLICKHOUSE_DATABASE: "pendulum; DROP" }, "PENDULUM_CLICKHOUSE_DATABASE"],
    [{ PENDULUM_CLICKHOUSE_DATABASE: "pendulum" }, "PENDULUM_CLICKHOUSE_DATABASE"],
    [{ PENDULUM_CLICKHOUSE_CLUSTER: "two" }, "PENDULUM_CLICKHOUSE_CLUSTER"],
    [{ PENDULUM_CLICKHOUSE_URL: "http://ch1:8123", PENDULUM_CLICKHOUSE_SHARDS: "http://ch1:8123,http://ch2:8123" }, "PENDULUM_CLICKHOUSE_SHARDS"],
    [{ PENDULUM_CLICKHOUSE_URL: "http://ch1:8123", PENDULUM_CLICKHOUSE_CLUSTER: "two" }, "PENDULUM_CLICKHOUSE_CLUSTER"],
    [{ PENDULUM_CLICKHOUSE_URL: "http://ch1:8123", PENDULUM_CLICKHOUSE_CLUSTER: "two; DROP", PENDULUM_CLICKHOUSE_SHARDS: "http://ch1:8123" }, "PENDULUM_CLICKHOUSE_CLUSTER"],
    [{ PENDULUM_CLICKHOUSE_URL: "http://ch1:8123", PENDULUM_CLICKHOUSE_CLUSTER: "two", PENDULUM_CLICKHOUSE_SHARDS: "http://ch1:8123,ch2:8123" }, "PENDULUM_CLICKHOUSE_SHARDS"],
  ])("refuses %o naming %s", (env, variable) => {
    try {
      loadConfig({ ...PG, ...env });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).variable).toBe(variable);
    }
  });

  it("never puts a password given in the URL into the error", () => {
    const env = { ...PG, PENDULUM_CLICKHOUSE_URL: "http://app:hunter22@ch.example.com:8123" };
    expect(() => loadConfig(env)).toThrow(/PENDULUM_CLICKHOUSE_URL: carries credentials: put them in PENDULUM_CLICKHOUSE_USER and PENDULUM_CLICKHOUSE_PASSWORD \(URL for ch\.example\.com:8123\)/);
    expect(() => loadConfig(env)).not.toThrow(/hunter22/);
  });
});
