import { sql, type Kysely } from "kysely";
import { greatest, jsonMerge, jsonValueLike, least, type ModuleMigrations, type Records } from "../store/index.js";

/** Metadata groups: `agent` from initialize (read-only elsewhere), `custom` by API, `crm` pulled (read-only). */
export type MetadataGroup = "agent" | "custom" | "crm";
export type MetadataValue = string | number | boolean | null;
export type Metadata = Record<string, MetadataValue>;

export type EntityKind = "visitor" | "account";

/** A visitor or account with its metadata groups and when it was first and last seen. */
export type Entity = {
  id: string;
  firstSeen: number;
  lastSeen: number;
  metadata: Record<MetadataGroup, Metadata>;
  /** For visitors: the accounts they were seen in. For accounts: how many visitors were ever seen. */
  accounts?: string[];
  visitorsEver?: number;
};

type Row = { app_id: string; id: string; first_seen: number; last_seen: number; agent: string; custom: string; crm: string };
type MetadataTables = {
  visitors: Row;
  accounts: Row;
  visitor_accounts: { app_id: string; visitor_id: string; account_id: string; first_seen: number; last_seen: number };
  event_names: { app_id: string; name: string; first_seen: number };
};

export const metadataMigrations: ModuleMigrations = {
  "analytics-0002-metadata": {
    async up(db: Kysely<unknown>) {
      for (const table of ["visitors", "accounts"]) {
        await db.schema
          .createTable(table)
          .addColumn("app_id", "text", (c) => c.notNull())
          .addColumn("id", "text", (c) => c.notNull())
          .addColumn("first_seen", "bigint", (c) => c.notNull())
          .addColumn("last_seen", "bigint", (c) => c.notNull())
          .addColumn("agent", "text", (c) => c.notNull().defaultTo("{}"))
          .addColumn("custom", "text", (c) => c.notNull().defaultTo("{}"))
          .addColumn("crm", "text", (c) => c.notNull().defaultTo("{}"))
          .addPrimaryKeyConstraint(`${table}_pk`, ["app_id", "id"])
          .execute();
      }
      await db.schema
        .createTable("visitor_accounts")
        .addColumn("app_id", "text", (c) => c.notNull())
        .addColumn("visitor_id", "text", (c) => c.notNull())
        .addColumn("account_id", "text", (c) => c.notNull())
        .addColumn("first_seen", "bigint", (c) => c.notNull())
        .addColumn("last_seen", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("visitor_accounts_pk", ["app_id", "visitor_id", "account_id"])
        .execute();
      await db.schema.createIndex("visitor_accounts_by_account").on("visitor_accounts").columns(["app_id", "account_id"]).execute();
      await db.schema
        .createTable("event_names")
        .addColumn("app_id", "text", (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("first_seen", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("event_names_pk", ["app_id", "name"])
        .execute();
    },
  },
};

/** What one flush saw: who was active when, with the latest agent metadata. */
export type SeenBatch = {
  appId: string;
  visitors: Map<string, { first: number; last: number; agent?: Metadata }>;
  accounts: Map<string, { first: number; last: number; agent?: Metadata }>;
  links: Map<string, { visitorId: string; accountId: string; first: number; last: number }>;
  eventNames: Map<string, number>;
};

export function emptySeenBatch(appId: string): SeenBatch {
  return { appId, visitors: new Map(), accounts: new Map(), links: new Map(), eventNames: new Map() };
}

const parse = (s: string): Metadata => JSON.parse(s) as Metadata;

function toEntity(r: Row): Entity {
  return { id: r.id, firstSeen: Number(r.first_seen), lastSeen: Number(r.last_seen), metadata: { agent: parse(r.agent), custom: parse(r.custom), crm: parse(r.crm) } };
}

/** Rows per multi-row upsert in recordSeen: 500 rows of 7 values stay far under both engines' bound-parameter limits. */
const SEEN_CHUNK = 500;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Visitor and account metadata over the records store. */
export function createMetadataStore(records: Records) {
  const db = records.db.withTables<MetadataTables>();
  const table = (kind: EntityKind): "visitors" | "accounts" => (kind === "visitor" ? "visitors" : "accounts");

  return {
    /**
     * Upserts everything a flush saw in one transaction; idempotent when replayed. Rows go as
     * multi-row upserts of SEEN_CHUNK rows (a statement per row costs a round trip each on
     * PostgreSQL). Each statement holds one batch's rows, whose keys are distinct, since
     * PostgreSQL refuses an upsert that would touch the same row twice.
     */
    async recordSeen(batches: SeenBatch[]): Promise<void> {
      await db.transaction().execute(async (trx) => {
        for (const b of batches) {
          for (const [kind, map] of [
            ["visitors", b.visitors],
            ["accounts", b.accounts],
          ] as const) {
            const rows = [...map].map(([id, s]) => ({ app_id: b.appId, id, first_seen: s.first, last_seen: s.last, agent: JSON.stringify(s.agent ?? {}), custom: "{}", crm: "{}" }));
            for (const chunk of chunks(rows, SEEN_CHUNK)) {
              await trx
                .insertInto(kind)
                .values(chunk)
                .onConflict((oc) =>
                  oc.columns(["app_id", "id"]).doUpdateSet({
                    first_seen: least(trx, sql.ref<number>(`${kind}.first_seen`), sql.ref<number>("excluded.first_seen")),
                    last_seen: greatest(trx, sql.ref<number>(`${kind}.last_seen`), sql.ref<number>("excluded.last_seen")),
                    agent: jsonMerge(trx, sql.ref<string>(`${kind}.agent`), sql.ref<string>("excluded.agent")),
                  }),
                )
                .execute();
            }
          }
          const links = [...b.links.values()].map((l) => ({ app_id: b.appId, visitor_id: l.visitorId, account_id: l.accountId, first_seen: l.first, last_seen: l.last }));
          for (const chunk of chunks(links, SEEN_CHUNK)) {
            await trx
              .insertInto("visitor_accounts")
              .values(chunk)
              .onConflict((oc) =>
                oc.columns(["app_id", "visitor_id", "account_id"]).doUpdateSet({
                  first_seen: least(trx, sql.ref<number>("visitor_accounts.first_seen"), sql.ref<number>("excluded.first_seen")),
                  last_seen: greatest(trx, sql.ref<number>("visitor_accounts.last_seen"), sql.ref<number>("excluded.last_seen")),
                }),
              )
              .execute();
          }
          const names = [...b.eventNames].map(([name, first]) => ({ app_id: b.appId, name, first_seen: first }));
          for (const chunk of chunks(names, SEEN_CHUNK)) await trx.insertInto("event_names").values(chunk).onConflict((oc) => oc.doNothing()).execute();
        }
      });
    },
    async get(appId: string, kind: EntityKind, id: string): Promise<Entity | undefined> {
      const r = await db.selectFrom(table(kind)).selectAll().where("app_id", "=", appId).where("id", "=", id).executeTakeFirst();
      if (!r) return undefined;
      const e = toEntity(r);
      if (kind === "visitor") {
        const links = await db.selectFrom("visitor_accounts").select("account_id").where("app_id", "=", appId).where("visitor_id", "=", id).orderBy("account_id").execute();
        e.accounts = links.map((l) => l.account_id);
      } else {
        const n = await db.selectFrom("visitor_accounts").select(sql<number>`count(*)`.as("n")).where("app_id", "=", appId).where("account_id", "=", id).executeTakeFirstOrThrow();
        e.visitorsEver = Number(n.n);
      }
      return e;
    },
    /**
     * One page of an app's visitors or accounts by id. `q` keeps those whose id or any metadata
     * value (agent, custom or CRM; keys are not searched) contains it, ignoring case.
     */
    async list(appId: string, kind: EntityKind, page: { limit: number; offset: number; q?: string }): Promise<{ total: number; items: Entity[] }> {
      const t = table(kind);
      const q = page.q?.trim().toLowerCase() ?? "";
      // LIKE with its wildcards escaped, so "50%" or "a_b" are searched as written.
      const pattern = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      const inValues = (column: "agent" | "custom" | "crm") => jsonValueLike(db, sql.ref<string>(column), pattern);
      const base = db
        .selectFrom(t)
        .where("app_id", "=", appId)
        .$if(q !== "", (b) => b.where((eb) => eb.or([sql<boolean>`lower(id) like ${pattern} escape '\\'`, inValues("agent"), inValues("custom"), inValues("crm")])));
      const total = await base.select(sql<number>`count(*)`.as("n")).executeTakeFirstOrThrow();
      const rows = await base.selectAll().orderBy("id").limit(page.limit).offset(page.offset).execute();
      return { total: Number(total.n), items: rows.map(toEntity) };
    },
    /** Sets keys of the `custom` group (a null value removes the key); the entity must exist. */
    async setCustom(appId: string, kind: EntityKind, id: string, values: Metadata): Promise<Entity | undefined> {
      const t = table(kind);
      const r = await db
        .updateTable(t)
        .set({ custom: jsonMerge(db, sql.ref<string>("custom"), sql.val(JSON.stringify(values))) })
        .where("app_id", "=", appId)
        .where("id", "=", id)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) return undefined;
      return this.get(appId, kind, id);
    },
    /** Replaces the `crm` group of many entities (the CRM pull owns it entirely). */
    async replaceCrm(appId: string, kind: EntityKind, values: Map<string, Metadata>): Promise<number> {
      const t = table(kind);
      let n = 0;
      // One UPDATE … FROM (VALUES …) per chunk instead of one per entity: both engines name a
      // VALUES list's columns column1, column2, so the statement is the same on each.
      const rows = [...values].map(([id, m]) => sql`(${id}, ${JSON.stringify(m)})`);
      await db.transaction().execute(async (trx) => {
        for (const chunk of chunks(rows, SEEN_CHUNK)) {
          const r = await sql`UPDATE ${sql.table(t)} SET crm = v.column2 FROM (VALUES ${sql.join(chunk)}) AS v WHERE ${sql.ref(`${t}.app_id`)} = ${appId} AND ${sql.ref(`${t}.id`)} = v.column1`.execute(trx);
          n += Number(r.numAffectedRows ?? 0n);
        }
      });
      return n;
    },
    /** Every visitor or account of an app with its metadata (segment evaluation, reports). */
    async all(appId: string, kind: EntityKind): Promise<Entity[]> {
      const rows = await db.selectFrom(table(kind)).selectAll().where("app_id", "=", appId).execute();
      return rows.map(toEntity);
    },
    /** An account's visitors, most recently seen in it first, with when each was first and last seen there. */
    async visitorsOf(appId: string, accountId: string, page: { limit: number; offset: number }): Promise<{ total: number; items: (Entity & { firstSeenHere: number; lastSeenHere: number })[] }> {
      const base = db.selectFrom("visitor_accounts").where("visitor_accounts.app_id", "=", appId).where("visitor_accounts.account_id", "=", accountId);
      const total = await base.select(sql<number>`count(*)`.as("n")).executeTakeFirstOrThrow();
      const rows = await base
        .innerJoin("visitors", (j) => j.onRef("visitors.app_id", "=", "visitor_accounts.app_id").onRef("visitors.id", "=", "visitor_accounts.visitor_id"))
        .selectAll("visitors")
        .select(["visitor_accounts.first_seen as first_seen_here", "visitor_accounts.last_seen as last_seen_here"])
        .orderBy("visitor_accounts.last_seen", "desc")
        .orderBy("visitors.id")
        .limit(page.limit)
        .offset(page.offset)
        .execute();
      return { total: Number(total.n), items: rows.map((r) => ({ ...toEntity(r), firstSeenHere: Number(r.first_seen_here), lastSeenHere: Number(r.last_seen_here) })) };
    },
    /** Every visitor ↔ account pair of an app. */
    async links(appId: string): Promise<{ visitorId: string; accountId: string }[]> {
      const rows = await db.selectFrom("visitor_accounts").select(["visitor_id", "account_id"]).where("app_id", "=", appId).execute();
      return rows.map((r) => ({ visitorId: r.visitor_id, accountId: r.account_id }));
    },
    async eventNames(appId: string): Promise<string[]> {
      const rows = await db.selectFrom("event_names").select("name").where("app_id", "=", appId).execute();
      return rows.map((r) => r.name);
    },
    async allEventNames(): Promise<{ appId: string; name: string }[]> {
      const rows = await db.selectFrom("event_names").select(["app_id", "name"]).execute();
      return rows.map((r) => ({ appId: r.app_id, name: r.name }));
    },
  };
}

export type MetadataStore = ReturnType<typeof createMetadataStore>;
