import crypto from "node:crypto";
import { sql, type Kysely } from "kysely";
import type { ModuleMigrations, Records } from "../store/index.js";
import type { SalesforceGrant } from "../salesforce/index.js";
import type { Static } from "@sinclair/typebox";
// The types of what the API answers are its response schemas' (responses.ts), so the two cannot drift.
import type { LinkSettingsSchema, PullSettingsSchema, PushMappingSchema, RecordErrorSchema, SyncRunSchema } from "./responses.js";

/** Connection health as the admin sees it. */
export type ConnectionStatus = "connected" | "reconnect" | "pending-authorization";

/** The stored connection; secrets are sealed (AES-256-GCM) and never leave the server. */
export type StoredConnection = {
  loginUrl: string;
  clientId: string;
  clientSecret: string; // sealed
  grant: SalesforceGrant;
  username?: string;
  password?: string; // sealed
  session?: string; // sealed JSON SalesforceSession
  redirectUri?: string;
  /** A started authorization-code flow: its state, PKCE verifier and (hashed) the admin credential that started it. */
  pkce?: { state: string; verifier: string /* sealed */; owner?: string };
  apiVersion: string;
  /** Daily API requests Pendulum leaves for everyone else. */
  apiReserve: number;
  /** Only fields whose API name starts with this may be pushed to. */
  fieldPrefix: string;
  status: ConnectionStatus;
  message?: string;
  org?: { orgId: string; userId: string; username: string; displayName: string };
  apiUsage?: { used: number; limit: number; at: number };
};

/** Which CRM field holds the analytics id, per side. */
export type LinkSettings = Static<typeof LinkSettingsSchema>;
/** Fields pulled into the `crm` metadata group. */
export type PullSettings = Static<typeof PullSettingsSchema>;

/** A report's columns mapped to CRM fields (the article's "Salesforce Push" dialog). */
export type PushMapping = Static<typeof PushMappingSchema>;

export type RunStatus = "running" | "success" | "partial" | "failure";
/**
 * What a run did. `duplicates`, `unmatched`, `orphans` and `refused` are records skipped for data
 * reasons (the run's notices); `failed` counts steps that could not run at all (a deleted report,
 * an unset link field, a mapping the CRM no longer accepts).
 */
export type RunCounts = { read: number; changed: number; written: number; skipped: number; failed: number; duplicates: number; unmatched: number; orphans: number; refused: number };
/**
 * One record the run could not sync, with the CRM's error code where the CRM refused it.
 * `notice` marks a data problem in that record (the run went on without it) as opposed to a step
 * that failed. Codes: DUPLICATE_KEY, UNMATCHED (an analytics id no CRM record holds), ORPHAN (a
 * CRM record whose link value matches no analytics id), the CRM's own codes for refused values.
 */
export type RecordError = Static<typeof RecordErrorSchema>;
/** A sync run. `notices` counts the records it skipped for data reasons (each listed once per run, whichever steps met it); a `success` with notices lets a chain go on (ADR 0012). */
export type SyncRun = Static<typeof SyncRunSchema>;

type Tables = {
  sync_settings: { key: string; value: string };
  sync_push_mappings: { id: string; report_id: string; object: string; fields: string; daily_sync: number; created_at: number; updated_at: number };
  sync_runs: { id: string; status: string; pull: number; push: number; started_at: number; finished_at: number | null; counts: string; api_calls: number; message: string | null; errors: string; resumed: number };
  sync_run_writes: { run_id: string; mapping_id: string; record_id: string };
};

export const syncMigrations: ModuleMigrations = {
  "sync-0001-settings-mappings-runs": {
    async up(db: Kysely<unknown>) {
      await db.schema.createTable("sync_settings").addColumn("key", "text", (c) => c.primaryKey()).addColumn("value", "text", (c) => c.notNull()).execute();
      await db.schema
        .createTable("sync_push_mappings")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("report_id", "text", (c) => c.notNull())
        .addColumn("object", "text", (c) => c.notNull())
        .addColumn("fields", "text", (c) => c.notNull())
        .addColumn("daily_sync", "integer", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("sync_runs")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("pull", "integer", (c) => c.notNull())
        .addColumn("push", "integer", (c) => c.notNull())
        .addColumn("started_at", "bigint", (c) => c.notNull())
        .addColumn("finished_at", "bigint")
        .addColumn("counts", "text", (c) => c.notNull())
        .addColumn("api_calls", "integer", (c) => c.notNull())
        .addColumn("message", "text")
        .addColumn("errors", "text", (c) => c.notNull())
        .addColumn("resumed", "integer", (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex("sync_runs_by_start").on("sync_runs").column("started_at").execute();
      // A run's progress: the records it has written, so a resumed run never writes them again.
      await db.schema
        .createTable("sync_run_writes")
        .addColumn("run_id", "text", (c) => c.notNull())
        .addColumn("mapping_id", "text", (c) => c.notNull())
        .addColumn("record_id", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("sync_run_writes_pk", ["run_id", "mapping_id", "record_id"])
        .execute();
    },
  },
};

export const emptyCounts = (): RunCounts => ({ read: 0, changed: 0, written: 0, skipped: 0, failed: 0, duplicates: 0, unmatched: 0, orphans: 0, refused: 0 });

/** Records a run skipped for data reasons. */
export const noticesOf = (c: RunCounts): number => c.duplicates + c.unmatched + (c.orphans ?? 0) + (c.refused ?? 0);

/** Settings, push mappings, runs and run progress over the records store. */
export function createSyncStore(records: Records, now: () => number) {
  const db = records.db.withTables<Tables>();
  const toRun = (r: Tables["sync_runs"]): SyncRun => {
    // Runs stored before notices existed lack the newer counts.
    const counts = { ...emptyCounts(), ...(JSON.parse(r.counts) as Partial<RunCounts>) };
    return {
    id: r.id,
    status: r.status as RunStatus,
    pull: Boolean(r.pull),
    push: Boolean(r.push),
    startedAt: Number(r.started_at),
    finishedAt: r.finished_at === null ? null : Number(r.finished_at),
    counts,
    notices: noticesOf(counts),
    apiCalls: Number(r.api_calls),
    message: r.message,
    errors: JSON.parse(r.errors) as RecordError[],
    resumed: Number(r.resumed),
  };
  };
  const toMapping = (r: Tables["sync_push_mappings"]): PushMapping => ({
    id: r.id,
    reportId: r.report_id,
    object: r.object as PushMapping["object"],
    fields: JSON.parse(r.fields) as PushMapping["fields"],
    dailySync: Boolean(r.daily_sync),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  });
  return {
    async getSetting<T>(key: string): Promise<T | undefined> {
      const r = await db.selectFrom("sync_settings").select("value").where("key", "=", key).executeTakeFirst();
      return r ? (JSON.parse(r.value) as T) : undefined;
    },
    async setSetting(key: string, value: unknown): Promise<void> {
      const v = JSON.stringify(value);
      await db.insertInto("sync_settings").values({ key, value: v }).onConflict((oc) => oc.column("key").doUpdateSet({ value: v })).execute();
    },
    async deleteSetting(key: string): Promise<void> {
      await db.deleteFrom("sync_settings").where("key", "=", key).execute();
    },
    async listMappings(): Promise<PushMapping[]> {
      return (await db.selectFrom("sync_push_mappings").selectAll().orderBy("created_at").execute()).map(toMapping);
    },
    async getMapping(id: string): Promise<PushMapping | undefined> {
      const r = await db.selectFrom("sync_push_mappings").selectAll().where("id", "=", id).executeTakeFirst();
      return r ? toMapping(r) : undefined;
    },
    async saveMapping(m: Omit<PushMapping, "id" | "createdAt" | "updatedAt"> & { id?: string }): Promise<PushMapping> {
      const existing = m.id ? await this.getMapping(m.id) : undefined;
      const row = { id: m.id ?? crypto.randomUUID(), report_id: m.reportId, object: m.object, fields: JSON.stringify(m.fields), daily_sync: m.dailySync ? 1 : 0, created_at: existing?.createdAt ?? now(), updated_at: now() };
      if (existing) await db.updateTable("sync_push_mappings").set(row).where("id", "=", row.id).execute();
      else await db.insertInto("sync_push_mappings").values(row).execute();
      return toMapping(row);
    },
    async deleteMapping(id: string): Promise<boolean> {
      return Number((await db.deleteFrom("sync_push_mappings").where("id", "=", id).executeTakeFirst()).numDeletedRows) > 0;
    },
    async createRun(o: { pull: boolean; push: boolean }): Promise<SyncRun> {
      const row = { id: crypto.randomUUID(), status: "running", pull: o.pull ? 1 : 0, push: o.push ? 1 : 0, started_at: now(), finished_at: null, counts: JSON.stringify(emptyCounts()), api_calls: 0, message: null, errors: "[]", resumed: 0 };
      await db.insertInto("sync_runs").values(row).execute();
      return toRun(row);
    },
    async getRun(id: string): Promise<SyncRun | undefined> {
      const r = await db.selectFrom("sync_runs").selectAll().where("id", "=", id).executeTakeFirst();
      return r ? toRun(r) : undefined;
    },
    async listRuns(limit: number): Promise<SyncRun[]> {
      return (await db.selectFrom("sync_runs").selectAll().orderBy("started_at", "desc").limit(limit).execute()).map(toRun);
    },
    async runningRuns(): Promise<SyncRun[]> {
      return (await db.selectFrom("sync_runs").selectAll().where("status", "=", "running").orderBy("started_at").execute()).map(toRun);
    },
    /** Saves a run's state; `finish` closes it. */
    async saveRun(run: SyncRun): Promise<void> {
      await db
        .updateTable("sync_runs")
        .set({ status: run.status, finished_at: run.finishedAt, counts: JSON.stringify(run.counts), api_calls: run.apiCalls, message: run.message, errors: JSON.stringify(run.errors), resumed: run.resumed })
        .where("id", "=", run.id)
        .execute();
    },
    /** Records written by a run for one mapping (progress survives a crash). */
    async written(runId: string, mappingId: string): Promise<Set<string>> {
      const rows = await db.selectFrom("sync_run_writes").select("record_id").where("run_id", "=", runId).where("mapping_id", "=", mappingId).execute();
      return new Set(rows.map((r) => r.record_id));
    },
    async countWritten(runId: string): Promise<number> {
      const r = await db.selectFrom("sync_run_writes").select(sql<number>`count(*)`.as("n")).where("run_id", "=", runId).executeTakeFirstOrThrow();
      return Number(r.n);
    },
    async markWritten(runId: string, mappingId: string, recordIds: string[]): Promise<void> {
      if (recordIds.length === 0) return;
      await db.transaction().execute(async (trx) => {
        for (let i = 0; i < recordIds.length; i += 300) {
          const values = recordIds.slice(i, i + 300).map((record_id) => ({ run_id: runId, mapping_id: mappingId, record_id }));
          await trx.insertInto("sync_run_writes").values(values).onConflict((oc) => oc.doNothing()).execute();
        }
      });
    },
  };
}

export type SyncStore = ReturnType<typeof createSyncStore>;
