import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CompiledQuery, sql, type Kysely } from "kysely";
import { afterEach, describe, expect, it, it as vitestIt } from "vitest";
import { testDatabaseFor, testPostgresUrl } from "../../test/postgres.js";
import { migrateRecords, openRecords, PREPARED_MARK, recordsOptionsOf, type Records } from "./records.js";

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

// Both engines always, the PostgreSQL ones skipped under `npm test`: the suite counts as many tests either way.
describe.each(["sqlite", "postgres"] as const)("migrations on %s", (engine) => {
  const it = engine === "postgres" && !testPostgresUrl() ? vitestIt.skip : vitestIt;
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

describe("named locks across processes on PostgreSQL", () => {
  const it = testPostgresUrl() ? vitestIt : vitestIt.skip;
  it("lets one holder at a time take a lock, frees it on release or when the holder's connections close, and makes withLock wait", async () => {
    const server = testPostgresUrl() as string;
    const url = await testDatabaseFor(`records.test locks ${process.pid} ${Date.now()}`, server);
    const [a, b] = [await openRecords({ engine: "postgres", url, poolSize: 1 }), await openRecords({ engine: "postgres", url, poolSize: 1 })];
    opened.push(b);
    const held = await a.tryLock("sync-run");
    expect(held).toBeDefined();
    expect(await b.tryLock("sync-run")).toBeUndefined();
    // Another name is another lock; a pool of one is not taken by the held lock.
    const other = await b.tryLock("other");
    expect(other).toBeDefined();
    await other?.release();
    expect(Number((await sql<{ n: number }>`SELECT 1 AS n`.execute(a.db)).rows[0]?.n)).toBe(1);
    await held?.release();
    const again = await b.tryLock("sync-run");
    expect(again).toBeDefined();
    await again?.release();
    // A holder that goes away (a process that dies closes its connections) leaves nothing held.
    expect(await a.tryLock("sync-run")).toBeDefined();
    await a.close();
    const after = await b.tryLock("sync-run");
    expect(after).toBeDefined();
    // withLock waits for the holder instead of refusing.
    const order: string[] = [];
    const waiting = b.withLock("sync-run", async () => order.push("waited"));
    await new Promise((r) => setTimeout(r, 100));
    order.push("released");
    await after?.release();
    await waiting;
    expect(order).toEqual(["released", "waited"]);
  });
});

describe("prepared statements on PostgreSQL", () => {
  const it = testPostgresUrl() ? vitestIt : vitestIt.skip;
  it("parses a marked statement once per connection and runs it again with new values; unmarked ones stay unnamed", async () => {
    const url = await testDatabaseFor(`records.test prepared ${process.pid} ${Date.now()}`, testPostgresUrl() as string);
    const r = await openRecords({ engine: "postgres", url, poolSize: 1 });
    opened.push(r);
    const marked = `${PREPARED_MARK}SELECT $1::int + $2::int AS n`;
    const run = async (text: string, values: number[]): Promise<number> => Number((await r.db.executeQuery<{ n: number }>(CompiledQuery.raw(text, values))).rows[0]?.n);
    expect(await run(marked, [1, 2])).toBe(3);
    expect(await run(marked, [40, 2])).toBe(42);
    expect(await run("SELECT $1::int * $2::int AS n", [6, 7])).toBe(42);
    // One pool connection: the server lists exactly the marked statement, prepared once.
    const listed = (await sql<{ statement: string }>`SELECT statement FROM pg_prepared_statements`.execute(r.db)).rows.map((x) => x.statement);
    expect(listed).toEqual([marked]);
    // A marked statement the server refuses leaves the connection usable and is parsed again next time.
    await expect(run(`${PREPARED_MARK}SELECT $1::int / 0 AS n`, [1])).rejects.toThrow(/division by zero/);
    expect(await run(marked, [2, 2])).toBe(4);
  });
});

describe("named locks on SQLite", () => {
  it("are always granted: one process owns the file", async () => {
    const records = await open("sqlite", "locks");
    const first = await records.tryLock("sync-run");
    expect(first).toBeDefined();
    expect(await records.tryLock("sync-run")).toBeDefined();
    expect(await records.withLock("sync-run", () => Promise.resolve(7))).toBe(7);
  });
});
