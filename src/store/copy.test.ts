// The copy between engines on the real engines: a SQLite database made by a small migration set,
// the same migrations on a fresh PostgreSQL database, then the rows moved in batches.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql, type Kysely } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabaseFor, testDatabasePrefix, testPostgresUrl } from "../../test/postgres.js";
import { carrySequences, copyTable, countRows, emptyTables, foreignKeyOrder, recordTables, tablesWithRows } from "./copy.js";
import { migrateRecords, openRecords, type ModuleMigrations, type Records } from "./records.js";

const SERVER = testPostgresUrl() ?? "postgres://pendulum_test:pendulum_test@127.0.0.1:5432/postgres";

// The child sorts first by name, so a copy in name order would break the foreign key.
const migrations: ModuleMigrations = {
  "copytest-0001": {
    async up(db: Kysely<unknown>) {
      await db.schema.createTable("z_parent").addColumn("id", "text", (c) => c.primaryKey()).addColumn("name", "text").addColumn("score", "real").execute();
      await db.schema.createTable("a_child").addColumn("id", "integer", (c) => c.primaryKey().autoIncrement()).addColumn("parent_id", "text", (c) => c.notNull().references("z_parent.id")).addColumn("at", "integer").execute();
      await db.schema.createTable("m_pairs").addColumn("k", "text").addColumn("v", "text").addPrimaryKeyConstraint("m_pairs_pk", ["k", "v"]).execute();
    },
  },
};

// Needs a PostgreSQL server: `npm run test:postgres` (and CI) runs it; plain `npm test` skips it.
describe.skipIf(!testPostgresUrl())("copying records from SQLite to PostgreSQL", () => {
  let dir: string;
  let source: Records;
  let target: Records;
  let targetName: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-copy-"));
    source = await openRecords({ engine: "sqlite", file: path.join(dir, "records.sqlite") });
    await migrateRecords(source, [migrations]);
    const url = await testDatabaseFor(`${dir}-copy-target`, SERVER);
    targetName = new URL(url).pathname.slice(1);
    target = await openRecords({ engine: "postgres", url, poolSize: 2 });
    await migrateRecords(target, [migrations]);
    // 5 parents, 7 children (the last one deleted again, so SQLite's AUTOINCREMENT mark is 7 while max(id) is 6), 3 pairs.
    for (let i = 1; i <= 5; i++) await sql`INSERT INTO z_parent (id, name, score) VALUES (${`p${i}`}, ${`Parent ${i}`}, ${i / 4})`.execute(source.db);
    for (let i = 1; i <= 7; i++) await sql`INSERT INTO a_child (parent_id, at) VALUES (${`p${(i % 5) + 1}`}, ${1_700_000_000_000 + i})`.execute(source.db);
    await sql`DELETE FROM a_child WHERE id = 7`.execute(source.db);
    for (const [k, v] of [["x", "1"], ["x", "2"], ["y", "1"]]) await sql`INSERT INTO m_pairs (k, v) VALUES (${k}, ${v})`.execute(source.db);
  }, 60_000);

  afterAll(async () => {
    await source?.close();
    await target?.close();
    if (targetName?.startsWith(testDatabasePrefix())) {
      const admin = new pg.Client({ connectionString: SERVER });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${targetName} WITH (FORCE)`);
      await admin.end();
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("orders tables by foreign key, copies every row in batches, and carries the id sequence", async () => {
    const tables = await recordTables(source.db);
    expect(tables).toEqual(["a_child", "m_pairs", "z_parent"]);
    expect(await recordTables(target.db)).toEqual(tables);
    const order = await foreignKeyOrder(source.db, tables);
    expect(order.indexOf("z_parent")).toBeLessThan(order.indexOf("a_child"));
    expect(await tablesWithRows(target.db, tables)).toEqual([]);

    await target.db.transaction().execute(async (trx) => {
      const batches: number[] = [];
      for (const t of order) {
        const n = await copyTable(source.db, trx, t, { batchRows: 2, onRows: (copied) => batches.push(copied) });
        expect(n).toBe(await countRows(source.db, t));
      }
      // Two rows per INSERT: 6 children in 3 batches, 5 parents in 3, 3 pairs in 2.
      expect(batches).toEqual(order.flatMap((t) => ({ a_child: [2, 4, 6], z_parent: [2, 4, 5], m_pairs: [2, 3] })[t] ?? []));
      await carrySequences(source.db, trx, order);
    });
    for (const t of tables) expect(await countRows(target.db, t)).toBe(await countRows(source.db, t));
    const read = async (r: Records, q: string): Promise<unknown[]> => (await sql.raw(q).execute(r.db)).rows;
    const rowsOf = "SELECT id, parent_id, at FROM a_child ORDER BY id";
    expect(await read(target, rowsOf)).toEqual(await read(source, rowsOf));
    expect(await read(target, "SELECT id, name, score FROM z_parent ORDER BY id")).toEqual(await read(source, "SELECT id, name, score FROM z_parent ORDER BY id"));
    // The next id continues after SQLite's high-water mark (7, deleted), not after max(id) = 6.
    const next = await sql<{ id: number }>`INSERT INTO a_child (parent_id, at) VALUES ('p1', 1) RETURNING id`.execute(target.db);
    expect(next.rows[0]?.id).toBe(8);

    expect(await tablesWithRows(target.db, tables)).toEqual(tables);
    await emptyTables(target.db, order);
    expect(await tablesWithRows(target.db, tables)).toEqual([]);
  }, 60_000);

  it("stops, naming the column, when the target lacks a column the source has", async () => {
    await sql`ALTER TABLE m_pairs ADD COLUMN note TEXT`.execute(source.db);
    await expect(copyTable(source.db, target.db, "m_pairs")).rejects.toThrow("Table m_pairs: column note exists in SQLite but not on PostgreSQL");
  });
});
