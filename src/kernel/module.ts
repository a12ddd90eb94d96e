import type { Config } from "../config.js";
import type { ClickHouseEventStore, Coordination, DuckDbEventStore, Leases, ModuleMigrations, Records } from "../store/index.js";
import type { HttpModule } from "./http.js";

/**
 * Changes other modules (and the module itself, in other processes) may want to react to at once:
 * guides refresh their segment cache; the built-in CRM forgets cached access tokens; analytics
 * reloads its apps (held in memory for the ingest path); guides reload their guides (held in
 * memory for delivery).
 */
export type DataSignal = "crm-pulled" | "rule-ran" | "crm-tokens-revoked" | "apps-changed" | "guides-changed";

/** Every signal kind, for a process that must assume it missed some (its shared connection was down). */
export const DATA_SIGNALS: readonly DataSignal[] = ["crm-pulled", "rule-ran", "crm-tokens-revoked", "apps-changed", "guides-changed"];

/** What a module may know about the other processes serving the same workspace (ADR 0018). */
export type ProcessRole = Pick<Coordination, "shared" | "instanceId" | "isLeader">;

/** What every module gets from the composition root: the stores, the clock and the signals. Other modules come as typed dependencies of its factory. */
export type ModuleContext = {
  config: Config;
  records: Records;
  /** The data folder's DuckDB (embedded), or ClickHouse in server mode (ADR 0019); analytics picks its engine by `engine`. */
  events: DuckDbEventStore | ClickHouseEventStore;
  clock: () => number;
  /** Messages for the operator on first start (generated secrets, next steps). */
  announce(line: string): void;
  /** Whether other processes share the records, and whether this one leads (runs the schedules). */
  process: ProcessRole;
  /** Named leases across every process on the records: what must never run twice at once. */
  leases: Leases;
  /** Tells other modules, here and in every other process on the same records, that data they may cache has changed, without importing them. */
  signal(name: DataSignal): void;
  /** Calls `listener` after each `signal(name)` (here: once, at once; from another process: when it arrives); errors are logged, never thrown at the sender. */
  onSignal(name: DataSignal, listener: () => void | Promise<void>): void;
};

/** A Pendulum module as the composition root sees it: routes, migrations and a life cycle. */
export type PendulumModule = HttpModule & {
  name: string;
  migrations?: ModuleMigrations;
  /** Runs after migrations, before the server listens (seeding, recovery). */
  start?(): Promise<void>;
  /** Runs on shutdown, before the stores close (final flush). */
  stop?(): Promise<void>;
};

/** How a finished piece of scheduled work ended. */
export type JobStatus = "success" | "partial" | "failure";

/**
 * What a job handler reports: its status, a summary shown in the run history and its notices,
 * the records it skipped for data reasons while still doing its work (ADR 0012). A `success`
 * with notices lets a chain go on; `partial` and `failure` stop it.
 */
export type JobResult = { status: JobStatus; summary?: Record<string, unknown>; notices?: number };

/** The run a handler is called for. */
export type JobCall = { job: { id: string; name: string }; runId: string; now: number };

/** The work behind one kind of job (a sync, a rule run…), offered by the module that owns it and handed to the jobs module by the composition root. */
export type JobHandler = (params: Record<string, unknown>, call: JobCall) => Promise<JobResult>;
