import { CompiledQuery, type Kysely } from "kysely";
import { ApiError } from "../../kernel/index.js";
import { isDate } from "../dates.js";
import { readJson } from "../ids.js";
import type { SuccessTables } from "../tables.js";
import { coerce, type Scalar } from "../values.js";
import type { UsageMeasure, UsageMeasurePatch } from "./measure.js";
import { rollUp } from "./rollup.js";
import { engineOf } from "../../store/index.js";
import { AGGREGATION_LEVELS, periodStart, type AggregationLevel, type UsageConfig } from "./usage-config.js";

type Db = Kysely<SuccessTables>;

/** One usage row to write: a date anywhere in the period; it is snapped to the configured week or month. */
export type UsageWrite = {
  accountId: string;
  date: string;
  aggregationLevel: AggregationLevel;
  instanceId?: string;
  userId?: string;
  measures: Record<string, unknown>;
};

/** A stored usage row. */
export type UsageRow = {
  accountId: string;
  periodStart: string;
  aggregationLevel: AggregationLevel;
  instanceId: string | null;
  userId: string | null;
  measures: Record<string, Scalar>;
  updatedAt: number;
  runId: string | null;
  /** The customer's name in Customer Info, when it is one. */
  customerName?: string | null;
};

/** One period of usage across customers: how many accounts have a row, and each numeric measure's total, mean, lowest and highest. */
export type UsagePeriod = { periodStart: string; accounts: number; values: Record<string, { sum: number; avg: number; min: number; max: number; count: number }> };

/** A usage write that was refused, by its index in the batch. */
export type UsageProblem = { index: number; field: string; message: string };

const BATCH = 5000;

type ReadyRow = Omit<SuccessTables["success_usage_data"], "measures" | "updated_at" | "run_id"> & { values: Record<string, Scalar> };

/**
 * The usage upsert: rows arrive as one JSON array parameter, unpacked by json_each, so a batch is one
 * short statement however many rows it holds. Measures merge into the stored row, and a row whose
 * merged values equal the stored ones is not touched (and not counted as written).
 */
const UPSERT_SQL =
  "INSERT INTO success_usage_data (account_id, period_start, aggregation_level, instance_id, user_id, measures, updated_at, run_id)" +
  " SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4, j.value -> 5, ?, ? FROM json_each(?) AS j WHERE true" +
  " ON CONFLICT (account_id, period_start, aggregation_level, instance_id, user_id) DO UPDATE SET" +
  " measures = json_patch(success_usage_data.measures, excluded.measures), updated_at = excluded.updated_at, run_id = excluded.run_id" +
  " WHERE json_patch(success_usage_data.measures, excluded.measures) IS NOT success_usage_data.measures";

/**
 * The same upsert in PostgreSQL's words: jsonb_array_elements unpacks the array, jsonb `||` with
 * nulls stripped is json_patch for flat measure maps, and "changed" compares the merged jsonb.
 */
const UPSERT_SQL_POSTGRES =
  "INSERT INTO success_usage_data (account_id, period_start, aggregation_level, instance_id, user_id, measures, updated_at, run_id)" +
  " SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4, (j.value -> 5)::text, $1, $2 FROM jsonb_array_elements($3::jsonb) AS j(value)" +
  " ON CONFLICT (account_id, period_start, aggregation_level, instance_id, user_id) DO UPDATE SET" +
  " measures = jsonb_strip_nulls(success_usage_data.measures::jsonb || excluded.measures::jsonb)::text, updated_at = excluded.updated_at, run_id = excluded.run_id" +
  " WHERE jsonb_strip_nulls(success_usage_data.measures::jsonb || excluded.measures::jsonb) IS DISTINCT FROM success_usage_data.measures::jsonb";

/** Usage configuration, usage measures and the usage time series. */
export function createUsage(db: Db, now: () => number) {
  async function config(): Promise<UsageConfig> {
    const r = await db.selectFrom("success_usage_config").selectAll().where("id", "=", 1).executeTakeFirstOrThrow();
    return { dataGranularity: r.data_granularity as UsageConfig["dataGranularity"], timeGranularity: r.time_granularity as UsageConfig["timeGranularity"], weekStartDay: r.week_start_day };
  }

  async function measures(): Promise<UsageMeasure[]> {
    const rows = await db.selectFrom("success_usage_measures").selectAll().orderBy("name").execute();
    return rows.map((r) => ({ name: r.name, label: r.label, type: r.type as UsageMeasure["type"], aggregation: r.aggregation as UsageMeasure["aggregation"] }));
  }

  /** Checks and snaps writes; returns the rows ready to store and the refused ones. */
  function prepare(writes: UsageWrite[], cfg: UsageConfig, known: Map<string, UsageMeasure>) {
    const ready: ReadyRow[] = [];
    const readyIndex: number[] = [];
    const problems: UsageProblem[] = [];
    const periods = new Map<string, string>();
    const periodOf = (date: string) => {
      let p = periods.get(date);
      if (p === undefined) periods.set(date, (p = periodStart(cfg, date)));
      return p;
    };
    writes.forEach((w, index) => {
      if (!isDate(w.date)) return problems.push({ index, field: "date", message: `needs a date YYYY-MM-DD, got ${JSON.stringify(w.date)}` });
      if (!(AGGREGATION_LEVELS as readonly string[]).includes(w.aggregationLevel)) {
        return problems.push({ index, field: "aggregationLevel", message: `must be one of ${AGGREGATION_LEVELS.join(", ")}, got ${JSON.stringify(w.aggregationLevel)}` });
      }
      if (w.aggregationLevel === "USERLEVEL" && !w.userId) return problems.push({ index, field: "userId", message: "USERLEVEL usage needs a user id" });
      if (w.aggregationLevel === "INSTANCELEVEL" && !w.instanceId) return problems.push({ index, field: "instanceId", message: "INSTANCELEVEL usage needs an instance id" });
      const values: Record<string, Scalar> = {};
      for (const [name, raw] of Object.entries(w.measures)) {
        const m = known.get(name);
        if (!m) return problems.push({ index, field: name, message: `is not a usage measure; create it first (POST /api/v1/success/usage/measures)` });
        const c = coerce(raw, m.type);
        if (!c.ok) return problems.push({ index, field: name, message: c.message });
        values[name] = c.value;
      }
      ready.push({
        account_id: w.accountId,
        period_start: periodOf(w.date),
        aggregation_level: w.aggregationLevel,
        instance_id: w.aggregationLevel === "INSTANCELEVEL" ? (w.instanceId ?? "") : "",
        user_id: w.aggregationLevel === "USERLEVEL" ? (w.userId ?? "") : "",
        values,
      });
      readyIndex.push(index);
    });
    return { ready, readyIndex, problems };
  }

  return {
    config,
    async setConfig(next: UsageConfig): Promise<UsageConfig> {
      await db
        .updateTable("success_usage_config")
        .set({ data_granularity: next.dataGranularity, time_granularity: next.timeGranularity, week_start_day: next.weekStartDay, updated_at: now() })
        .where("id", "=", 1)
        .execute();
      return config();
    },
    measures,
    async createMeasure(m: UsageMeasure): Promise<UsageMeasure> {
      const exists = await db.selectFrom("success_usage_measures").select("name").where("name", "=", m.name).executeTakeFirst();
      if (exists) throw new ApiError(409, "MEASURE_EXISTS", `A usage measure named ${m.name} already exists.`, "name");
      await db.insertInto("success_usage_measures").values({ ...m, created_at: now() }).execute();
      return m;
    },
    async updateMeasure(name: string, patch: UsageMeasurePatch): Promise<UsageMeasure> {
      const r = await db.updateTable("success_usage_measures").set(patch).where("name", "=", name).executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) throw new ApiError(404, "MEASURE_NOT_FOUND", `No usage measure is named ${name}.`, "name");
      return (await measures()).find((m) => m.name === name) as UsageMeasure;
    },
    async removeMeasure(name: string): Promise<boolean> {
      // Stored values stay in the rows: a run never deletes, and re-creating the measure brings them back.
      const r = await db.deleteFrom("success_usage_measures").where("name", "=", name).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },

    /**
     * Upserts usage rows keyed by account + period + level (+ instance or user). Measures merge into the
     * row, so a rerun for the same period replaces values instead of adding rows; `written` counts only
     * rows that were created or whose values changed.
     */
    async write(writes: UsageWrite[], runId: string | null = null): Promise<{ written: number; unchanged: number; problems: UsageProblem[] }> {
      const cfg = await config();
      const known = new Map((await measures()).map((m) => [m.name, m]));
      const { ready, problems } = prepare(writes, cfg, known);
      const t = now();
      let written = 0;
      await db.transaction().execute(async (trx) => {
        for (let i = 0; i < ready.length; i += BATCH) {
          const chunk = ready.slice(i, i + BATCH).map((r) => [r.account_id, r.period_start, r.aggregation_level, r.instance_id, r.user_id, r.values]);
          // Built by hand rather than by the query builder: at 50,000 rows a run, compiling and preparing a statement per few hundred rows cost more than SQLite's work.
          const result = await trx.executeQuery(CompiledQuery.raw(engineOf(trx) === "postgres" ? UPSERT_SQL_POSTGRES : UPSERT_SQL, [t, runId, JSON.stringify(chunk)]));
          written += Number(result.numAffectedRows ?? 0);
        }
      });
      return { written, unchanged: ready.length - written, problems };
    },

    /** Checks writes without storing them (rule preview). */
    async check(writes: UsageWrite[]): Promise<{ rows: { accountId: string; periodStart: string; aggregationLevel: string; measures: Record<string, Scalar> }[]; problems: UsageProblem[] }> {
      const { ready, problems } = prepare(writes, await config(), new Map((await measures()).map((m) => [m.name, m])));
      return { rows: ready.map((r) => ({ accountId: r.account_id, periodStart: r.period_start, aggregationLevel: r.aggregation_level, measures: r.values })), problems };
    },

    /** Stored rows, filtered, each with its customer's name. */
    async rows(q: { accountId?: string; from?: string; to?: string; aggregationLevel?: AggregationLevel; limit?: number; offset?: number }): Promise<UsageRow[]> {
      let query = db.selectFrom("success_usage_data").leftJoin("success_customers", "success_customers.account_id", "success_usage_data.account_id").selectAll("success_usage_data").select("success_customers.name as customer_name");
      if (q.accountId) query = query.where("success_usage_data.account_id", "=", q.accountId);
      if (q.from) query = query.where("period_start", ">=", q.from);
      if (q.to) query = query.where("period_start", "<=", q.to);
      if (q.aggregationLevel) query = query.where("aggregation_level", "=", q.aggregationLevel);
      const rows = await query.orderBy("success_usage_data.account_id").orderBy("period_start").orderBy("aggregation_level").orderBy("instance_id").orderBy("user_id").limit(q.limit ?? 1_000_000).offset(q.offset ?? 0).execute();
      return rows.map((r) => ({
        customerName: r.customer_name,
        accountId: r.account_id,
        periodStart: r.period_start,
        aggregationLevel: r.aggregation_level as AggregationLevel,
        instanceId: r.instance_id === "" ? null : r.instance_id,
        userId: r.user_id === "" ? null : r.user_id,
        measures: readJson<Record<string, Scalar>>(r.measures, {}),
        updatedAt: Number(r.updated_at),
        runId: r.run_id,
      }));
    },

    /** Usage per period across all customers (account-level rows of numeric measures), oldest first. */
    async summary(q: { from?: string; to?: string; aggregationLevel?: AggregationLevel }): Promise<UsagePeriod[]> {
      const numeric = (await measures()).filter((m) => m.type === "number" || m.type === "integer").map((m) => m.name);
      let query = db.selectFrom("success_usage_data").select(["period_start", "measures"]).where("aggregation_level", "=", q.aggregationLevel ?? "ACCOUNTLEVEL");
      if (q.from) query = query.where("period_start", ">=", q.from);
      if (q.to) query = query.where("period_start", "<=", q.to);
      const periods = new Map<string, UsagePeriod>();
      for (const r of await query.execute()) {
        let p = periods.get(r.period_start);
        if (!p) periods.set(r.period_start, (p = { periodStart: r.period_start, accounts: 0, values: {} }));
        p.accounts++;
        const values = readJson<Record<string, Scalar>>(r.measures, {});
        for (const name of numeric) {
          const v = values[name];
          if (typeof v !== "number" || !Number.isFinite(v)) continue;
          const agg = (p.values[name] ??= { sum: 0, avg: 0, min: v, max: v, count: 0 });
          agg.sum += v;
          agg.count++;
          agg.min = Math.min(agg.min, v);
          agg.max = Math.max(agg.max, v);
        }
      }
      const out = [...periods.values()].sort((a, b) => a.periodStart.localeCompare(b.periodStart));
      for (const p of out) for (const agg of Object.values(p.values)) agg.avg = agg.count === 0 ? 0 : agg.sum / agg.count;
      return out;
    },

    /** The rows a rule run wrote that still hold its values (a later run of the same period takes them over), and how many. */
    async rowsOfRun(runId: string, limit: number): Promise<{ total: number; rows: UsageRow[] }> {
      const total = await db.selectFrom("success_usage_data").select((eb) => eb.fn.countAll<number>().as("n")).where("run_id", "=", runId).executeTakeFirstOrThrow();
      const rows = await db
        .selectFrom("success_usage_data")
        .leftJoin("success_customers", "success_customers.account_id", "success_usage_data.account_id")
        .selectAll("success_usage_data")
        .select("success_customers.name as customer_name")
        .where("run_id", "=", runId)
        .orderBy("success_usage_data.account_id")
        .orderBy("period_start")
        .limit(limit)
        .execute();
      return {
        total: Number(total.n),
        rows: rows.map((r) => ({
          customerName: r.customer_name,
          accountId: r.account_id,
          periodStart: r.period_start,
          aggregationLevel: r.aggregation_level as AggregationLevel,
          instanceId: r.instance_id === "" ? null : r.instance_id,
          userId: r.user_id === "" ? null : r.user_id,
          measures: readJson<Record<string, Scalar>>(r.measures, {}),
          updatedAt: Number(r.updated_at),
          runId: r.run_id,
        })),
      };
    },

    /** One account's usage as a time series: account-level values, with user/instance rows rolled up where the account row lacks a measure. */
    async history(accountId: string, range: { from?: string; to?: string }): Promise<{ periodStart: string; measures: Record<string, Scalar> }[]> {
      const known = new Map((await measures()).map((m) => [m.name, m]));
      const rows = await this.rows({ accountId, ...range });
      const byPeriod = new Map<string, UsageRow[]>();
      for (const r of rows) byPeriod.set(r.periodStart, [...(byPeriod.get(r.periodStart) ?? []), r]);
      return [...byPeriod.entries()].map(([period, list]) => {
        const account = list.find((r) => r.aggregationLevel === "ACCOUNTLEVEL");
        const finer = list.filter((r) => r.aggregationLevel !== "ACCOUNTLEVEL");
        const out: Record<string, Scalar> = {};
        const names = new Set(list.flatMap((r) => Object.keys(r.measures)));
        for (const name of names) {
          if (account && name in account.measures) out[name] = account.measures[name] as Scalar;
          else {
            const m = known.get(name) ?? { aggregation: "sum" as const, type: "number" as const };
            out[name] = rollUp(m, finer.map((r) => r.measures[name] ?? null));
          }
        }
        return { periodStart: period, measures: out };
      });
    },
  };
}

export type Usage = ReturnType<typeof createUsage>;
