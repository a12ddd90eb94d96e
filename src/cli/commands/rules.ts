import { loadConfig } from "../../config.js";
import { CliError, flagText, type Args } from "../args.js";
import type { CliIo, Command } from "../command.js";
import { outcomeText } from "./outcome.js";

type RuleSummary = { id: string; name: string; source: { kind: string; object?: string }; actions: { type: string }[] };
type ActionResult = { action: number; type: string; target: string; written: number; unchanged: number; failed: number; wouldWrite?: unknown[] };
type RowError = { row: number; key: string | null; action: number; field?: string; code: string; message: string };
type Run = { id: string; status: string; notices?: number; ruleDate: string; rowsRead: number; rowsWritten: number; actions: ActionResult[]; errors: RowError[]; errorCount: number; message: string | null };
type Preview = { preview: true; ruleDate: string; rowsRead: number; soql?: string; rows: Record<string, unknown>[]; actions: ActionResult[]; errors: RowError[] };

const USAGE = `pendulum rules list [--url URL] [--token TOKEN]
pendulum rules run <name or id> [--date YYYY-MM-DD] [--preview] [--url URL] [--token TOKEN]

Lists the customer success rules, or runs one on the running server. The rule date defaults to
today; give --date to back-fill. --preview shows what each action would write for the first rows
and writes nothing. The server is --url (default PENDULUM_BASE_URL) and the API token is --token
(default PENDULUM_API_TOKEN).
Exit codes: 0 success (also "succeeded with notices": a few rows refused for data reasons, at most
PENDULUM_MAX_REFUSED_PERCENT of them, listed), 1 failure, 3 partial (more rows refused than that).`;

/** Calls the server's API; a refused call becomes an error naming the server's code and message. */
async function request<T>(base: string, token: string, method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${base}/api/v1/success${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (e) {
    throw new CliError(`Cannot reach Pendulum at ${base} (${(e as Error).message}); start it with \`pendulum start\` or pass --url.`);
  }
  const text = await res.text();
  const parsed = text ? (JSON.parse(text) as unknown) : null;
  if (!res.ok) {
    const err = parsed as { code?: string; message?: string } | null;
    throw new RulesApiError(`${err?.code ?? res.status}: ${err?.message ?? text}`);
  }
  return parsed as T;
}

/** The server refused a call: printed without the usage text, exit code 1. */
class RulesApiError extends Error {}

function target(io: CliIo, args: Args): { base: string; token: string } {
  const config = loadConfig(io.env, io.cwd);
  const base = (flagText(args, "url") ?? config.baseUrl).replace(/\/$/, "");
  const token = flagText(args, "token") ?? config.apiToken;
  if (!token) throw new CliError("An API token is needed: pass --token or set PENDULUM_API_TOKEN.");
  return { base, token };
}

function printActions(io: CliIo, actions: ActionResult[]): void {
  for (const a of actions) io.out(`  action ${a.action} ${a.type} → ${a.target}: ${a.written} written, ${a.unchanged} unchanged, ${a.failed} failed`);
}

function printErrors(io: CliIo, errors: RowError[], total: number): void {
  for (const e of errors.slice(0, 20)) io.out(`  row ${e.row}${e.key ? ` (${e.key})` : ""}, action ${e.action}: ${e.code}${e.field ? ` ${e.field}` : ""} — ${e.message}`);
  if (total > 20) io.out(`  … and ${total - 20} more row errors (GET /api/v1/success/rules/<id>/runs)`);
}

async function list(io: CliIo, args: Args): Promise<number> {
  const { base, token } = target(io, args);
  const { rules } = await request<{ rules: RuleSummary[] }>(base, token, "GET", "/rules");
  if (rules.length === 0) {
    io.out("No rules yet; create one with POST /api/v1/success/rules.");
    return 0;
  }
  for (const r of rules) {
    const { runs } = await request<{ runs: Run[] }>(base, token, "GET", `/rules/${encodeURIComponent(r.id)}/runs?limit=1`);
    const last = runs[0] ? `last run ${runs[0].ruleDate} ${runs[0].status} (${runs[0].rowsRead} read, ${runs[0].rowsWritten} written)` : "never run";
    const source = r.source.kind === "crm" || r.source.kind === "object" ? `${r.source.kind}:${r.source.object ?? ""}` : r.source.kind;
    io.out(`${r.name}  [${r.id}]  source ${source}; ${r.actions.map((a) => a.type).join(", ")}; ${last}`);
  }
  return 0;
}

async function runOne(io: CliIo, args: Args): Promise<number> {
  const name = args.positional[1];
  if (!name) throw new CliError("Name the rule to run.");
  const date = flagText(args, "date");
  if (date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new CliError(`--date must be YYYY-MM-DD, got ${date}`);
  const preview = args.flags.get("preview") === true;
  const { base, token } = target(io, args);
  const body = { ...(date ? { date } : {}), ...(preview ? { preview: true } : {}) };
  if (preview) {
    const p = await request<Preview>(base, token, "POST", `/rules/${encodeURIComponent(name)}/run`, body);
    io.out(`Preview of "${name}" on ${p.ruleDate}: ${p.rowsRead} rows match; nothing was written.`);
    if (p.soql) io.out(`  SOQL: ${p.soql}`);
    printActions(io, p.actions);
    for (const a of p.actions) for (const w of a.wouldWrite ?? []) io.out(`    action ${a.action} would write ${JSON.stringify(w)}`);
    printErrors(io, p.errors, p.errors.length);
    return 0;
  }
  const run = await request<Run>(base, token, "POST", `/rules/${encodeURIComponent(name)}/run`, body);
  io.out(`Run ${run.id} of "${name}" on ${run.ruleDate}: ${outcomeText(run.status, run.notices)}; ${run.rowsRead} rows read, ${run.rowsWritten} written.`);
  printActions(io, run.actions);
  if (run.message) io.out(`  ${run.message}`);
  printErrors(io, run.errors, run.errorCount);
  return run.status === "success" ? 0 : run.status === "partial" ? 3 : 1;
}

/** `pendulum rules`: list the success rules or run one on the running server. */
export const rulesCommand: Command = {
  name: "rules",
  summary: "List customer success rules or run one (with --date to back-fill, --preview to dry-run)",
  usage: USAGE,
  booleanFlags: ["preview"],
  async run(args, io) {
    try {
      switch (args.positional[0]) {
        case "list":
          return await list(io, args);
        case "run":
          return await runOne(io, args);
        default:
          throw new CliError(args.positional[0] ? `Unknown rules command "${args.positional[0]}".` : "Say list or run.");
      }
    } catch (e) {
      if (e instanceof RulesApiError) {
        io.err(e.message);
        return 1;
      }
      throw e;
    }
  },
};
