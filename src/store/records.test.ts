import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql, type Kysely } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { testDatabaseFor, testPostgresUrl } from "../../test/postgres.js";
import { migrateRecords, openRecords, recordsOptionsOf, type Records } from "./records.js";

const opened: Records[] = [];
afterEach(async () => {
  for (const r of opened.splice(0)) await r.close();
});

async function open(engine: "sqlite" | "postgres", key: string): Promise<Records> {
  const server = testPostgresUrl();
  const records =
    engine === "postgres" && server
      ? await openRecords({ engine: "postgres", url: await testDatabaseFor(`records.test ${key} ${process.pid} ${Date.now()}`, server) })
      : await openRecords({ engine: "sqlite", file: path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-records-")), "records.sqlite") });
  opened.push(records);
  return records;
}

async function tables(db: Kysely<object>): Promise<string[]> {
  return (await db.introspection.getTables()).map((t) => t.name).filter((n) => !n.startsWith("kysely_")).sort();
}

describe("openRecords", () => {
  it("stops on an unreachable PostgreSQL with the variable and the host, never the password", async () => {
    const failure = openRecords({ engine: "postgres", url: "postgres://someone:hunter2secret@127.0.0.1:1/records", variable: "PENDULUM_DATABASE_URL" });
    await expect(failure).rejects.toThrow(/^PENDULUM_DATABASE_URL: cannot reach PostgreSQL at 127\.0\.0\.1:1\/records/);
    await expect(failure).rejects.not.toThrow(/hunter2secret/);
  });

  it("refuses a URL that is not postgres://", async () => {
    await expect(openRecords({ engine: "postgres", url: "mysql://db.example.com/x" })).rejects.toThrow(/PENDULUM_DATABASE_URL: expected a postgres:\/\/ URL, got mysql:\/\/db\.example\.com/);
  });

  it("keeps records in SQLite under the data folder unless PENDULUM_DATABASE_URL is set", () => {
    expect(recordsOptionsOf({ dataDir: "/d", database: { url: undefined, poolSize: 10 } })).toEqual({ engine: "sqlite", file: path.join("/d", "records.sqlite") });
    expect(recordsOptionsOf({ dataDir: "/d", database: { url: "postgres://h/db", poolSize: 3 } })).toMatchObject({ engine: "postgres", url: "postgres://h/db", poolSize: 3 });
  });
});

const engines = testPostgresUrl() ? (["sqlite", "postgres"] as const) : (["sqlite"] as const);

describe.each(engines)("migrations on %s", (engine) => {
  it("a failing migration leaves the database as it was, with the batch before it undone too", async () => {
    const records = await open(engine, "rollback");
    const kept = { a_0001: { up: (db: Kysely<unknown>) => db.schema.createTable("a_kept").addColumn("id", "text", (c) => c.primaryKey()).execute() } };
    await migrateRecords(records, [kept]);
    const batch = {
      b_0001: { up: (db: Kysely<unknown>) => db.schema.createTable("b_made").addColumn("id", "text", (c) => c.primaryKey()).execute() },
      b_0002: {
        up: async (db: Kysely<unknown>) => {
          await db.schema.createTable("b_half").addColumn("id", "text").execute();
          await sql`SELECT * FROM no_such_table`.execute(db);
        },
      },
    };
    await expect(migrateRecords(records, [kept, batch])).rejects.toThrow(/Migration b_0002 failed \(nothing of this batch was applied\)/);
    expect(await tables(records.db)).toEqual(["a_kept"]);
  });

  it("stores epoch milliseconds and counts as numbers, and doubles in full precision", async () => {
    const records = await open(engine, "types");
    await migrateRecords(records, [
      {
        t_0001: {
          up: (db) =>
            db.schema
              .createTable("t")
              .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
              .addColumn("at", "integer")
              .addColumn("ratio", "real")
              .execute(),
        },
      },
    ]);
    const db = records.db as Kysely<{ t: { id: number | undefined; at: number; ratio: number } }>;
    await db.insertInto("t").values([{ at: 1_767_225_600_123, ratio: 0.1234567891 }, { at: 1, ratio: 2 }]).execute();
    const rows = await db.selectFrom("t").selectAll().orderBy("id").execute();
    expect(rows).toEqual([
      { id: 1, at: 1_767_225_600_123, ratio: 0.1234567891 },
      { id: 2, at: 1, ratio: 2 },
    ]);
    const { n } = await db.selectFrom("t").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
    expect(n).toBe(2);
  });
});
