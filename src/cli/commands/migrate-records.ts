import fs from "node:fs";
import path from "node:path";
import { loadConfig } from "../../config.js";
import { ensureCustomColumns } from "../../crm/index.js";
import { progressBar } from "../../demo/index.js";
import { lockDataDir, migrateDefaultRecords } from "../../server/index.js";
import { carrySequences, copyTable, countRows, describePostgresUrl, emptyTables, foreignKeyOrder, openDuckDbEventStore, openRecords, recordTables, tablesWithRows, type Records } from "../../store/index.js";
import { CliError, flagText } from "../args.js";
import type { CliIo, Command } from "../command.js";

/**
 * Rows the migrations themselves write on an empty database (the CRM's standard profiles): a
 * target that holds only those is still empty, so a copy that failed half-way can be run again.
 */
const SEEDED_BY_MIGRATIONS: ReadonlySet<string> = new Set(["crm_profile"]);

/** The CRM's custom-field metadata: copied first, so its columns exist before the object tables' rows arrive. */
const FIELDS_TABLE = "crm_fields";

const USAGE = `pendulum migrate-records --to postgres://user:password@host:5432/database [--data-dir DIR] [--batch N]

Copies every record of a data folder's SQLite (records.sqlite: users, apps, metadata, reports,
the built-in CRM, customers, rules and their runs, jobs) into an EMPTY PostgreSQL database, so
Pendulum can run on it with PENDULUM_DATABASE_URL. Events stay in the data folder's DuckDB.

It runs Pendulum's migrations on both ends, copies table by table in foreign-key order (one
multi-row INSERT per batch of --batch rows, default 1000, all in one transaction), moves id
sequences past the copied ids, then counts each table's rows on both ends and prints them.
It refuses, naming the tables, when the target already holds records, and it takes the data
folder's lock, so stop Pendulum on that folder first.

Options:
  --to URL        the PostgreSQL database to fill (create it first: createdb NAME)
  --data-dir DIR  the data folder to read (default PENDULUM_DATA_DIR, else ./data)
  --batch N       rows per INSERT, 1-10000 (default 1000)`;

/** A failure the operator fixes (a missing folder, a full target): printed alone, exit 1. */
class MoveRefused extends Error {}

/** `pendulum migrate-records`: moves an embedded workspace's records from SQLite to PostgreSQL. */
export const migrateRecordsCommand: Command = {
  name: "migrate-records",
  summary: "Copy a data folder's records from SQLite into an empty PostgreSQL database",
  usage: USAGE,
  async run(args, io) {
    const to = flagText(args, "to");
    if (to === undefined) throw new CliError("Name the PostgreSQL database to copy into: --to postgres://user:password@host:5432/database");
    let target: string;
    try {
      target = describePostgresUrl(to, "--to");
    } catch (e) {
      throw new CliError((e as Error).message);
    }
    const batchText = flagText(args, "batch") ?? "1000";
    const batch = Number(batchText);
    if (!/^\d+$/.test(batchText) || batch < 1 || batch > 10_000) throw new CliError(`--batch: expected a whole number from 1 to 10000, got "${batchText}"`);
    const env = { ...io.env };
    const dir = flagText(args, "data-dir");
    if (dir !== undefined) env["PENDULUM_DATA_DIR"] = dir;
    // The source is always the data folder's SQLite, whatever PENDULUM_DATABASE_URL says.
    delete env["PENDULUM_DATABASE_URL"];
    const config = loadConfig(env, io.cwd);
    try {
      return await move(config, dir !== undefined ? "--data-dir" : "PENDULUM_DATA_DIR", to, target, batch, io);
    } catch (e) {
      if (e instanceof MoveRefused) {
        io.err(e.message);
        return 1;
      }
      throw e;
    }
  },
};

async function move(config: ReturnType<typeof loadConfig>, dirSetting: string, url: string, target: string, batch: number, io: CliIo): Promise<number> {
  const source = path.join(config.dataDir, "records.sqlite");
  if (!fs.existsSync(config.dataDir)) throw new MoveRefused(`${dirSetting}: there is no data folder at ${config.dataDir} (set --data-dir or PENDULUM_DATA_DIR to the folder Pendulum ran on)`);
  if (!fs.existsSync(source)) throw new MoveRefused(`${dirSetting}: ${config.dataDir} holds no records.sqlite, so there are no records to move (is it the folder Pendulum ran on?)`);
  const lock = lockDataDir(config.dataDir);
  let from: Records | undefined;
  let into: Records | undefined;
  try {
    from = await openRecords({ engine: "sqlite", file: source });
    try {
      into = await openRecords({ engine: "postgres", url, poolSize: 2, variable: "--to" });
    } catch (e) {
      throw new MoveRefused((e as Error).message);
    }
    const full = await tablesWithRows(
      into.db,
      (await recordTables(into.db)).filter((t) => !SEEDED_BY_MIGRATIONS.has(t)),
    );
    if (full.length > 0) {
      throw new MoveRefused(
        `--to: the database ${target} is not empty: ${full.join(", ")} ${full.length === 1 ? "holds" : "hold"} records. migrate-records only copies into an empty database; create a new one (createdb) and point --to at it.`,
      );
    }
    const started = performance.now();
    io.out(`Moving the records of ${source} to PostgreSQL at ${target}`);
    // Migrations need no events; an in-memory store keeps the data folder's DuckDB untouched.
    const events = await openDuckDbEventStore({});
    try {
      await migrateDefaultRecords(config, from, events);
      await migrateDefaultRecords(config, into, events);
    } finally {
      await events.close();
    }
    const tables = await recordTables(from.db);
    const ordered = await foreignKeyOrder(from.db, tables);
    const order = [...ordered.filter((t) => t === FIELDS_TABLE), ...ordered.filter((t) => t !== FIELDS_TABLE)];
    const expected = new Map<string, number>();
    for (const t of order) expected.set(t, await countRows(from.db, t));
    const total = [...expected.values()].reduce((a, b) => a + b, 0);
    const seeded = await tablesWithRows(into.db, await recordTables(into.db));
    let done = 0;
    const sourceDb = from.db;
    await into.db.transaction().execute(async (trx) => {
      // What the migrations just seeded on the target comes again, as it is in the source.
      await emptyTables(trx, seeded);
      for (const t of order) {
        const before = done;
        await copyTable(sourceDb, trx, t, {
          batchRows: batch,
          onRows: (n) => {
            done = before + n;
            io.update?.(`  ${progressBar(done, total)} ${t} (${done.toLocaleString("en-US")} of ${total.toLocaleString("en-US")} rows)`);
          },
        });
        if (t === FIELDS_TABLE) await ensureCustomColumns(trx);
      }
      await carrySequences(sourceDb, trx, order);
    });
    io.update?.("");
    io.out(`  ${progressBar(1, 1)} ${total.toLocaleString("en-US")} rows in ${order.length} tables (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    return await checkCounts(into, order, expected, io, { source, target, dataDir: config.dataDir });
  } finally {
    await into?.close().catch(() => undefined);
    await from?.close().catch(() => undefined);
    lock.release();
  }
}

/** Counts each table on the target, prints both counts side by side; any difference fails the move. */
async function checkCounts(into: Records, order: string[], expected: Map<string, number>, io: CliIo, where: { source: string; target: string; dataDir: string }): Promise<number> {
  const width = Math.max(5, ...order.map((t) => t.length));
  io.out(`  ${"table".padEnd(width)}  ${"SQLite".padStart(9)}  ${"PostgreSQL".padStart(10)}`);
  const differ: string[] = [];
  for (const t of order) {
    const want = expected.get(t) ?? 0;
    const got = await countRows(into.db, t);
    if (got !== want) differ.push(t);
    io.out(`  ${t.padEnd(width)}  ${String(want).padStart(9)}  ${String(got).padStart(10)}${got === want ? "" : "  DIFFERS"}`);
  }
  if (differ.length > 0) {
    io.err(`The row counts differ on ${differ.join(", ")}: the copy is not complete. Drop and re-create ${where.target}, then run migrate-records again.`);
    return 1;
  }
  io.out(`Every table holds the same number of rows on both ends.`);
  io.out(`Start Pendulum on it: PENDULUM_DATABASE_URL=<the --to URL> PENDULUM_DATA_DIR=${where.dataDir} pendulum start`);
  io.out(`  (events stay in ${path.join(where.dataDir, "events.duckdb")}; ${where.source} stays in place, untouched by the copy)`);
  return 0;
}
