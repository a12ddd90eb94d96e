import { closeCta, createCta } from "./actions/ctas.js";
import { loadToCrm } from "./actions/load-to-crm.js";
import { loadToCustomers } from "./actions/load-to-customers.js";
import { loadToObject } from "./actions/load-to-object.js";
import { loadToUsage } from "./actions/load-to-usage.js";
import { setScore } from "./actions/set-score.js";
import { accountFieldOf, type Rule, type RuleAction } from "./definition.js";
import type { ActionContext, ActionOutcome, ActionResult, RowError, RuleDeps, SourceRow } from "./run-types.js";
import { readSource } from "./sources.js";

/** What flows through a rule run, step to step. */
export type RunState = {
  rule: Rule;
  ruleDate: string;
  runId: string | null;
  preview: boolean;
  previewRows: number;
  deps: RuleDeps;
  rows: SourceRow[];
  rowsRead: number;
  soql?: string;
  actions: ActionResult[];
  errors: RowError[];
  /** Milliseconds per named step. */
  timings: Record<string, number>;
};

/** One named step of a run: state in, state out. */
export type RunStep = (state: RunState) => Promise<RunState>;

/** A step with the name its time is recorded under. */
export type NamedStep = { name: string; step: RunStep };

/** Composes named steps left to right, recording how long each took. */
export function pipe(...steps: NamedStep[]): RunStep {
  return async (state) => {
    let s = state;
    for (const { name, step } of steps) {
      const start = performance.now();
      s = await step(s);
      s.timings[name] = Math.round(performance.now() - start);
    }
    return s;
  };
}

/** Reads the source with its filters (SOQL for the CRM, in memory otherwise). */
export function createReadSourceStep(): RunStep {
  return async (s) => {
    const { rows, soql } = await readSource(s.rule, s.ruleDate, s.deps);
    return { ...s, rows, ...(soql ? { soql } : {}) };
  };
}

/** "Apply to customers only": keeps rows whose account is in Customer Info. */
export function createCustomersOnlyStep(): RunStep {
  return async (s) => {
    // Customer Info rows are customers by definition.
    if (!s.rule.customersOnly || s.rule.source.kind === "customers") return s;
    const ids = await s.deps.customers.accountIds();
    const field = accountFieldOf(s.rule.source);
    return { ...s, rows: s.rows.filter((r) => ids.has(String(r[field] ?? ""))) };
  };
}

/** Counts the rows the actions will see; a preview keeps only the first few. */
export function createCountStep(): RunStep {
  return async (s) => ({ ...s, rowsRead: s.rows.length, rows: s.preview ? s.rows.slice(0, s.previewRows) : s.rows });
}

function runAction(action: RuleAction, rows: SourceRow[], ctx: ActionContext): Promise<ActionOutcome> {
  switch (action.type) {
    case "loadToUsage":
      return loadToUsage(action, rows, ctx);
    case "loadToCrm":
      return loadToCrm(action, rows, ctx);
    case "loadToObject":
      return loadToObject(action, rows, ctx);
    case "loadToCustomers":
      return loadToCustomers(action, rows, ctx);
    case "createCta":
      return createCta(action, rows, ctx);
    case "closeCta":
      return closeCta(action, rows, ctx);
    case "setScore":
      return setScore(action, rows, ctx);
  }
}

/** Runs the actions in order over the same rows; a row one action refuses is reported and the others go on. */
export function createActionsStep(): RunStep {
  return async (s) => {
    const actions: ActionResult[] = [...s.actions];
    const errors: RowError[] = [...s.errors];
    for (const [i, action] of s.rule.actions.entries()) {
      const ctx: ActionContext = { rule: s.rule, ruleDate: s.ruleDate, runId: s.runId, preview: s.preview, action: i + 1, accountField: accountFieldOf(s.rule.source), deps: s.deps };
      const start = performance.now();
      const out = await runAction(action, s.rows, ctx);
      s.timings[`action${i + 1}:${action.type}`] = Math.round(performance.now() - start);
      actions.push(out.result);
      errors.push(...out.errors);
      // Keep what earlier actions did if a later one fails the run.
      s.actions = actions;
      s.errors = errors;
    }
    return { ...s, actions, errors };
  };
}

/** A rule run: read, keep customers, count, act. */
export const ruleRunPipeline: RunStep = pipe(
  { name: "readSource", step: createReadSourceStep() },
  { name: "customersOnly", step: createCustomersOnlyStep() },
  { name: "count", step: createCountStep() },
  { name: "actions", step: createActionsStep() },
);
