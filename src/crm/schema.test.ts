import { afterEach, describe, expect, it as vitestIt } from "vitest";
import { testDatabaseFor, testPostgresUrl } from "../../test/postgres.js";
import { migrateRecords, openRecords, type Records } from "../store/index.js";
import { crmMigrations, ensureCrmSchema } from "./schema.js";
import { all, exec } from "./sql.js";

const opened: Records[] = [];
afterEach(async () => {
  for (const r of opened.splice(0)) await r.close();
});

describe("CRM record tables on PostgreSQL", () => {
  const it = testPostgresUrl() ? vitestIt : vitestIt.skip;
  it("leave a fifth of each page free for updates, including tables made before the setting", async () => {
    const url = await testDatabaseFor(`crm schema fillfactor ${process.pid} ${Date.now()}`, testPostgresUrl() as string);
    const r = await openRecords({ engine: "postgres", url, poolSize: 2 });
    opened.push(r);
    await migrateRecords(r, [crmMigrations]);
    const options = async (table: string): Promise<unknown> => (await all(r.db, `SELECT reloptions FROM pg_class WHERE oid = to_regclass(?)`, [table]))[0]?.["reloptions"];
    expect(await options("crm_account")).toEqual(["fillfactor=80"]);
    expect(await options("crm_contact")).toEqual(["fillfactor=80"]);
    // A table made before (no setting) gets it the next time the schema is ensured.
    await exec(r.db, `ALTER TABLE crm_account RESET (fillfactor)`);
    expect(await options("crm_account")).toBeNull();
    await ensureCrmSchema(r.db);
    expect(await options("crm_account")).toEqual(["fillfactor=80"]);
  });
});
