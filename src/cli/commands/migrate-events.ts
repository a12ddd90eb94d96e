import fs from "node:fs";
import path from "node:path";
import { rebuildClickHouseDerived } from "../../analytics/index.js";
import { loadConfig } from "../../config.js";
import { progressBar } from "../../demo/index.js";
import { lockDataDir } from "../../server/index.js";
import {
  chIdentifier,
  clickHouseClusterOf,
  clickHouseEventCounts,
  clickHouseTablesWithRows,
  copyEvents,
  duckDbEventCounts,
  openClickHouseEventStore,
  openDuckDbEventStore,
  openRecords,
  recordsOptionsOf,
  type ClickHouseCluster,
  type ClickHouseEventStore,
  type CopiedEvents,
  type DuckDbEventStore,
  type Records,
} from "../../store/index.js";
import { CliError, flagText } from "../args.js";
import type { CliIo, Command } from "../command.js";

const USAGE = `pendulum migrate-events --to http://host:8123 [--database D] [--user U] [--password-env VAR] [--data-dir DIR] [--batch N]

Copies a data folder's events (events.duckdb: the raw events and the URL and click-path
dictionaries) into an EMPTY ClickHouse database, ids unchanged, so Pendulum can keep its events
on ClickHouse. It streams the rows in batches of --batch (default 10000; memory stays bounded
whatever the folder holds), then builds the rollups and the page and feature mappings on
ClickHouse from the copied events and the workspace's page and feature definitions (the records:
the folder's records.sqlite, or PENDULUM_DATABASE_URL when the records moved to PostgreSQL), then
counts the rows on both ends and prints them. It refuses, naming the tables, when the target
database holds anything, and it takes the data folder's lock, so stop Pendulum on that folder
first. With PENDULUM_CLICKHOUSE_CLUSTER and PENDULUM_CLICKHOUSE_SHARDS set, the events go to the
cluster's shards (docs/scale-out.md).

Options:
  --to URL            the ClickHouse server's HTTP URL (http://host:8123)
  --database D        the database to fill, created when missing (default pendulum)
  --user U            the ClickHouse user (default "default")
  --password-env VAR  the environment variable that holds the user's password (none by default;
                      a password is never given on the command line)
  --data-dir DIR      the data folder to read (default PENDULUM_DATA_DIR, else ./data)
  --batch N           rows per insert, 1-100000 (default 10000)`;

/** A failure the operator fixes (a missing folder, a full target, an unreachable server): printed alone, exit 1. */
class MoveRefused extends Error {}

type Target = { url: string; database: string; user?: string; password?: string; cluster?: ClickHouseCluster };

function targetOf(args: Parameters<Command["run"]>[0], env: Record<string, string | undefined>): Target {
  const to = flagText(args, "to");
  if (to === undefined) throw new CliError("Name the ClickHouse server to copy into: --to http://host:8123");
  let url: URL;
  try {
    url = new URL(to);
  } catch {
    throw new CliError(`--to: "${to}" is not a URL; write the ClickHouse server's HTTP address, e.g. http://127.0.0.1:8123`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new CliError(`--to: "${to}" is not an HTTP URL; ClickHouse is reached over HTTP here, e.g. http://127.0.0.1:8123`);
  if (url.username !== "" || url.password !== "") throw new CliError("--to: put no user or password in the URL; use --user and --password-env");
  const database = flagText(args, "database") ?? "pendulum";
  try {
    chIdentifier(database);
  } catch (e) {
    throw new CliError(`--database: ${(e as Error).message}`);
  }
  const user = flagText(args, "user");
  const passwordVar = flagText(args, "password-env");
  let password: string | undefined;
  if (passwordVar !== undefined) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(passwordVar)) throw new CliError(`--password-env: "${passwordVar}" is not an environment variable name; name the variable that holds the password, e.g. --password-env CLICKHOUSE_PASSWORD`);
    password = env[passwordVar];
    if (password === undefined) throw new CliError(`--password-env: the environment variable ${passwordVar} is not set; set it to the ClickHouse password`);
  }
  let cluster: ClickHouseCluster | undefined;
  try {
    cluster = clickHouseClusterOf(env);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  return { url: to, database, ...(user !== undefined ? { user } : {}), ...(password !== undefined ? { password } : {}), ...(cluster ? { cluster } : {}) };
}

/** `pendulum migrate-events`: moves an embedded workspace's events from DuckDB to ClickHouse. */
export const migrateEventsCommand: Command = {
  name: "migrate-events",
  summary: "Copy a data folder's events from DuckDB into an empty ClickHouse database",
  usage: USAGE,
  async run(args, io) {
    const target = targetOf(args, io.env);
    const batchText = flagText(args, "batch") ?? "10000";
    const batch = Number(batchText);
    if (!/^\d+$/.test(batchText) || batch < 1 || batch > 100_000) throw new CliError(`--batch: expected a whole number from 1 to 100000, got "${batchText}"`);
    const env = { ...io.env };
    const dir = flagText(args, "data-dir");
    if (dir !== undefined) env["PENDULUM_DATA_DIR"] = dir;
    const config = loadConfig(env, io.cwd);
    try {
      return await move(config, dir !== undefined ? "--data-dir" : "PENDULUM_DATA_DIR", target, batch, io);
    } catch (e) {
      if (e instanceof MoveRefused) {
        io.err(e.message);
        return 1;
      }
      throw e;
    }
  },
};

const where = (t: Target): string => `${t.cluster ? `the cluster ${t.cluster.name} through ` : ""}${t.url}, database ${t.database}`;

async function move(config: ReturnType<typeof loadConfig>, dirSetting: string, target: Target, batch: number, io: CliIo): Promise<number> {
  const file = path.join(config.dataDir, "events.duckdb");
  if (!fs.existsSync(config.dataDir)) throw new MoveRefused(`${dirSetting}: there is no data folder at ${config.dataDir} (set --data-dir or PENDULUM_DATA_DIR to the folder Pendulum ran on)`);
  if (!fs.existsSync(file)) throw new MoveRefused(`${dirSetting}: ${config.dataDir} holds no events.duckdb, so there are no events to move (is it the folder Pendulum ran on?)`);
  const lock = lockDataDir(config.dataDir);
  let from: DuckDbEventStore | undefined;
  let into: ClickHouseEventStore | undefined;
  let records: Records | undefined;
  try {
    from = await openDuckDbEventStore({ file, memoryLimit: config.duckdbMemoryLimit });
    try {
      into = await openClickHouseEventStore(target);
    } catch (e) {
      throw new MoveRefused(`--to: cannot use ClickHouse at ${where(target)}: ${(e as Error).message}`);
    }
    const full = await clickHouseTablesWithRows(into);
    if (full.length > 0) {
      throw new MoveRefused(
        `--database: the ClickHouse database ${target.database} at ${target.url} is not empty: ${full.join(", ")} ${full.length === 1 ? "holds" : "hold"} rows. migrate-events only copies into an empty database; name a new one with --database (it is created) or drop this one.`,
      );
    }
    const started = performance.now();
    io.out(`Moving the events of ${file} to ClickHouse at ${where(target)}`);
    const expected = await duckDbEventCounts(from);
    const total = expected.urls + expected.elements + expected.events;
    const before = { urls: 0, elements: expected.urls, events: expected.urls + expected.elements };
    await copyEvents(from, into, {
      batchRows: batch,
      onRows: (table, n) => {
        const done = before[table] + n;
        io.update?.(`  ${progressBar(done, total)} ${table} (${done.toLocaleString("en-US")} of ${total.toLocaleString("en-US")} rows)`);
      },
    });
    io.update?.("");
    io.out(`  ${progressBar(1, 1)} ${total.toLocaleString("en-US")} rows copied (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    try {
      records = await openRecords(recordsOptionsOf(config));
      const built = performance.now();
      const rules = await rebuildClickHouseDerived(records, into);
      io.out(`  rollups and the mappings of ${rules.pages} pages and ${rules.features} features built on ClickHouse (${((performance.now() - built) / 1000).toFixed(1)} s)`);
    } catch (e) {
      io.err(`The events are copied, but the rollups and mappings could not be built from the workspace's page and feature definitions (${(e as Error).message}); Pendulum builds them when it first starts on ClickHouse.`);
    }
    return await checkCounts(from, into, expected, io, target, config.dataDir);
  } finally {
    await records?.close().catch(() => undefined);
    await into?.close().catch(() => undefined);
    await from?.close().catch(() => undefined);
    lock.release();
  }
}

/** Counts each table on ClickHouse (each id once), prints both counts side by side; any difference fails the move. */
async function checkCounts(from: DuckDbEventStore, into: ClickHouseEventStore, expected: CopiedEvents, io: CliIo, target: Target, dataDir: string): Promise<number> {
  const got = await clickHouseEventCounts(into);
  const tables = ["urls", "elements", "events"] as const;
  io.out(`  ${"table".padEnd(8)}  ${"DuckDB".padStart(12)}  ${"ClickHouse".padStart(12)}`);
  const differ = tables.filter((t) => got[t] !== expected[t]);
  for (const t of tables) io.out(`  ${t.padEnd(8)}  ${String(expected[t]).padStart(12)}  ${String(got[t]).padStart(12)}${got[t] === expected[t] ? "" : "  DIFFERS"}`);
  // The source was locked throughout: a difference is the copy's, not new events'.
  void from;
  if (differ.length > 0) {
    io.err(`The row counts differ on ${differ.join(", ")}: the copy is not complete. Drop the database ${target.database} on ClickHouse, then run migrate-events again.`);
    return 1;
  }
  io.out("Every table holds the same number of rows on both ends.");
  io.out(`Keep events on ClickHouse from now on: PENDULUM_CLICKHOUSE_URL=${target.url} with the database ${target.database} (docs/scale-out.md).`);
  io.out(`  (${path.join(dataDir, "events.duckdb")} stays in place, untouched by the copy)`);
  return 0;
}
