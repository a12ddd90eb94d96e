import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Generated, Kysely } from "kysely";
import { idRangeOf, MAX_INGEST_INSTANCE, type IdRange, type ModuleMigrations, type Records } from "../../store/index.js";

/**
 * Server mode (ADR 0019): every data folder that ingests into the shared ClickHouse registers once
 * in the records and gets a small instance number; its event and dictionary ids are then
 * `instance × 2^40 + local counter`, so processes never give one id twice. The number is kept
 * in the data folder beside the log (`ingest-instance.json`), with a token the row also holds, so
 * a folder pointed at other records is refused rather than numbered twice.
 */
export const ingestInstanceMigrations: ModuleMigrations = {
  "analytics-0100-ingest-instances": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("ingest_instances")
        .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
        .addColumn("token", "text", (c) => c.notNull().unique())
        .addColumn("host", "text", (c) => c.notNull())
        .addColumn("data_dir", "text", (c) => c.notNull())
        .addColumn("registered_at", "bigint", (c) => c.notNull())
        .execute();
    },
  },
};

type InstanceTables = { ingest_instances: { id: Generated<number>; token: string; host: string; data_dir: string; registered_at: number } };

const FILE = "ingest-instance.json";

type Stored = { instance: number; token: string };

function readStored(dataDir: string): Stored | undefined {
  const file = path.join(dataDir, FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  const parsed = JSON.parse(text) as Partial<Stored>;
  if (typeof parsed.instance !== "number" || typeof parsed.token !== "string") throw new Error(`${file} is damaged: expected {"instance": N, "token": "…"}`);
  return { instance: parsed.instance, token: parsed.token };
}

/** Written to a temporary file, synced, then renamed over: a crash leaves the old file or the new one. */
function writeStored(dataDir: string, stored: Stored): void {
  const file = path.join(dataDir, FILE);
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, "w", 0o600);
  try {
    fs.writeSync(fd, JSON.stringify(stored));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  const dir = fs.openSync(dataDir, "r");
  try {
    fs.fsyncSync(dir);
  } finally {
    fs.closeSync(dir);
  }
}

/**
 * This data folder's block of ids: the one it registered before, or a new registration. A crash
 * between the insert and the file leaves a row no folder uses: one number of 8191 lost, harmless.
 */
export async function ingestInstanceOf(records: Records, dataDir: string, clock: () => number): Promise<IdRange> {
  const db = records.db.withTables<InstanceTables>();
  const stored = readStored(dataDir);
  if (stored) {
    const row = await db.selectFrom("ingest_instances").select(["id", "token"]).where("id", "=", stored.instance).executeTakeFirst();
    if (!row || row.token !== stored.token) {
      throw new Error(
        `The data folder ${dataDir} was registered as ingest instance ${stored.instance} with other records (PENDULUM_DATABASE_URL); ids it gives could collide with this workspace's. Give this process a new, empty PENDULUM_DATA_DIR (after its log was stored), or point it back at its records.`,
      );
    }
    return idRangeOf(stored.instance);
  }
  const token = crypto.randomUUID();
  const row = await db
    .insertInto("ingest_instances")
    .values({ token, host: hostName(), data_dir: dataDir, registered_at: clock() })
    .returning("id")
    .executeTakeFirstOrThrow();
  const instance = Number(row.id);
  if (instance > MAX_INGEST_INSTANCE) {
    throw new Error(`Every ingest instance number (1 to ${MAX_INGEST_INSTANCE}) has been given to a data folder; list ingest_instances and reuse a retired folder instead of a new one`);
  }
  writeStored(dataDir, { instance, token });
  return idRangeOf(instance);
}

function hostName(): string {
  try {
    return os.hostname();
  } catch {
    return "";
  }
}
