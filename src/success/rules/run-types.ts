import type { Ctas } from "../ctas/ctas.js";
import type { Customers } from "../customers/customers.js";
import type { CrmClient } from "../crm-writes/crm-client.js";
import type { Writable } from "../crm-writes/writable.js";
import type { Objects } from "../objects/objects.js";
import type { Scorecards } from "../scorecards/scorecards.js";
import type { Usage } from "../usage/usage.js";
import type { ActionType, Rule } from "./definition.js";

/** A row a rule's source produced: field name → value. */
export type SourceRow = Record<string, unknown>;

/** One row that an action could not write; the rest of the run goes on. `row` counts from 1 in source order. */
export type RowError = { row: number; key: string | null; action: number; actionType: ActionType; field?: string; code: string; message: string };

/** What one action did in a run (or would do, in a preview). */
export type ActionResult = {
  action: number;
  type: ActionType;
  target: string;
  /** Records created or changed. */
  written: number;
  /** Records that already held these values. */
  unchanged: number;
  failed: number;
  /** Preview only: what the action would write for the first rows. */
  wouldWrite?: Record<string, unknown>[];
};

export type RunStatus = "running" | "success" | "partial" | "failure";

/** A stored rule run. */
export type RuleRun = {
  id: string;
  ruleId: string;
  ruleName: string;
  ruleDate: string;
  status: RunStatus;
  startedAt: number;
  finishedAt: number | null;
  rowsRead: number;
  rowsWritten: number;
  actions: ActionResult[];
  errors: RowError[];
  errorCount: number;
  /**
   * Rows skipped for data reasons (a value the target refused) in a run that did its work; the
   * run still succeeds with them unless more than the allowed share was refused (ADR 0012).
   */
  notices: number;
  message: string | null;
  /** Milliseconds each step of the run took (read, customersOnly, action 1…). */
  timings: Record<string, number>;
};

/** A problem that stops the whole run (source unreachable, a field not allow-listed): the run fails with it. */
export class RunFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = "RunFailure";
  }
}

/** The module's own stores a rule reads and writes. */
export type RuleStores = {
  customers: Customers;
  usage: Usage;
  objects: Objects;
  scorecards: Scorecards;
  ctas: Ctas;
  writable: Writable;
};

/** What a running rule reaches: the stores and, signed in once per run, the CRM. */
export type RuleDeps = RuleStores & { crm: () => Promise<CrmClient> };

/** What an action knows about the run it is part of. */
export type ActionContext = {
  rule: Rule;
  ruleDate: string;
  runId: string | null;
  preview: boolean;
  /** 1-based position of the action in the rule. */
  action: number;
  accountField: string;
  deps: RuleDeps;
};

/** An action's outcome: its counts and the rows it could not write. */
export type ActionOutcome = { result: ActionResult; errors: RowError[] };
