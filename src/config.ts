import path from "node:path";
import { DEFAULT_MAX_REFUSED_PERCENT } from "./kernel/index.js";
import { clickHouseClusterOf, type ClickHouseCluster } from "./store/index.js";

/** Pendulum's settings, parsed once from the environment. */
export type Config = {
  port: number;
  host: string;
  dataDir: string;
  baseUrl: string;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  apiToken: string | undefined;
  appKey: string | undefined;
  trackSecret: string | undefined;
  adminEmail: string | undefined;
  adminPassword: string | undefined;
  secretKey: string | undefined;
  crm: {
    username: string | undefined;
    password: string | undefined;
    clientId: string | undefined;
    clientSecret: string | undefined;
  };
  ingest: {
    flushIntervalMs: number;
    maxBodyBytes: number;
    maxEventAgeDays: number;
    /**
     * Bytes of logged events not yet in the event store (the flusher's queued log frames) above
     * which /data/ingest and /data/track answer 503 with Retry-After instead of logging more.
     */
    maxBacklogBytes: number;
    /** Size at which an ingest log segment is closed; a segment is deleted once all of it is stored. */
    segmentBytes: number;
  };
  duckdbMemoryLimit: string;
  /**
   * Sync and rule runs: above this percentage of attempted records refused by the CRM (or a
   * store), a run ends partial and stops its chain; at or below it, the refusals are notices
   * and the run succeeds (ADR 0012).
   */
  maxRefusedPercent: number;
  /**
   * Where records live: unset, SQLite under the data folder; `postgres://…`, that PostgreSQL
   * database through a pool of `poolSize` connections (PENDULUM_DATABASE_POOL_SIZE).
   */
  database: { url: string | undefined; poolSize: number };
  /**
   * Server mode (ADR 0019): events on this ClickHouse instead of the data folder's DuckDB. Only
   * with `database.url` (events shared by many processes need records shared too).
   */
  clickhouse: ClickHouseSettings | undefined;
  /**
   * How far V8 lets the JS heap grow past what the last full GC kept, in percent (0 leaves V8's
   * own factor, up to 4x on a machine with GBs of memory). Set by `pendulum start` / `serve`.
   */
  heapGrowingPercent: number;
};

/** Where server mode keeps events: ClickHouse's HTTP interface, a database and credentials. */
/** With `cluster`, events and rollups are sharded over its servers and `url` is the one this process queries through (ADR 0017). */
export type ClickHouseSettings = { url: string; database: string; user: string | undefined; password: string | undefined; cluster?: ClickHouseCluster };

/** A bad environment variable, named so an operator can fix it. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = "ConfigError";
  }
}

type Env = Record<string, string | undefined>;

/** The process environment: the one place Pendulum reads it (commands pass it on to loadConfig). */
export function processEnvironment(): Env {
  return process.env;
}

/** See Config.ingest.maxBacklogBytes; chosen by measurement in docs/adr/0008-durable-ingest.md. */
export const DEFAULT_MAX_BACKLOG_BYTES = 64 * 1024 ** 2;

/** See Config.heapGrowingPercent; measured in docs/adr/0008-durable-ingest.md. */
export const DEFAULT_HEAP_GROWING_PERCENT = 40;

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

function text(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === "" ? undefined : v.trim();
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `expected a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

/** A size such as `64MB` or `512KiB` (a bare number is bytes), in bytes. */
function size(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const m = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|KiB|MiB|GiB)?$/i.exec(raw);
  if (!m) throw new ConfigError(name, `expected a size such as 64MB, got "${raw}"`);
  const n = Math.round(Number(m[1]) * (SIZE_UNITS[(m[2] ?? "b").toLowerCase()] as number));
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max} bytes, got ${n}`);
  return n;
}

function secret(env: Env, name: string, minLength: number): string | undefined {
  const v = text(env, name);
  if (v !== undefined && v.length < minLength) {
    throw new ConfigError(name, `must be at least ${minLength} characters long`);
  }
  return v;
}

/** A PostgreSQL URL with a host, or undefined; the password never goes into the error. */
function databaseUrl(env: Env, name: string): string | undefined {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, "is not a URL (expected postgres://user:password@host:5432/database)");
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw new ConfigError(name, `expected a postgres:// URL, got ${url.protocol}//${url.host} (unset it to keep records in SQLite)`);
  }
  if (!url.hostname) throw new ConfigError(name, "names no host (expected postgres://user:password@host:5432/database)");
  if (url.pathname.length <= 1) throw new ConfigError(name, `names no database on ${url.host} (expected postgres://user:password@${url.host}/database)`);
  return raw;
}

/** `host:port` of an http(s) URL, for messages (never the credentials). */
export function describeHttpUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || (parsed.protocol === "https:" ? "443" : "80")}`;
}

/**
 * PENDULUM_CLICKHOUSE_*: an http(s) URL with a host and no path (the database is its own
 * setting), a database name ClickHouse takes unquoted; refused without PENDULUM_DATABASE_URL.
 */
function clickHouseSettings(env: Env, databaseUrl: string | undefined): ClickHouseSettings | undefined {
  const name = "PENDULUM_CLICKHOUSE_URL";
  const raw = text(env, name);
  if (raw === undefined) {
    for (const other of ["PENDULUM_CLICKHOUSE_DATABASE", "PENDULUM_CLICKHOUSE_USER", "PENDULUM_CLICKHOUSE_PASSWORD", "PENDULUM_CLICKHOUSE_CLUSTER", "PENDULUM_CLICKHOUSE_SHARDS"]) {
      if (text(env, other) !== undefined) throw new ConfigError(other, "is set but PENDULUM_CLICKHOUSE_URL is not (set the URL to keep events on ClickHouse, or unset this)");
    }
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, "is not a URL (expected http://host:8123)");
  }
  // "host:9000" parses as a URL of scheme "host:": that is no URL of a server.
  if ((url.protocol !== "http:" && url.protocol !== "https:" && !url.host) || !url.protocol) throw new ConfigError(name, "is not a URL (expected http://host:8123)");
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(name, `expected an http:// or https:// URL of ClickHouse's HTTP interface (port 8123), got ${url.protocol}//${url.host}`);
  }
  if (!url.hostname) throw new ConfigError(name, "names no host (expected http://host:8123)");
  if (url.username || url.password) {
    throw new ConfigError(name, `carries credentials: put them in PENDULUM_CLICKHOUSE_USER and PENDULUM_CLICKHOUSE_PASSWORD (URL for ${url.host})`);
  }
  if (url.pathname.length > 1 || url.search) {
    throw new ConfigError(name, `names a path (${url.host}${url.pathname}); the database goes in PENDULUM_CLICKHOUSE_DATABASE`);
  }
  const database = text(env, "PENDULUM_CLICKHOUSE_DATABASE") ?? "pendulum";
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(database)) {
    throw new ConfigError("PENDULUM_CLICKHOUSE_DATABASE", `expected letters, digits and _ (not starting with a digit), got "${database}"`);
  }
  if (databaseUrl === undefined) {
    throw new ConfigError(
      name,
      `is set (${url.host}) but PENDULUM_DATABASE_URL is not: events on ClickHouse are shared by many Pendulum processes, and their records must be shared too; set PENDULUM_DATABASE_URL to a PostgreSQL database, or unset PENDULUM_CLICKHOUSE_URL to keep events in the data folder`,
    );
  }
  let cluster: ClickHouseCluster | undefined;
  try {
    cluster = clickHouseClusterOf(env);
  } catch (e) {
    // Its messages start with the setting at fault ("VAR: …" or "VAR is …").
    const message = (e as Error).message;
    const m = /^(PENDULUM_CLICKHOUSE_[A-Z]+)(?::\s*|\s+)([\s\S]*)$/.exec(message);
    throw new ConfigError(m?.[1] ?? "PENDULUM_CLICKHOUSE_SHARDS", m?.[2] ?? message);
  }
  return { url: `${url.protocol}//${url.host}`, database, user: text(env, "PENDULUM_CLICKHOUSE_USER"), password: env.PENDULUM_CLICKHOUSE_PASSWORD || undefined, ...(cluster ? { cluster } : {}) };
}

/** Parses the environment; throws ConfigError naming the first bad variable. */
export function loadConfig(env: Env, cwd: string = process.cwd()): Config {
  const port = integer(env, "PORT", 3000, 0, 65535);
  const host = text(env, "HOST") ?? "127.0.0.1";
  const level = text(env, "PENDULUM_LOG_LEVEL") ?? "info";
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new ConfigError("PENDULUM_LOG_LEVEL", `must be one of ${LOG_LEVELS.join(", ")}`);
  }
  const baseUrl = text(env, "PENDULUM_BASE_URL") ?? `http://localhost:${port}`;
  try {
    new URL(baseUrl);
  } catch {
    throw new ConfigError("PENDULUM_BASE_URL", `is not a URL: "${baseUrl}"`);
  }
  const adminEmail = text(env, "PENDULUM_ADMIN_EMAIL");
  if (adminEmail !== undefined && !/^[^@\s]+@[^@\s]+$/.test(adminEmail)) {
    throw new ConfigError("PENDULUM_ADMIN_EMAIL", "is not an email address");
  }
  const memory = text(env, "PENDULUM_DUCKDB_MEMORY_LIMIT") ?? "1GB";
  if (!/^\d+(\.\d+)?\s*(KB|MB|GB|KiB|MiB|GiB)$/i.test(memory)) {
    throw new ConfigError("PENDULUM_DUCKDB_MEMORY_LIMIT", `expected a size such as 1GB, got "${memory}"`);
  }
  const database = {
    url: databaseUrl(env, "PENDULUM_DATABASE_URL"),
    poolSize: integer(env, "PENDULUM_DATABASE_POOL_SIZE", 10, 1, 200),
  };
  return {
    port,
    host,
    dataDir: path.resolve(cwd, text(env, "PENDULUM_DATA_DIR") ?? "./data"),
    baseUrl: baseUrl.replace(/\/$/, ""),
    logLevel: level as Config["logLevel"],
    apiToken: secret(env, "PENDULUM_API_TOKEN", 16),
    appKey: secret(env, "PENDULUM_APP_KEY", 8),
    trackSecret: secret(env, "PENDULUM_TRACK_SECRET", 16),
    adminEmail,
    adminPassword: secret(env, "PENDULUM_ADMIN_PASSWORD", 8),
    secretKey: secret(env, "PENDULUM_SECRET_KEY", 32),
    crm: {
      username: text(env, "PENDULUM_CRM_USERNAME"),
      password: text(env, "PENDULUM_CRM_PASSWORD"),
      clientId: text(env, "PENDULUM_CRM_CLIENT_ID"),
      clientSecret: text(env, "PENDULUM_CRM_CLIENT_SECRET"),
    },
    ingest: {
      flushIntervalMs: integer(env, "PENDULUM_FLUSH_INTERVAL_MS", 1000, 10, 60_000),
      maxBodyBytes: integer(env, "PENDULUM_MAX_BODY_BYTES", 1_048_576, 1024, 5_242_880),
      maxEventAgeDays: 7,
      maxBacklogBytes: size(env, "PENDULUM_INGEST_MAX_BACKLOG", DEFAULT_MAX_BACKLOG_BYTES, 1, 16 * 1024 ** 3),
      segmentBytes: size(env, "PENDULUM_INGEST_SEGMENT_BYTES", 64 * 1024 ** 2, 64 * 1024, 1024 ** 3),
    },
    duckdbMemoryLimit: memory,
    maxRefusedPercent: integer(env, "PENDULUM_MAX_REFUSED_PERCENT", DEFAULT_MAX_REFUSED_PERCENT, 0, 100),
    database,
    clickhouse: clickHouseSettings(env, database.url),
    heapGrowingPercent: integer(env, "PENDULUM_HEAP_GROWING_PERCENT", DEFAULT_HEAP_GROWING_PERCENT, 0, 300),
  };
}
