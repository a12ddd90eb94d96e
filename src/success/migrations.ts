import { sql, type Kysely } from "kysely";
import type { ModuleMigrations } from "../store/index.js";

/** The success module's tables; names start with `success_` so they never clash with another module's. */
export const successMigrations: ModuleMigrations = {
  "success-0001-core": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("success_customers")
        .addColumn("account_id", "text", (c) => c.primaryKey())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("stage", "text")
        .addColumn("arr", "real")
        .addColumn("mrr", "real")
        .addColumn("renewal_date", "text")
        .addColumn("users", "integer")
        .addColumn("churn_risk", "text")
        .addColumn("onboarding_status", "text")
        .addColumn("latest_nps", "real")
        .addColumn("health_score", "real")
        .addColumn("health_colour", "text")
        .addColumn("tags", "text", (c) => c.notNull().defaultTo("[]"))
        .addColumn("custom", "text", (c) => c.notNull().defaultTo("{}"))
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("success_usage_config")
        .addColumn("id", "integer", (c) => c.primaryKey())
        .addColumn("data_granularity", "text", (c) => c.notNull())
        .addColumn("time_granularity", "text", (c) => c.notNull())
        .addColumn("week_start_day", "integer", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("success_usage_measures")
        .addColumn("name", "text", (c) => c.primaryKey())
        .addColumn("label", "text", (c) => c.notNull())
        .addColumn("type", "text", (c) => c.notNull())
        .addColumn("aggregation", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("success_usage_data")
        .addColumn("account_id", "text", (c) => c.notNull())
        .addColumn("period_start", "text", (c) => c.notNull())
        .addColumn("aggregation_level", "text", (c) => c.notNull())
        .addColumn("instance_id", "text", (c) => c.notNull().defaultTo(""))
        .addColumn("user_id", "text", (c) => c.notNull().defaultTo(""))
        .addColumn("measures", "text", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .addColumn("run_id", "text")
        .addPrimaryKeyConstraint("success_usage_data_pk", ["account_id", "period_start", "aggregation_level", "instance_id", "user_id"])
        .execute();
      await db.schema
        .createTable("success_objects")
        .addColumn("name", "text", (c) => c.primaryKey())
        .addColumn("label", "text", (c) => c.notNull())
        .addColumn("fields", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("success_object_records")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("object_name", "text", (c) => c.notNull().references("success_objects.name").onDelete("cascade"))
        .addColumn("data", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .addColumn("run_id", "text")
        .execute();
      await db.schema.createIndex("success_object_records_object").on("success_object_records").column("object_name").execute();
      await db.schema
        .createTable("success_scorecard_scheme")
        .addColumn("id", "integer", (c) => c.primaryKey())
        .addColumn("scheme", "text", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("success_scorecard_groups")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("name", "text", (c) => c.notNull().unique())
        .addColumn("weight", "integer", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("success_scorecard_measures")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("name", "text", (c) => c.notNull().unique())
        .addColumn("label", "text", (c) => c.notNull())
        .addColumn("group_id", "text", (c) => c.references("success_scorecard_groups.id").onDelete("set null"))
        .addColumn("weight", "integer", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("success_scores")
        .addColumn("account_id", "text", (c) => c.notNull())
        .addColumn("measure_id", "text", (c) => c.notNull().references("success_scorecard_measures.id").onDelete("cascade"))
        .addColumn("score", "real", (c) => c.notNull())
        .addColumn("comment", "text")
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .addColumn("run_id", "text")
        .addPrimaryKeyConstraint("success_scores_pk", ["account_id", "measure_id"])
        .execute();
      await db.schema
        .createTable("success_score_history")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("account_id", "text", (c) => c.notNull())
        .addColumn("measure_id", "text", (c) => c.notNull())
        .addColumn("measure_before", "real")
        .addColumn("measure_after", "real", (c) => c.notNull())
        .addColumn("overall_before", "real")
        .addColumn("overall_after", "real")
        .addColumn("comment", "text")
        .addColumn("at", "bigint", (c) => c.notNull())
        .addColumn("run_id", "text")
        .execute();
      await db.schema.createIndex("success_score_history_account").on("success_score_history").columns(["account_id", "at"]).execute();
      await db.schema
        .createTable("success_ctas")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("account_id", "text", (c) => c.notNull())
        .addColumn("type", "text", (c) => c.notNull())
        .addColumn("reason", "text", (c) => c.notNull())
        .addColumn("priority", "text", (c) => c.notNull())
        .addColumn("owner", "text")
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("due_date", "text")
        .addColumn("comment", "text")
        .addColumn("rule_id", "text")
        .addColumn("run_id", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .addColumn("closed_at", "bigint")
        .execute();
      await db.schema.createIndex("success_ctas_open").on("success_ctas").columns(["account_id", "type", "reason", "status"]).execute();
      await db.schema
        .createTable("success_crm_writable")
        .addColumn("object_name", "text", (c) => c.notNull())
        .addColumn("field_name", "text", (c) => c.notNull())
        .addPrimaryKeyConstraint("success_crm_writable_pk", ["object_name", "field_name"])
        .execute();
      await db.schema
        .createTable("success_rules")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("name", "text", (c) => c.notNull().unique())
        .addColumn("type", "text", (c) => c.notNull())
        .addColumn("description", "text")
        .addColumn("definition", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("success_rule_runs")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("rule_id", "text", (c) => c.notNull())
        .addColumn("rule_name", "text", (c) => c.notNull())
        .addColumn("rule_date", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("started_at", "bigint", (c) => c.notNull())
        .addColumn("finished_at", "bigint")
        .addColumn("rows_read", "integer", (c) => c.notNull())
        .addColumn("actions", "text", (c) => c.notNull())
        .addColumn("errors", "text", (c) => c.notNull())
        .addColumn("error_count", "integer", (c) => c.notNull())
        .addColumn("message", "text")
        .execute();
      await db.schema.createIndex("success_rule_runs_rule").on("success_rule_runs").columns(["rule_id", "started_at"]).execute();
      // Defaults an admin can change: weekly usage starting Monday, account level; colour bands red/yellow/green.
      await sql`INSERT INTO success_usage_config (id, data_granularity, time_granularity, week_start_day, updated_at) VALUES (1, 'account', 'week', 1, 0)`.execute(db);
    },
  },
  "success-0002-run-timings": {
    async up(db: Kysely<unknown>) {
      // Where a run spent its time, step by step, so a slow run explains itself.
      await db.schema.alterTable("success_rule_runs").addColumn("timings", "text", (c) => c.notNull().defaultTo("{}")).execute();
    },
  },
  "success-0003-score-days-and-run-rows": {
    async up(db: Kysely<unknown>) {
      // Health over time is drawn by the day a score describes, which for a back-filled rule run is
      // its rule date, not the moment it ran. Older rows stay null and read as the day they were written.
      await db.schema.alterTable("success_score_history").addColumn("as_of", "text").execute();
      // A rule run lists the rows it wrote: these find them by run.
      await db.schema.createIndex("success_score_history_run").on("success_score_history").column("run_id").execute();
      await db.schema.createIndex("success_usage_data_run").on("success_usage_data").column("run_id").execute();
      await db.schema.createIndex("success_object_records_run").on("success_object_records").column("run_id").execute();
    },
  },
};
