import { ApiError, DEFAULT_MAX_REFUSED_PERCENT, outcomeOf } from "../../kernel/index.js";
import type { CrmAccess, CrmClient } from "../crm-writes/crm-client.js";
import { dayOf, isDate } from "../dates.js";
import type { Rule, RuleInput } from "./definition.js";
import { ruleRunPipeline, type RunState } from "./pipeline.js";
import { RunFailure, type ActionResult, type RowError, type RuleDeps, type RuleRun, type RuleStores, type RunStatus, type SourceRow } from "./run-types.js";
import type { RuleStore } from "./rules.js";
import type { RunStore } from "./runs.js";
import type { Leases } from "../../store/index.js";

/** What a preview shows: the rows the source gives and what each action would write for the first of them. */
export type RulePreview = { preview: true; ruleId: string; ruleName: string; ruleDate: string; rowsRead: number; soql?: string; rows: SourceRow[]; actions: ActionResult[]; errors: RowError[] };

export type RunOptions = { date?: string; preview?: boolean; previewRows?: number };

let runSeq = 0;
/** Run ids sort by start time. */
function runId(t: number): string {
  runSeq = (runSeq + 1) % 1_679_616;
  return `run_${t.toString(36).padStart(9, "0")}${runSeq.toString(36).padStart(4, "0")}`;
}

function describeError(e: unknown): { code: string; message: string } {
  if (e instanceof RunFailure) return { code: e.code, message: e.message };
  if (e instanceof ApiError) return { code: e.code, message: e.message };
  const err = e as { errorCode?: string; problem?: unknown; name?: string; message?: string };
  // The Salesforce client's run-stopping failures: RECONNECT_REQUIRED, API_BUDGET_RESERVE, CRM_UNAVAILABLE.
  if (typeof err.problem === "string") return { code: err.problem, message: err.message ?? err.problem };
  // jsforce errors carry Salesforce's errorCode (INVALID_SESSION_ID, REQUEST_LIMIT_EXCEEDED, …).
  if (err.errorCode) return { code: err.errorCode, message: `The CRM refused the request: ${err.message ?? err.errorCode}` };
  return { code: "RUN_ERROR", message: err.message ?? String(e) };
}

/** Runs rules: stored runs with status, counts and row errors, or previews that write nothing. */
export function createRuleRunner(opts: { rules: RuleStore; runs: RunStore; deps: RuleStores; crm: CrmAccess; clock: () => number; onFinished?: () => void; maxRefusedPercent?: number; leases?: Pick<Leases, "hold"> }) {
  const maxRefused = opts.maxRefusedPercent ?? DEFAULT_MAX_REFUSED_PERCENT;
  const running = new Set<string>();

  /** The stores plus a CRM client signed in at most once for the run, on first use. */
  function runDeps(): { deps: RuleDeps; done(error?: unknown): Promise<void> } {
    let client: Promise<CrmClient> | undefined;
    return {
      deps: { ...opts.deps, crm: () => (client ??= opts.crm.client()) },
      async done(error) {
        const c = await client?.catch(() => undefined);
        if (c) await opts.crm.finished?.(c, error).catch((e: unknown) => console.error("pendulum: recording a rule run on the CRM connection failed", e));
      },
    };
  }

  async function preview(rule: Rule, ruleDate: string, rows: number): Promise<RulePreview> {
    const crm = runDeps();
    const state: RunState = { rule, ruleDate, runId: null, preview: true, previewRows: rows, deps: crm.deps, rows: [], rowsRead: 0, actions: [], errors: [], timings: {} };
    try {
      const s = await ruleRunPipeline(state);
      await crm.done();
      return { preview: true, ruleId: rule.id, ruleName: rule.name, ruleDate, rowsRead: s.rowsRead, ...(s.soql ? { soql: s.soql } : {}), rows: s.rows, actions: s.actions, errors: s.errors };
    } catch (e) {
      await crm.done(e);
      const d = describeError(e);
      throw new ApiError(e instanceof RunFailure ? 400 : e instanceof ApiError ? e.status : 502, d.code, d.message, e instanceof RunFailure ? e.field : undefined);
    }
  }

  async function execute(rule: Rule, ruleDate: string): Promise<RuleRun> {
    const id = runId(opts.clock());
    await opts.runs.start({ id, ruleId: rule.id, ruleName: rule.name, ruleDate, startedAt: opts.clock() });
    const crm = runDeps();
    const state: RunState = { rule, ruleDate, runId: id, preview: false, previewRows: 0, deps: crm.deps, rows: [], rowsRead: 0, actions: [], errors: [], timings: {} };
    let failure: unknown;
    let status: RunStatus = "success";
    let message: string | null = null;
    try {
      const s = await ruleRunPipeline(state);
      Object.assign(state, s);
      // Rows an action could not write are data problems in those rows: notices of a run that
      // succeeded, unless more than the allowed share of the attempted writes were refused.
      const attempted = s.rowsRead * Math.max(rule.actions.length, 1);
      if (s.errors.length > 0) {
        status = outcomeOf({ refused: s.errors.length, attempted, maxRefusedPercent: maxRefused });
        message =
          status === "partial"
            ? `${s.errors.length} of ${attempted} rows could not be written, more than ${maxRefused} %; the rest of the run completed. Check the rule's mappings and the data it reads.`
            : `${s.errors.length} row(s) could not be written (notices); the rest of the run completed.`;
      }
    } catch (e) {
      failure = e;
      const d = describeError(e);
      status = "failure";
      message = `${d.code}: ${d.message}`;
    }
    await crm.done(failure);
    await opts.runs.finish(id, { status, finishedAt: opts.clock(), rowsRead: state.rowsRead, actions: state.actions, errors: state.errors, message, timings: state.timings });
    // Listeners (guide segment caches) recompute after a run that wrote something; a run that
    // wrote nothing (every record already current) changed nothing they could read. A failed run
    // may have written before it stopped, so it always tells them.
    if (status === "failure" || state.actions.some((a) => a.written > 0)) opts.onFinished?.();
    return opts.runs.get(id);
  }

  async function ruleAndDate(idOrName: string, date: string | undefined): Promise<{ rule: Rule; ruleDate: string }> {
    const rule = await opts.rules.require(idOrName);
    const ruleDate = date ?? dayOf(opts.clock());
    if (!isDate(ruleDate)) throw new ApiError(400, "INVALID_DATE", `The rule date must be a real date YYYY-MM-DD, got ${ruleDate}.`, "date");
    return { rule, ruleDate };
  }

  /** Runs a rule for real by id or name on a rule date (today by default) and stores the run. */
  async function run(idOrName: string, options: { date?: string } = {}): Promise<RuleRun> {
    const { rule, ruleDate } = await ruleAndDate(idOrName, options.date);
    const busy = (): never => {
      throw new ApiError(409, "RULE_RUNNING", `The rule "${rule.name}" is already running; wait for that run to finish.`, "id");
    };
    if (running.has(rule.id)) busy();
    running.add(rule.id);
    try {
      // The set refuses a second run here; the lease refuses one in any other process on the same records.
      if (!opts.leases) return await execute(rule, ruleDate);
      return await opts.leases.hold(`rule:${rule.id}`, () => execute(rule, ruleDate), busy);
    } finally {
      running.delete(rule.id);
    }
  }

  return {
    execute: run,
    /**
     * Previews a rule that is not saved (or edited and not saved again): the same path as a saved
     * rule's preview, so trying a change never overwrites the rule that runs on schedule.
     */
    async previewDraft(input: RuleInput, options: { date?: string; previewRows?: number; ruleId?: string } = {}): Promise<RulePreview> {
      const ruleDate = options.date ?? dayOf(opts.clock());
      if (!isDate(ruleDate)) throw new ApiError(400, "INVALID_DATE", `The rule date must be a real date YYYY-MM-DD, got ${ruleDate}.`, "date");
      const t = opts.clock();
      return preview({ ...input, id: options.ruleId ?? "draft", createdAt: t, updatedAt: t }, ruleDate, options.previewRows ?? 10);
    },
    /** Runs a rule by id or name on a rule date (today by default); a preview writes nothing and is not stored. */
    async run(idOrName: string, options: RunOptions = {}): Promise<RuleRun | RulePreview> {
      if (!options.preview) return run(idOrName, options);
      const { rule, ruleDate } = await ruleAndDate(idOrName, options.date);
      return preview(rule, ruleDate, options.previewRows ?? 10);
    },
  };
}

export type RuleRunner = ReturnType<typeof createRuleRunner>;
