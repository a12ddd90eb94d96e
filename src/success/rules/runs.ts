import type { Kysely, Selectable } from "kysely";
import { ApiError } from "../../kernel/index.js";
import { readJson } from "../ids.js";
import type { SuccessTables } from "../tables.js";
import type { ActionResult, RowError, RuleRun, RunStatus } from "./run-types.js";

type Row = Selectable<SuccessTables["success_rule_runs"]>;
/** Row errors kept per run; the count keeps the true total. */
export const KEPT_ERRORS = 1000;

function toRun(r: Row): RuleRun {
  const actions = readJson<ActionResult[]>(r.actions, []);
  return {
    id: r.id,
    ruleId: r.rule_id,
    ruleName: r.rule_name,
    ruleDate: r.rule_date,
    status: r.status as RunStatus,
    startedAt: Number(r.started_at),
    finishedAt: r.finished_at === null ? null : Number(r.finished_at),
    rowsRead: r.rows_read,
    rowsWritten: actions.reduce((n, a) => n + a.written, 0),
    actions,
    errors: readJson<RowError[]>(r.errors, []),
    errorCount: r.error_count,
    // A failed run stopped: its row errors are part of that failure, not notices of a run that did its work.
    notices: r.status === "failure" ? 0 : r.error_count,
    message: r.message,
    timings: readJson<Record<string, number>>(r.timings, {}),
  };
}

/** The history of rule runs. */
export function createRunStore(db: Kysely<SuccessTables>) {
  return {
    async start(run: { id: string; ruleId: string; ruleName: string; ruleDate: string; startedAt: number }): Promise<void> {
      await db
        .insertInto("success_rule_runs")
        .values({ id: run.id, rule_id: run.ruleId, rule_name: run.ruleName, rule_date: run.ruleDate, status: "running", started_at: run.startedAt, finished_at: null, rows_read: 0, actions: "[]", errors: "[]", error_count: 0, message: null, timings: "{}" })
        .execute();
    },
    async finish(id: string, end: { status: RunStatus; finishedAt: number; rowsRead: number; actions: ActionResult[]; errors: RowError[]; message: string | null; timings: Record<string, number> }): Promise<void> {
      await db
        .updateTable("success_rule_runs")
        .set({
          status: end.status,
          finished_at: end.finishedAt,
          rows_read: end.rowsRead,
          actions: JSON.stringify(end.actions),
          errors: JSON.stringify(end.errors.slice(0, KEPT_ERRORS)),
          error_count: end.errors.length,
          message: end.message,
          timings: JSON.stringify(end.timings),
        })
        .where("id", "=", id)
        .execute();
    },
    async get(id: string): Promise<RuleRun> {
      const r = await db.selectFrom("success_rule_runs").selectAll().where("id", "=", id).executeTakeFirst();
      if (!r) throw new ApiError(404, "RUN_NOT_FOUND", `No rule run has id ${id}.`, "runId");
      return toRun(r);
    },
    async list(ruleId: string, limit: number): Promise<RuleRun[]> {
      const rows = await db.selectFrom("success_rule_runs").selectAll().where("rule_id", "=", ruleId).orderBy("started_at", "desc").orderBy("id", "desc").limit(limit).execute();
      return rows.map(toRun);
    },
  };
}

export type RunStore = ReturnType<typeof createRunStore>;
