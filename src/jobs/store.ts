import crypto from "node:crypto";
import type { Kysely } from "kysely";
import type { ModuleMigrations, Records } from "../store/index.js";
import type { Static } from "@sinclair/typebox";
import type { JobRunSchema, JobSchema } from "./responses.js";

export type RunStatus = "running" | "success" | "partial" | "failure";
export type Trigger = "schedule" | "manual" | "startup" | "chain";

/** A job: a kind of work (sync, rule, chain…) with its parameters and an optional schedule. */
/** A job as stored and answered: its type is the API's response schema's, so the two cannot drift. */
export type Job = Static<typeof JobSchema>;
/** One run of a job, kept as history. `notices`: records the work skipped for data reasons while succeeding (ADR 0012). */
/** A run as stored and answered (the API's response schema). */
export type JobRun = Static<typeof JobRunSchema>;

/** What marking orphaned runs considers: alone, every `running` run is a dead process's; shared, only those whose lock lapsed. */
export type OrphanScope = "alone" | "shared";

type JobTables = {
  jobs: { id: string; name: string; kind: string; params: string; schedule: string | null; time_zone: string; enabled: number; next_run_at: number | null; created_at: number; updated_at: number };
  job_runs: { id: string; job_id: string; trigger: string; parent_run_id: string | null; status: string; started_at: number; finished_at: number | null; summary: string; notices: number; error: string | null; owner: string | null; due_at: number | null };
  job_locks: { job_id: string; owner: string; expires_at: number };
};

export const jobsMigrations: ModuleMigrations = {
  "jobs-0001-jobs": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("jobs")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("name", "text", (c) => c.notNull().unique())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("params", "text", (c) => c.notNull())
        .addColumn("schedule", "text")
        .addColumn("time_zone", "text", (c) => c.notNull())
        .addColumn("enabled", "integer", (c) => c.notNull())
        .addColumn("next_run_at", "bigint")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("job_runs")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("job_id", "text", (c) => c.notNull())
        .addColumn("trigger", "text", (c) => c.notNull())
        .addColumn("parent_run_id", "text")
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("started_at", "bigint", (c) => c.notNull())
        .addColumn("finished_at", "bigint")
        .addColumn("summary", "text", (c) => c.notNull())
        .addColumn("error", "text")
        .execute();
      await db.schema.createIndex("job_runs_by_job").on("job_runs").columns(["job_id", "started_at"]).execute();
      await db.schema
        .createTable("job_locks")
        .addColumn("job_id", "text", (c) => c.primaryKey())
        .addColumn("owner", "text", (c) => c.notNull())
        .addColumn("expires_at", "bigint", (c) => c.notNull())
        .execute();
    },
  },
  "jobs-0002-notices": {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable("job_runs").addColumn("notices", "integer", (c) => c.notNull().defaultTo(0)).execute();
    },
  },
  // The lock owner of each run: with several processes, a run is orphaned when its owner's lock lapsed (ADR 0018).
  "jobs-0003-run-owner": {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable("job_runs").addColumn("owner", "text").execute();
      // The due time a scheduled run was for: with several processes, the proof that each ran once.
      await db.schema.alterTable("job_runs").addColumn("due_at", "bigint").execute();
      await db.schema.createIndex("job_runs_by_status").on("job_runs").columns(["status"]).execute();
    },
  },
};

const toJob = (r: JobTables["jobs"]): Job => ({
  id: r.id,
  name: r.name,
  kind: r.kind,
  params: JSON.parse(r.params) as Record<string, unknown>,
  schedule: r.schedule,
  timeZone: r.time_zone,
  enabled: r.enabled === 1,
  nextRunAt: r.next_run_at === null ? null : Number(r.next_run_at),
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});
const toRun = (r: JobTables["job_runs"]): JobRun => ({
  id: r.id,
  jobId: r.job_id,
  trigger: r.trigger as Trigger,
  parentRunId: r.parent_run_id,
  status: r.status as RunStatus,
  startedAt: Number(r.started_at),
  finishedAt: r.finished_at === null ? null : Number(r.finished_at),
  summary: JSON.parse(r.summary) as Record<string, unknown>,
  notices: Number(r.notices ?? 0),
  error: r.error,
  dueAt: r.due_at === null || r.due_at === undefined ? null : Number(r.due_at),
});

export type JobInput = { name: string; kind: string; params: Record<string, unknown>; schedule: string | null; timeZone: string; enabled: boolean; nextRunAt: number | null };

/** Jobs, their runs and their locks over the records store (shared by every process on it). */
export function createJobStore(records: Records) {
  const db = records.db.withTables<JobTables>();
  return {
    async list(): Promise<Job[]> {
      return (await db.selectFrom("jobs").selectAll().orderBy("name").execute()).map(toJob);
    },
    async get(idOrName: string): Promise<Job | undefined> {
      const r = await db.selectFrom("jobs").selectAll().where((eb) => eb.or([eb("id", "=", idOrName), eb("name", "=", idOrName)])).executeTakeFirst();
      return r ? toJob(r) : undefined;
    },
    async save(input: JobInput, id: string | undefined, now: number): Promise<Job> {
      const row = { name: input.name, kind: input.kind, params: JSON.stringify(input.params), schedule: input.schedule, time_zone: input.timeZone, enabled: input.enabled ? 1 : 0, next_run_at: input.nextRunAt, updated_at: now };
      if (id) {
        await db.updateTable("jobs").set(row).where("id", "=", id).execute();
        return (await this.get(id)) as Job;
      }
      const created = { ...row, id: crypto.randomUUID(), created_at: now };
      await db.insertInto("jobs").values(created).execute();
      return toJob(created);
    },
    async delete(id: string): Promise<boolean> {
      return Number((await db.deleteFrom("jobs").where("id", "=", id).executeTakeFirst()).numDeletedRows) > 0;
    },
    async due(now: number): Promise<Job[]> {
      return (await db.selectFrom("jobs").selectAll().where("enabled", "=", 1).where("next_run_at", "is not", null).where("next_run_at", "<=", now).orderBy("next_run_at").execute()).map(toJob);
    },
    async setNextRun(id: string, nextRunAt: number | null): Promise<void> {
      await db.updateTable("jobs").set({ next_run_at: nextRunAt }).where("id", "=", id).execute();
    },
    /**
     * Claims one due time of a job: moves its next run from `dueAt` to `nextRunAt` only if no one
     * moved it first. One conditional update, so of two processes that both saw the job due,
     * exactly one runs it (the other's update finds the time already moved).
     */
    async claimDue(id: string, dueAt: number, nextRunAt: number | null): Promise<boolean> {
      const r = await db.updateTable("jobs").set({ next_run_at: nextRunAt }).where("id", "=", id).where("next_run_at", "=", dueAt).where("enabled", "=", 1).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    /**
     * Takes the job's lock for one run unless another run holds it and has not expired; true when
     * taken. One statement, so two processes racing on a shared PostgreSQL cannot both win: the
     * insert or the takeover of an expired lock happens, or neither (the row is locked meanwhile).
     */
    async lock(jobId: string, owner: string, now: number, ttlMs: number): Promise<boolean> {
      const r = await db
        .insertInto("job_locks")
        .values({ job_id: jobId, owner, expires_at: now + ttlMs })
        .onConflict((oc) =>
          oc
            .column("job_id")
            .doUpdateSet({ owner, expires_at: now + ttlMs })
            .where("job_locks.expires_at", "<=", now),
        )
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
    },
    /** Extends a held lock; false when it is no longer this owner's (it lapsed and was taken over). */
    async renewLock(jobId: string, owner: string, now: number, ttlMs: number): Promise<boolean> {
      const r = await db.updateTable("job_locks").set({ expires_at: now + ttlMs }).where("job_id", "=", jobId).where("owner", "=", owner).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async unlock(jobId: string, owner: string): Promise<void> {
      await db.deleteFrom("job_locks").where("job_id", "=", jobId).where("owner", "=", owner).execute();
    },
    async startRun(jobId: string, trigger: Trigger, parentRunId: string | null, now: number, owner: string | null = null, dueAt: number | null = null): Promise<JobRun> {
      const row = { id: crypto.randomUUID(), job_id: jobId, trigger, parent_run_id: parentRunId, status: "running", started_at: now, finished_at: null, summary: "{}", notices: 0, error: null, owner, due_at: dueAt };
      await db.insertInto("job_runs").values(row).execute();
      return toRun(row);
    },
    async finishRun(id: string, status: Exclude<RunStatus, "running">, summary: Record<string, unknown>, error: string | null, now: number, notices = 0): Promise<JobRun> {
      await db.updateTable("job_runs").set({ status, summary: JSON.stringify(summary), notices, error, finished_at: now }).where("id", "=", id).execute();
      return toRun(await db.selectFrom("job_runs").selectAll().where("id", "=", id).executeTakeFirstOrThrow());
    },
    /**
     * Runs left `running` by a process that died, marked failed. Alone (SQLite), every running run
     * and every lock is a dead process's. Shared, a run is orphaned only when its owner's lock has
     * lapsed (a live process renews its locks), so a starting process leaves the others' runs be.
     */
    async failOrphans(now: number, scope: OrphanScope = "alone"): Promise<number> {
      const failed = { status: "failure", error: "The Pendulum process running this run stopped while it was in progress", finished_at: now };
      if (scope === "alone") {
        const r = await db.updateTable("job_runs").set(failed).where("status", "=", "running").executeTakeFirst();
        await db.deleteFrom("job_locks").execute();
        return Number(r.numUpdatedRows);
      }
      const r = await db
        .updateTable("job_runs")
        .set(failed)
        .where("status", "=", "running")
        .where((eb) => eb.or([eb("owner", "is", null), eb.not(eb.exists(eb.selectFrom("job_locks").select("job_locks.job_id").whereRef("job_locks.owner", "=", "job_runs.owner").where("job_locks.expires_at", ">", now)))]))
        .executeTakeFirst();
      return Number(r.numUpdatedRows);
    },
    async runs(jobId: string, limit: number): Promise<JobRun[]> {
      return (await db.selectFrom("job_runs").selectAll().where("job_id", "=", jobId).orderBy("started_at", "desc").limit(limit).execute()).map(toRun);
    },
    async run(id: string): Promise<JobRun | undefined> {
      const r = await db.selectFrom("job_runs").selectAll().where("id", "=", id).executeTakeFirst();
      return r ? toRun(r) : undefined;
    },
    async childRuns(parentRunId: string): Promise<JobRun[]> {
      return (await db.selectFrom("job_runs").selectAll().where("parent_run_id", "=", parentRunId).orderBy("started_at").execute()).map(toRun);
    },
  };
}

export type JobStore = ReturnType<typeof createJobStore>;
