import type { Kysely } from "kysely";
import type { ModuleMigrations } from "../store/index.js";
import { counterOf, makeId, KEY_PREFIX } from "./ids.js";
import { SfError } from "./errors.js";
import { buildObject, columnType, CUSTOM_FIELD_NAME, CUSTOM_FIELD_OBJECT, CUSTOM_FIELD_TYPES, customFieldDef, q, STANDARD_OBJECTS, STANDARD_PROFILES, type CustomFieldRow, type ObjectDef } from "./metadata.js";
import { all, exec, onPostgres, PG_NOCASE, rowOrder, type Db } from "./sql.js";

/**
 * How full PostgreSQL packs a record table's pages (percent). An update writes a new version of
 * the row; with room left on its page and no indexed column changed it stays there (a HOT
 * update) and no index gets a new entry. Packed full (the default, 100), every first update of a
 * bulk-loaded record moves to another page and adds an entry to each of the table's indexes: a
 * Collections update of 200 records took about a third longer for it (measured on 5,000 rows).
 */
const RECORD_FILLFACTOR = 80;

/**
 * Creates the CRM's tables if they are missing. Idempotent, so both the migration and
 * `pendulum crm field add` (which may run before the server ever started) call it.
 */
export async function ensureCrmSchema(db: Db): Promise<void> {
  const pg = onPostgres(db);
  if (pg) {
    // NOCASE's counterpart: ICU's root locale at strength 2 ignores case, not accents.
    const found = await all(db, `SELECT 1 FROM pg_collation WHERE collname = ?`, [PG_NOCASE]);
    if (found.length === 0) await exec(db, `CREATE COLLATION ${PG_NOCASE} (provider = icu, locale = 'und-u-ks-level2', deterministic = false)`);
  }
  for (const spec of [...STANDARD_OBJECTS, CUSTOM_FIELD_OBJECT]) {
    const obj = buildObject(spec);
    // Ids are base62 whose byte order is their counter's order (nextCounter reads max("Id")).
    const cols = obj.fields.map((f) => (f.name === "Id" ? `"Id" TEXT${pg ? ` COLLATE "C"` : ""} PRIMARY KEY` : `${q(f.name)} ${columnType(f, pg ? "postgres" : "sqlite")}`));
    if (obj.name === "CustomField") cols.push(`"Picklist" TEXT`);
    if (pg) cols.push(`"_row" BIGSERIAL`);
    await exec(db, `CREATE TABLE IF NOT EXISTS ${q(obj.table)} (${cols.join(", ")})${pg ? ` WITH (fillfactor = ${RECORD_FILLFACTOR})` : ""}`);
    // Tables made before the setting get it too (it shapes the pages written from now on).
    if (pg) {
      const opts = await all(db, `SELECT 1 FROM pg_class WHERE oid = to_regclass(?) AND coalesce(reloptions, '{}') @> ARRAY[?]`, [obj.table, `fillfactor=${RECORD_FILLFACTOR}`]);
      if (opts.length === 0) await exec(db, `ALTER TABLE ${q(obj.table)} SET (fillfactor = ${RECORD_FILLFACTOR})`);
    }
    // Every SOQL page is ORDER BY … "_row" LIMIT/OFFSET: without an index PostgreSQL sorts the
    // whole table for each page (SQLite's rowid is the table's own order and costs nothing).
    if (pg) await exec(db, `CREATE UNIQUE INDEX IF NOT EXISTS ${q(`${obj.table}_row`)} ON ${q(obj.table)} ("_row")`);
    // Every process draws this table's id counters from one sequence (see takeCounters).
    if (pg) await exec(db, `CREATE SEQUENCE IF NOT EXISTS ${q(idSequence(obj.table))}`);
    // Standard fields added in later releases (User.ProfileId, Organization.NamespacePrefix…) reach tables created before them.
    const columns = pg
      ? await all(db, `SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?`, [obj.table])
      : await all(db, `PRAGMA table_info(${q(obj.table)})`);
    const existing = new Set(columns.map((r) => String(r["name"]).toLowerCase()));
    for (const f of obj.fields) if (!existing.has(f.name.toLowerCase())) await exec(db, `ALTER TABLE ${q(obj.table)} ADD COLUMN ${q(f.name)} ${columnType(f, pg ? "postgres" : "sqlite")}`);
  }
  await seedProfiles(db);
  await exec(db, `CREATE UNIQUE INDEX IF NOT EXISTS crm_user_username ON crm_user ("Username")`);
  await exec(db, `CREATE INDEX IF NOT EXISTS crm_contact_account ON crm_contact ("AccountId")`);
  await exec(db, `CREATE UNIQUE INDEX IF NOT EXISTS crm_fields_fullname ON crm_fields ("FullName")`);
  await exec(
    db,
    `CREATE TABLE IF NOT EXISTS crm_connected_apps (client_id TEXT PRIMARY KEY, secret_hash TEXT NOT NULL, name TEXT NOT NULL, redirect_uri TEXT, public_key_pem TEXT, run_as_user_id TEXT, created_at BIGINT NOT NULL)`,
  );
  await exec(db, `CREATE TABLE IF NOT EXISTS crm_credentials (user_id TEXT PRIMARY KEY, password_hash TEXT NOT NULL)`);
  await exec(
    db,
    `CREATE TABLE IF NOT EXISTS crm_tokens (token_hash TEXT PRIMARY KEY, kind TEXT NOT NULL, user_id TEXT NOT NULL, client_id TEXT NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT, revoked_at BIGINT, code_challenge TEXT, redirect_uri TEXT, parent_hash TEXT)`,
  );
  await exec(db, `CREATE TABLE IF NOT EXISTS crm_api_usage (day TEXT PRIMARY KEY, used BIGINT NOT NULL)`);
  // Bulk API 2.0 ingest jobs, their uploads (kept until the job ends) and each chunk's results.
  await exec(
    db,
    `CREATE TABLE IF NOT EXISTS crm_bulk_jobs (id TEXT PRIMARY KEY, object TEXT NOT NULL, operation TEXT NOT NULL, external_id_field TEXT, created_by TEXT NOT NULL, created_date TEXT NOT NULL, modstamp TEXT NOT NULL, state TEXT NOT NULL, line_ending TEXT NOT NULL, column_delimiter TEXT NOT NULL, api_version TEXT NOT NULL, header TEXT, uploads INTEGER NOT NULL, processed INTEGER NOT NULL, failed INTEGER NOT NULL, started BIGINT NOT NULL, finished BIGINT NOT NULL, error_message TEXT)`,
  );
  await exec(db, `CREATE TABLE IF NOT EXISTS crm_bulk_uploads (job_id TEXT NOT NULL, seq INTEGER NOT NULL, csv TEXT NOT NULL, PRIMARY KEY (job_id, seq))`);
  await exec(db, `CREATE TABLE IF NOT EXISTS crm_bulk_results (job_id TEXT NOT NULL, first_row INTEGER NOT NULL, success TEXT NOT NULL, failures TEXT NOT NULL, PRIMARY KEY (job_id, first_row))`);
  // Registered callback URLs (a JSON array) and whether the app is a public client (PKCE, no secret).
  await addColumnIfMissing(db, "crm_connected_apps", "callback_urls", "TEXT");
  await addColumnIfMissing(db, "crm_connected_apps", "is_public", "INTEGER NOT NULL DEFAULT 0");
  // An app's single redirect URI of old becomes its first registered callback URL.
  await exec(db, `UPDATE crm_connected_apps SET callback_urls = ${onPostgres(db) ? "json_build_array(redirect_uri)::text" : "json_array(redirect_uri)"} WHERE callback_urls IS NULL AND redirect_uri IS NOT NULL`);
}

async function addColumnIfMissing(db: Db, table: string, column: string, type: string): Promise<void> {
  if (onPostgres(db)) {
    await exec(db, `ALTER TABLE ${q(table)} ADD COLUMN IF NOT EXISTS ${q(column)} ${type}`);
    return;
  }
  const cols = await all(db, `SELECT name FROM pragma_table_info('${table}')`);
  if (!cols.some((c) => c["name"] === column)) await exec(db, `ALTER TABLE ${q(table)} ADD COLUMN ${q(column)} ${type}`);
}

/** The id of a standard profile (they are numbered in STANDARD_PROFILES order, so ids never change). */
export function profileId(name: (typeof STANDARD_PROFILES)[number]["name"]): string {
  return makeId(KEY_PREFIX.Profile, STANDARD_PROFILES.findIndex((p) => p.name === name) + 1);
}

/** Inserts the standard profiles that are missing and gives users without a profile System Administrator. */
async function seedProfiles(db: Db): Promise<void> {
  const epoch = "2024-01-01T00:00:00.000Z";
  for (const [i, p] of STANDARD_PROFILES.entries()) {
    await exec(
      db,
      `INSERT INTO crm_profile ("Id", "Name", "Description", "UserType", "CreatedDate", "LastModifiedDate", "SystemModstamp", "IsDeleted") VALUES (?, ?, ?, 'Standard', ?, ?, ?, 0) ON CONFLICT ("Id") DO NOTHING`,
      [makeId(KEY_PREFIX.Profile, i + 1), p.name, p.description, epoch, epoch, epoch],
    );
  }
  await exec(db, `UPDATE crm_user SET "ProfileId" = ? WHERE "ProfileId" IS NULL`, [profileId("System Administrator")]);
}

/** The CRM module's migrations. */
export const crmMigrations: ModuleMigrations = {
  "crm-0001-objects": {
    async up(db: Kysely<unknown>) {
      await ensureCrmSchema(db);
    },
  },
  // Profile, User.ProfileId and the Organization fields the Salesforce CLI reads.
  "crm-0002-cli-schema": {
    async up(db: Kysely<unknown>) {
      await ensureCrmSchema(db);
    },
  },
  // Issue 15: registered callback URLs and public clients on connected apps.
  "crm-0003-callback-urls": {
    async up(db: Kysely<unknown>) {
      await ensureCrmSchema(db);
    },
  },
  // Issue 15: Bulk API 2.0 ingest jobs survive a restart.
  "crm-0004-bulk-jobs": {
    async up(db: Kysely<unknown>) {
      await ensureCrmSchema(db);
    },
  },
  // Issue 17: an index on PostgreSQL's insertion-order column, so paging never sorts the table.
  "crm-0005-row-index": {
    async up(db: Kysely<unknown>) {
      await ensureCrmSchema(db);
    },
  },
  // Issue 17: on PostgreSQL, one id sequence per object table shared by every process.
  "crm-0006-id-sequences": {
    async up(db: Kysely<unknown>) {
      await ensureCrmSchema(db);
    },
  },
};

/** PostgreSQL: the sequence every process takes a table's id counters from. */
export function idSequence(table: string): string {
  return `${table}_ids`;
}

/**
 * PostgreSQL: moves a table's id sequence past its largest id, for records that came without it
 * (tables made before the sequences, records copied in by migrate-records). It draws the gap with
 * nextval rather than calling setval: nextval only ever moves forward, so this is safe while
 * another process draws ids from the same sequence, where a setval could hand out an id twice.
 */
export async function catchUpIdSequence(db: Db, table: string): Promise<void> {
  const largest = (await nextCounter(db, table)) - 1;
  if (largest <= 0) return;
  const seq = `'${idSequence(table)}'`;
  const rows = await all(db, `SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END AS n FROM ${q(idSequence(table))}`);
  const gap = largest - Number(rows[0]?.["n"] ?? 0);
  if (gap > 0) await exec(db, `SELECT max(nextval(${seq})) FROM generate_series(1, ?)`, [gap]);
}

/**
 * `n` id counters of a table that nobody else holds. On PostgreSQL they come from the table's
 * sequence (nextval never gives a value twice, whatever the connection or process, and ignores
 * rollbacks); call catchUpIdSequence once per process first. On SQLite one process owns the
 * records, so the counters follow the table's largest id.
 */
export async function takeCounters(db: Db, table: string, n: number): Promise<number[]> {
  if (!onPostgres(db)) {
    const first = await nextCounter(db, table);
    return Array.from({ length: n }, (_, k) => first + k);
  }
  const rows = await all(db, `SELECT nextval('${idSequence(table)}') AS n FROM generate_series(1, ?)`, [n]);
  return rows.map((r) => Number(r["n"]));
}

/** One fresh id counter for the rarely written tables (users, the organization, custom fields). */
export async function takeCounter(db: Db, table: string): Promise<number> {
  if (onPostgres(db)) await catchUpIdSequence(db, table);
  return (await takeCounters(db, table, 1))[0] as number;
}

/**
 * The next free id counter of a table, read from its largest id. Fixed-width base62 in ASCII
 * order sorts like the numbers it spells, so max(Id) is the highest counter handed out.
 */
export async function nextCounter(db: Db, table: string): Promise<number> {
  const rows = await all(db, `SELECT max("Id") AS m FROM ${q(table)}`);
  const m = rows[0]?.["m"];
  return typeof m === "string" ? counterOf(m) + 1 : 1;
}

/** Loads every object definition, standard fields first, then custom fields in creation order. */
export async function loadObjects(db: Db): Promise<Map<string, ObjectDef>> {
  const rows = (await all(db, `SELECT * FROM crm_fields WHERE "IsDeleted" = 0 ORDER BY ${rowOrder(db)}`)) as unknown as CustomFieldRow[];
  const out = new Map<string, ObjectDef>();
  for (const spec of [...STANDARD_OBJECTS, CUSTOM_FIELD_OBJECT]) {
    const custom = rows.filter((r) => r.TableEnumOrId.toLowerCase() === spec.name.toLowerCase()).map(customFieldDef);
    out.set(spec.name.toLowerCase(), buildObject(spec, custom));
  }
  return out;
}

/**
 * Gives each object's table the columns (and indexes) of the custom fields recorded in
 * `crm_fields` that it lacks. A workspace copied to another engine (`pendulum migrate-records`)
 * brings its field rows but not the columns `addCustomField` once added; this adds them with the
 * target engine's column types. Returns how many columns it added.
 */
export async function ensureCustomColumns(db: Db): Promise<number> {
  const pg = onPostgres(db);
  let added = 0;
  for (const obj of (await loadObjects(db)).values()) {
    const columns = pg
      ? await all(db, `SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?`, [obj.table])
      : await all(db, `SELECT name FROM pragma_table_info('${obj.table}')`);
    const existing = new Set(columns.map((r) => String(r["name"]).toLowerCase()));
    for (const f of obj.fields) {
      if (!f.custom || existing.has(f.name.toLowerCase())) continue;
      await exec(db, `ALTER TABLE ${q(obj.table)} ADD COLUMN ${q(f.name)} ${columnType(f, pg ? "postgres" : "sqlite")}`);
      await indexCustomColumn(db, obj.table, f.name, f.unique, f.externalId);
      added++;
    }
  }
  return added;
}

/** The index a unique or external-id custom field gets, so lookups and upserts by it stay fast. */
async function indexCustomColumn(db: Db, table: string, name: string, unique: boolean, externalId: boolean): Promise<void> {
  const index = q(`${table}_${name.toLowerCase()}`);
  if (unique) await exec(db, `CREATE UNIQUE INDEX IF NOT EXISTS ${index} ON ${q(table)} (${q(name)})`);
  else if (externalId) await exec(db, `CREATE INDEX IF NOT EXISTS ${index} ON ${q(table)} (${q(name)})`);
}

/** What a caller asks for when adding a custom field. */
export type NewCustomField = {
  object: string;
  /** API name ending in __c. */
  name: string;
  type: string;
  label?: string;
  length?: number;
  precision?: number;
  scale?: number;
  externalId?: boolean;
  unique?: boolean;
  picklist?: string[];
};

/**
 * Adds a custom field: one metadata row plus ALTER TABLE ADD COLUMN, in one transaction,
 * so describe and SOQL see it as soon as this returns.
 */
export async function addCustomField(db: Kysely<object>, input: NewCustomField, now: number): Promise<{ id: string; object: ObjectDef }> {
  const objects = await loadObjects(db);
  const obj = objects.get(input.object.toLowerCase());
  if (!obj || obj.name === "CustomField") throw new SfError(400, "INVALID_TYPE", `sObject type '${input.object}' is not supported.`);
  if (!CUSTOM_FIELD_NAME.test(input.name)) {
    throw new SfError(400, "INVALID_FIELD", `Custom field names look like Pendo_Health__c (letters, digits, single underscores, ending in __c); got '${input.name}'.`, ["FullName"]);
  }
  const type = CUSTOM_FIELD_TYPES.find((t) => t.toLowerCase() === input.type.toLowerCase());
  if (!type) throw new SfError(400, "INVALID_TYPE", `Field type '${input.type}' is not supported; use one of ${CUSTOM_FIELD_TYPES.join(", ")}.`, ["Metadata.type"]);
  if (obj.byLowerName.has(input.name.toLowerCase())) {
    throw new SfError(400, "DUPLICATE_DEVELOPER_NAME", `There is already a field named ${input.name} on ${obj.name}.`, ["FullName"]);
  }
  const numeric = type === "Number" || type === "Currency" || type === "Percent";
  const precision = numeric ? (input.precision ?? 18) : null;
  const scale = numeric ? (input.scale ?? 0) : null;
  if (precision !== null && (precision < 1 || precision > 18 || scale === null || scale < 0 || scale > precision)) {
    throw new SfError(400, "FIELD_INTEGRITY_EXCEPTION", `Precision must be 1-18 and scale 0-precision; got ${precision}/${scale}.`, ["Metadata.precision"]);
  }
  const textual = type === "Text" || type === "Email" || type === "Url" || type === "LongTextArea" || type === "Picklist";
  const length = textual ? (input.length ?? (type === "LongTextArea" ? 32768 : 255)) : null;
  if (length !== null && (length < 1 || length > 131072)) throw new SfError(400, "FIELD_INTEGRITY_EXCEPTION", `Length must be 1-131072; got ${length}.`, ["Metadata.length"]);
  const externalId = input.externalId === true && (type === "Text" || type === "Number" || type === "Email");
  const unique = input.unique === true && (type === "Text" || type === "Number" || type === "Email");
  const developerName = input.name.replace(/__c$/, "");
  const stamp = new Date(now).toISOString();
  let id = "";
  await db.transaction().execute(async (trx) => {
    id = makeId(KEY_PREFIX.CustomField, await takeCounter(trx, "crm_fields"));
    const def = customFieldDef({
      Id: id,
      DeveloperName: developerName,
      TableEnumOrId: obj.name,
      FullName: `${obj.name}.${input.name}`,
      DataType: type,
      Label: input.label ?? developerName.replace(/_/g, " "),
      Length: length,
      Precision: precision,
      Scale: scale,
      ExternalId: externalId ? 1 : 0,
      IsUnique: unique ? 1 : 0,
      Picklist: null,
      CreatedDate: stamp,
    });
    await exec(
      trx,
      `INSERT INTO crm_fields ("Id", "DeveloperName", "TableEnumOrId", "FullName", "DataType", "Label", "Length", "Precision", "Scale", "ExternalId", "IsUnique", "Picklist", "CreatedDate", "LastModifiedDate", "SystemModstamp", "IsDeleted", "NamespacePrefix")
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, NULL)`,
      [id, developerName, obj.name, `${obj.name}.${input.name}`, type, def.label, length, precision, scale, externalId ? 1 : 0, unique ? 1 : 0, input.picklist ? JSON.stringify(input.picklist) : null, stamp, stamp, stamp],
    );
    await exec(trx, `ALTER TABLE ${q(obj.table)} ADD COLUMN ${q(input.name)} ${columnType(def, onPostgres(trx) ? "postgres" : "sqlite")}`);
    await indexCustomColumn(trx, obj.table, input.name, unique, externalId);
  });
  const reloaded = (await loadObjects(db)).get(obj.name.toLowerCase()) as ObjectDef;
  return { id, object: reloaded };
}
