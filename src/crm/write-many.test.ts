import { afterEach, describe, expect, it } from "vitest";
import { testDatabaseFor, testPostgresUrl } from "../../test/postgres.js";
import { migrateRecords, openRecords, type Records } from "../store/index.js";
import { createCrmData, type CrmData, type ManyItem, type ManyMode } from "./data.js";
import { SfError } from "./errors.js";
import { makeId } from "./ids.js";
import type { FieldDef, ObjectDef } from "./metadata.js";
import { addCustomField, crmMigrations } from "./schema.js";
import { all, exec, rowOrder } from "./sql.js";

// writeMany must give, item by item, what insert/update/upsert one at a time in order give.
// These tests run random batches both ways on identical stores and compare outcomes and rows, on
// the records engine of this run (SQLite under `npm test`, PostgreSQL under `npm run test:postgres`,
// where writeMany binds arrays through unnest and looks keys up with one index probe each).

const USER = makeId("005", 1);
const opened: Records[] = [];

afterEach(async () => {
  for (const r of opened.splice(0)) await r.close();
});

/** A small deterministic generator so a failing seed can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

type Store = { records: Records; data: CrmData };

async function store(uniqueKey: boolean): Promise<Store> {
  const server = testPostgresUrl();
  const records = server
    ? await openRecords({ engine: "postgres", url: await testDatabaseFor(`write-many ${process.pid} ${Date.now()} ${Math.random()}`, server) })
    : await openRecords({ engine: "sqlite", memory: true });
  opened.push(records);
  await migrateRecords(records, [crmMigrations]);
  const db = records.db;
  await addCustomField(db, { object: "Account", name: "Key__c", type: "Text", length: 20, externalId: true, unique: uniqueKey }, 0);
  await addCustomField(db, { object: "Account", name: "Minutes__c", type: "Number", precision: 12, scale: 0 }, 0);
  await addCustomField(db, { object: "Account", name: "Seen__c", type: "DateTime" }, 0);
  await addCustomField(db, { object: "Account", name: "Code__c", type: "Text", length: 10, unique: true }, 0);
  await addCustomField(db, { object: "Contact", name: "Key__c", type: "Text", length: 20, externalId: true }, 0);
  const data = createCrmData(db, () => Date.UTC(2025, 0, 1));
  await data.reload();
  return { records, data };
}

const KEYS = ["k1", "K1", "k2", "k3", "K3", "k4", "k5", "k6", "ß7", "k8"];

/** The same starting rows in each store: some sharing a key (MULTIPLE_CHOICES), some deleted. */
async function seed(s: Store, obj: ObjectDef, r: () => number): Promise<void> {
  await s.data.transaction(async (trx) => {
    for (let i = 0; i < 12; i++) {
      const body: Record<string, unknown> = obj.name === "Contact" ? { LastName: `L${i}`, FirstName: i % 3 === 0 ? null : `F${i}` } : { Name: `Seed ${i}`, Minutes__c: i };
      body["Key__c"] = KEYS[Math.floor(r() * 6)];
      if (obj.name === "Account" && i % 4 === 0) body["Code__c"] = `c${i}`;
      try {
        const id = await s.data.insert(trx, obj, s.data.prepare(obj, body, "insert"), USER);
        if (r() < 0.2) await s.data.remove(trx, obj, id);
      } catch (e) {
        if (!(e instanceof SfError)) throw e;
      }
    }
    return true;
  });
}

function randomBody(obj: ObjectDef, r: () => number, mode: "insert" | "update" | "upsert"): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (obj.name === "Contact") {
    if (r() < 0.6) body["LastName"] = r() < 0.1 ? null : `Last${Math.floor(r() * 5)}`;
    if (r() < 0.5) body["FirstName"] = r() < 0.3 ? null : `First${Math.floor(r() * 5)}`;
  } else {
    if (r() < (mode === "update" ? 0.4 : 0.85)) body["Name"] = r() < 0.1 ? null : `Name ${Math.floor(r() * 100)}`;
    if (r() < 0.7) body["Minutes__c"] = Math.floor(r() * 1000);
    if (r() < 0.3) body["Seen__c"] = "2024-02-03T04:05:06Z";
  }
  if (mode !== "upsert" && r() < 0.3) body["Key__c"] = KEYS[Math.floor(r() * KEYS.length)];
  return body;
}

/** Random items for a mode; the same seed gives the same items in both stores. */
async function randomItems(s: Store, obj: ObjectDef, r: () => number, mode: ManyMode["kind"], withCodes: boolean, n: number): Promise<ManyItem[]> {
  const ids = (await all(s.data.db, `SELECT "Id" FROM ${obj.table} ORDER BY ${rowOrder(s.data.db)}`)).map((row) => String(row["Id"]));
  const items: ManyItem[] = [];
  for (let i = 0; i < n; i++) {
    const body = randomBody(obj, r, mode);
    if (withCodes && obj.name === "Account" && r() < 0.4) body["Code__c"] = `c${Math.floor(r() * 12)}`;
    const cells = s.data.prepare(obj, body, mode);
    const pick = r();
    const someId = ids.length > 0 && pick < 0.8 ? (ids[Math.floor(r() * ids.length)] as string) : pick < 0.9 ? makeId(obj.keyPrefix, 999) : "001bogus";
    const rawId = r() < 0.2 ? someId.slice(0, 15) : someId;
    if (mode === "insert") items.push({ cells });
    else if (mode === "update") items.push({ cells, rawId });
    else items.push({ cells, rawValue: r() < 0.08 ? (r() < 0.5 ? "" : null) : KEYS[Math.floor(r() * KEYS.length)] });
  }
  return items;
}

/**
 * Outcomes and rows, in insertion order, with ids replaced by their place in that order (ids, and
 * PostgreSQL's `_row`, may skip counter values after a fallback).
 */
async function snapshot(s: Store, obj: ObjectDef, outcomes: unknown[]): Promise<unknown> {
  const rows = await all(s.data.db, `SELECT * FROM ${obj.table} ORDER BY ${rowOrder(s.data.db)}`);
  const rowOf = new Map(rows.map((row, i) => [String(row["Id"]), `#${i + 1}`]));
  const swap = (text: string): string => text.replace(/\b[0-9A-Za-z]{18}\b/g, (id) => rowOf.get(id) ?? id);
  return JSON.parse(swap(JSON.stringify({ outcomes, rows: rows.map(({ Id: _id, _row: _order, ...rest }) => rest) }))) as unknown;
}

function describeError(e: unknown): unknown {
  if (e instanceof SfError) return { status: e.status, ...e.toSaveError() };
  throw e;
}

async function oneByOne(s: Store, obj: ObjectDef, mode: ManyMode, items: ManyItem[]): Promise<unknown[]> {
  const out: unknown[] = [];
  await s.data.transaction(async (trx) => {
    for (const item of items) {
      try {
        if (mode.kind === "insert") out.push({ id: await s.data.insert(trx, obj, item.cells, USER), created: true });
        else if (mode.kind === "update") out.push({ id: await s.data.update(trx, obj, item.rawId ?? "", item.cells, USER), created: false });
        else out.push(await s.data.upsert(trx, obj, mode.field, item.rawValue, item.cells, USER));
      } catch (e) {
        out.push(describeError(e));
      }
    }
    return true;
  });
  return out;
}

async function batched(s: Store, obj: ObjectDef, mode: ManyMode, items: ManyItem[]): Promise<unknown[]> {
  const outcomes = await s.data.transaction((trx) => s.data.writeMany(trx, obj, mode, items, USER));
  return (outcomes ?? []).map((o) => (o.ok ? { id: o.id, created: o.created } : describeError(o.error)));
}

async function compare(seedValue: number, objName: string, kind: ManyMode["kind"], opts: { uniqueKey: boolean; withCodes: boolean; byId?: boolean }): Promise<void> {
  const a = await store(opts.uniqueKey);
  const b = await store(opts.uniqueKey);
  const objA = a.data.requireObject(objName);
  const objB = b.data.requireObject(objName);
  await seed(a, objA, rng(seedValue));
  await seed(b, objB, rng(seedValue));
  const modeOf = (o: ObjectDef): ManyMode => (kind === "upsert" ? { kind, field: o.byLowerName.get(opts.byId ? "id" : "key__c") as FieldDef } : { kind });
  for (let round = 0; round < 3; round++) {
    const n = 5 + Math.floor(rng(seedValue + round)() * 40);
    const itemsA = await randomItems(a, objA, rng(seedValue * 31 + round), kind, opts.withCodes, n);
    const itemsB = await randomItems(b, objB, rng(seedValue * 31 + round), kind, opts.withCodes, n);
    if (opts.byId) for (const list of [itemsA, itemsB]) for (const it of list) it.rawValue = it.rawValue === "" || it.rawValue === null ? it.rawValue : it.rawId;
    const expected = await snapshot(a, objA, await oneByOne(a, objA, modeOf(objA), itemsA));
    const actual = await snapshot(b, objB, await batched(b, objB, modeOf(objB), itemsB));
    expect(actual, `seed ${seedValue} round ${round}`).toEqual(expected);
  }
}

// Each comparison makes two stores; on PostgreSQL that is two new databases (about half a second
// each), so there the suite tries the first few seeds of each case.
const seeds = (n: number): number => (testPostgresUrl() ? Math.min(n, 3) : n);

describe("writeMany matches one-at-a-time writes", () => {
  it("upserts on a text external id (case-insensitive keys, duplicates, deleted rows, repeats in one batch)", async () => {
    for (let seedValue = 1; seedValue <= seeds(15); seedValue++) await compare(seedValue, "Account", "upsert", { uniqueKey: false, withCodes: false });
  });

  it("upserts on a unique external id (batches SQLite refuses fall back to one at a time)", async () => {
    for (let seedValue = 1; seedValue <= seeds(12); seedValue++) await compare(seedValue, "Account", "upsert", { uniqueKey: true, withCodes: false });
  });

  it("upserts by Id, inserts and updates, with and without other unique fields", async () => {
    for (let seedValue = 1; seedValue <= seeds(10); seedValue++) {
      await compare(seedValue, "Account", "upsert", { uniqueKey: false, withCodes: false, byId: true });
      await compare(seedValue, "Account", "insert", { uniqueKey: false, withCodes: seedValue % 2 === 0 });
      await compare(seedValue, "Account", "update", { uniqueKey: false, withCodes: seedValue % 2 === 0 });
    }
  });

  it("keeps Contact names in step with first and last names", async () => {
    for (let seedValue = 1; seedValue <= seeds(10); seedValue++) {
      await compare(seedValue, "Contact", "update", { uniqueKey: false, withCodes: false });
      await compare(seedValue, "Contact", "upsert", { uniqueKey: false, withCodes: false });
      await compare(seedValue, "Contact", "insert", { uniqueKey: false, withCodes: false });
    }
  });

  it("stores values spelled like array syntax exactly as given (PostgreSQL binds each column as one array)", async () => {
    const s = await store(false);
    const obj = s.data.requireObject("Account");
    const names = ['a,b', "{x}", '"quoted"', "back\\slash", "NULL", "null", " spaced ", "ß{,}\"\\", "x".repeat(255)];
    const inserted = await s.data.transaction((trx) =>
      s.data.writeMany(trx, obj, { kind: "insert" }, names.map((n, i) => ({ cells: s.data.prepare(obj, { Name: n, Minutes__c: i % 2 === 0 ? i : null }, "insert") })), USER),
    );
    const ids = (inserted ?? []).map((o) => (o.ok ? o.id : ""));
    expect(ids.every((id) => id.length === 18)).toBe(true);
    const read = async (): Promise<Array<[unknown, unknown]>> => {
      const rows = await all(s.data.db, `SELECT "Id", "Name", "Minutes__c" FROM crm_account WHERE "Id" IN (${ids.map(() => "?").join(", ")})`, ids);
      const byId = new Map(rows.map((r) => [String(r["Id"]), r]));
      return ids.map((id) => [byId.get(id)?.["Name"], byId.get(id)?.["Minutes__c"]]);
    };
    expect(await read()).toEqual(names.map((n, i) => [n, i % 2 === 0 ? i : null]));
    // The same values again as a multi-row update, reversed, with the numbers the other way round.
    const reversed = [...names].reverse();
    const updated = await s.data.transaction((trx) =>
      s.data.writeMany(trx, obj, { kind: "update" }, ids.map((id, i) => ({ rawId: id, cells: s.data.prepare(obj, { Name: reversed[i], Minutes__c: i % 2 === 0 ? null : i }, "update") })), USER),
    );
    expect((updated ?? []).every((o) => o.ok)).toBe(true);
    expect(await read()).toEqual(reversed.map((n, i) => [n, i % 2 === 0 ? null : i]));
  });

  it("reports a refused batch record by record and leaves earlier batches in place", async () => {
    const s = await store(true);
    const obj = s.data.requireObject("Account");
    const f = obj.byLowerName.get("key__c") as FieldDef;
    await exec(s.data.db, `INSERT INTO crm_account ("Id", "Name", "Key__c", "IsDeleted", "OwnerId") VALUES (?, 'Gone', 'dead', 1, ?)`, [makeId("001", 500), USER]);
    const items: ManyItem[] = ["a", "b", "dead", "c"].map((k) => ({ cells: s.data.prepare(obj, { Name: k }, "upsert"), rawValue: k }));
    const out = await s.data.transaction((trx) => s.data.writeMany(trx, obj, { kind: "upsert", field: f }, items, USER));
    expect(out?.map((o) => (o.ok ? "ok" : (o.error as SfError).errorCode))).toEqual(["ok", "ok", "DUPLICATE_VALUE", "ok"]);
  });
});
