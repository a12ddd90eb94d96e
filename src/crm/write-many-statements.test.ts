import { afterEach, describe, expect, it } from "vitest";
import type { Kysely, Transaction } from "kysely";
import { testDatabaseFor, testPostgresUrl } from "../../test/postgres.js";
import { migrateRecords, openRecords, PREPARED_MARK, type Records } from "../store/index.js";
import { createCrmData, type CrmData, type ManyItem, type ManyOutcome } from "./data.js";
import { SfError } from "./errors.js";
import { makeId } from "./ids.js";
import type { FieldDef, ObjectDef } from "./metadata.js";
import { addCustomField, crmMigrations } from "./schema.js";
import { all, exec } from "./sql.js";

// How many statements a batch of writes sends, on the records engine of this run (SQLite under
// `npm test`, PostgreSQL under `npm run test:postgres`): a fixed few per batch, never one (or a
// savepoint) per record, including when a unique index refuses a record in the middle.

const USER = makeId("005", 1);
const opened: Records[] = [];

afterEach(async () => {
  for (const r of opened.splice(0)) await r.close();
});

type Store = { data: CrmData; obj: ObjectDef; pg: boolean };

async function store(): Promise<Store> {
  const server = testPostgresUrl();
  const records = server
    ? await openRecords({ engine: "postgres", url: await testDatabaseFor(`write-many statements ${process.pid} ${Date.now()} ${Math.random()}`, server) })
    : await openRecords({ engine: "sqlite", memory: true });
  opened.push(records);
  await migrateRecords(records, [crmMigrations]);
  await addCustomField(records.db, { object: "Account", name: "Key__c", type: "Text", length: 20, externalId: true, unique: true }, 0);
  await addCustomField(records.db, { object: "Account", name: "Minutes__c", type: "Number", precision: 12, scale: 0 }, 0);
  await addCustomField(records.db, { object: "Account", name: "Code__c", type: "Text", length: 10, unique: true }, 0);
  const data = createCrmData(records.db, () => Date.UTC(2025, 0, 1));
  await data.reload();
  return { data, obj: data.requireObject("Account"), pg: records.engine === "postgres" };
}

/** The transaction as writeMany sees it, with every statement it sends written down. */
function counting(trx: Transaction<object>, sent: string[]): Transaction<object> {
  return new Proxy(trx, {
    get(target, prop) {
      if (prop === "executeQuery") {
        return (query: { sql: string }) => {
          sent.push(query.sql.replace(/\s+/g, " ").slice(0, 40));
          return (target as unknown as Kysely<object>).executeQuery(query as never);
        };
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

async function seedAccounts(s: Store, n: number): Promise<string[]> {
  const ids: string[] = [];
  await s.data.transaction(async (trx) => {
    for (let i = 0; i < n; i++) ids.push(await s.data.insert(trx, s.obj, s.data.prepare(s.obj, { Name: `A${i}`, Key__c: `key-${i}`, Code__c: `code-${i}` }, "insert"), USER));
    return true;
  });
  return ids;
}

async function write(s: Store, mode: "update" | "upsert", items: ManyItem[]): Promise<{ outcomes: ManyOutcome[]; sent: string[] }> {
  const sent: string[] = [];
  const field = s.obj.byLowerName.get("key__c") as FieldDef;
  const outcomes = await s.data.transaction((trx) => s.data.writeMany(counting(trx, sent), s.obj, mode === "update" ? { kind: "update" } : { kind: "upsert", field }, items, USER));
  return { outcomes: outcomes ?? [], sent };
}

function codes(outcomes: ManyOutcome[]): string[] {
  return outcomes.map((o) => (o.ok ? "ok" : o.error instanceof SfError ? o.error.errorCode : "thrown"));
}

describe("writeMany statements per batch", () => {
  it("updates 60 records without unique fields in one statement and no savepoint", async () => {
    const s = await store();
    const ids = await seedAccounts(s, 60);
    const { outcomes, sent } = await write(s, "update", ids.map((id, i) => ({ rawId: id, cells: s.data.prepare(s.obj, { Minutes__c: i + 1 }, "update") })));
    expect(codes(outcomes).every((c) => c === "ok")).toBe(true);
    expect(sent).toHaveLength(1);
    // On PostgreSQL the multi-row write is a named prepared statement (parsed once per connection).
    expect(sent[0]?.startsWith(PREPARED_MARK)).toBe(s.pg);
    expect(sent[0]?.replace(PREPARED_MARK, "")).toMatch(/^UPDATE /);
    const rows = await all(s.data.db, `SELECT count(*) AS n FROM crm_account WHERE "Minutes__c" IS NOT NULL`);
    expect(Number(rows[0]?.["n"])).toBe(60);
  });

  it("says when a batch of updates is one statement (PostgreSQL), and such a batch written outside a transaction sends only that statement", async () => {
    const s = await store();
    const ids = await seedAccounts(s, 4);
    const minutes = (i: number): ManyItem["cells"] => s.data.prepare(s.obj, { Minutes__c: i }, "update");
    const items: ManyItem[] = ids.map((id, i) => ({ rawId: id, cells: minutes(i + 1) }));
    expect(s.data.writesInOneStatement(s.obj, { kind: "update" }, items)).toBe(s.pg);
    // A malformed Id is refused before anything is sent: still one statement for the rest.
    expect(s.data.writesInOneStatement(s.obj, { kind: "update" }, [...items, { rawId: "nope", cells: minutes(9) }])).toBe(s.pg);
    // Not one statement: a record named twice, two field sets, a unique field, a single record, inserts.
    expect(s.data.writesInOneStatement(s.obj, { kind: "update" }, [...items, { rawId: ids[0] as string, cells: minutes(9) }])).toBe(false);
    expect(s.data.writesInOneStatement(s.obj, { kind: "update" }, [...items, { rawId: ids[0]?.slice(0, 15) as string, cells: minutes(9) }])).toBe(false);
    expect(s.data.writesInOneStatement(s.obj, { kind: "update" }, [items[0] as ManyItem, { rawId: ids[1] as string, cells: s.data.prepare(s.obj, { Name: "x" }, "update") }])).toBe(false);
    expect(s.data.writesInOneStatement(s.obj, { kind: "update" }, [items[0] as ManyItem, { rawId: ids[1] as string, cells: s.data.prepare(s.obj, { Minutes__c: 1, Code__c: "c" }, "update") }, { rawId: ids[2] as string, cells: s.data.prepare(s.obj, { Minutes__c: 1, Code__c: "d" }, "update") }])).toBe(false);
    expect(s.data.writesInOneStatement(s.obj, { kind: "update" }, [items[0] as ManyItem])).toBe(false);
    expect(s.data.writesInOneStatement(s.obj, { kind: "insert" }, items.map((it) => ({ cells: it.cells })))).toBe(false);
    if (!s.pg) return;
    const sent: string[] = [];
    await exec(s.data.db, `UPDATE crm_account SET "IsDeleted" = 1 WHERE "Id" = ?`, [ids[3]]);
    const outcomes = await s.data.writeMany(counting(s.data.db as unknown as Transaction<object>, sent), s.obj, { kind: "update" }, items, USER);
    expect(sent).toHaveLength(1);
    expect(codes(outcomes)).toEqual(["ok", "ok", "ok", "ENTITY_IS_DELETED"]);
    const rows = await all(s.data.db, `SELECT "Minutes__c" AS m FROM crm_account WHERE "Id" IN (?, ?, ?) ORDER BY "Id"`, ids.slice(0, 3));
    expect(rows.map((r) => Number(r["m"]))).toEqual([1, 2, 3]);
  });

  it("refuses one unique clash in the middle of 60 updates, writes the 59 others, in a fixed few statements", async () => {
    const s = await store();
    const ids = await seedAccounts(s, 61);
    const holder = ids[60] as string;
    // Record 30 takes the code another record holds (in other case: the index ignores case); 59 take new codes.
    const items: ManyItem[] = ids.slice(0, 60).map((id, i) => ({ rawId: id, cells: s.data.prepare(s.obj, { Minutes__c: i + 1, Code__c: i === 30 ? "CODE-60" : `new-${i}` }, "update") }));
    const { outcomes, sent } = await write(s, "update", items);
    expect(codes(outcomes)).toEqual(ids.slice(0, 60).map((_id, i) => (i === 30 ? "DUPLICATE_VALUE" : "ok")));
    const refused = (outcomes[30] as { ok: false; error: SfError }).error;
    expect(refused.toSaveError()).toEqual({ statusCode: "DUPLICATE_VALUE", message: `duplicate value found: Code__c duplicates value on record with id: ${holder}`, fields: ["Code__c"] });
    // The screen (which records hold the new values), the refused record's liveness, and the batch under one savepoint.
    expect(sent.length).toBeLessThanOrEqual(5);
    expect(sent.filter((t) => t.startsWith("SAVEPOINT"))).toHaveLength(1);
    const rows = await all(s.data.db, `SELECT "Id", "Code__c", "Minutes__c" FROM crm_account ORDER BY "Id"`);
    const byId = new Map(rows.map((r) => [String(r["Id"]), r]));
    expect(byId.get(ids[30] as string)).toMatchObject({ Code__c: "code-30", Minutes__c: null });
    expect(byId.get(ids[29] as string)).toMatchObject({ Code__c: "new-29", Minutes__c: 30 });
    expect(byId.get(ids[31] as string)).toMatchObject({ Code__c: "new-31", Minutes__c: 32 });
  });

  it("a deleted record named in a clashing update is reported as gone, as one at a time would", async () => {
    const s = await store();
    const ids = await seedAccounts(s, 4);
    await s.data.transaction(async (trx) => s.data.remove(trx, s.obj, ids[1] as string));
    const items: ManyItem[] = [0, 1, 2].map((i) => ({ rawId: ids[i] as string, cells: s.data.prepare(s.obj, { Code__c: i === 1 ? "code-3" : `n${i}` }, "update") }));
    const { outcomes } = await write(s, "update", items);
    expect(codes(outcomes)).toEqual(["ok", "ENTITY_IS_DELETED", "ok"]);
  });

  it("keeps one-at-a-time order where it matters: a code taken from a record written later in the batch", async () => {
    const s = await store();
    const ids = await seedAccounts(s, 3);
    // One at a time, record 1 cannot take code-0 while record 0 still holds it; record 0 then moves to a new code.
    const items: ManyItem[] = [
      { rawId: ids[1] as string, cells: s.data.prepare(s.obj, { Code__c: "code-0" }, "update") },
      { rawId: ids[0] as string, cells: s.data.prepare(s.obj, { Code__c: "moved" }, "update") },
      { rawId: ids[2] as string, cells: s.data.prepare(s.obj, { Minutes__c: 5 }, "update") },
    ];
    const { outcomes } = await write(s, "update", items);
    expect(codes(outcomes)).toEqual(["DUPLICATE_VALUE", "ok", "ok"]);
    const rows = await all(s.data.db, `SELECT "Code__c" FROM crm_account ORDER BY "Id"`);
    expect(rows.map((r) => r["Code__c"])).toEqual(["moved", "code-1", "code-2"]);
  });

  it("upserts on a unique key with a key a deleted record holds: that one refused, the rest written, a later repeat refused again", async () => {
    const s = await store();
    const ids = await seedAccounts(s, 2);
    await exec(s.data.db, `DELETE FROM crm_account WHERE "Id" = ?`, [ids[1] as string]);
    await exec(s.data.db, `INSERT INTO crm_account ("Id", "Name", "Key__c", "IsDeleted", "OwnerId") VALUES (?, 'Gone', 'dead', 1, ?)`, [makeId("001", 500), USER]);
    const keys = ["a", "b", "dead", "key-0", "c", "DEAD", "d"];
    const items: ManyItem[] = keys.map((k) => ({ rawValue: k, cells: s.data.prepare(s.obj, { Name: `N ${k}` }, "upsert") }));
    const { outcomes, sent } = await write(s, "upsert", items);
    expect(codes(outcomes)).toEqual(["ok", "ok", "DUPLICATE_VALUE", "ok", "ok", "DUPLICATE_VALUE", "ok"]);
    expect(outcomes.map((o) => (o.ok ? o.created : undefined))).toEqual([true, true, undefined, false, true, undefined, true]);
    // Two batches (the repeated key splits them), each a screen, an insert and an update at most, under one savepoint.
    expect(sent.filter((t) => t.startsWith("SAVEPOINT"))).toHaveLength(2);
    expect(sent.length).toBeLessThanOrEqual(s.pg ? 14 : 12);
    const live = await all(s.data.db, `SELECT "Key__c" FROM crm_account WHERE "IsDeleted" = 0 ORDER BY "Key__c"`);
    expect(live.map((r) => r["Key__c"])).toEqual(["a", "b", "c", "d", "key-0"]);
  });
});
