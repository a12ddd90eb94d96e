import { apiClient, printTable } from "../api-client.js";
import { CliError, type Args } from "../args.js";
import type { Command } from "../command.js";
import { outcomeText } from "./outcome.js";

type Run = { id: string; status: string; notices?: number; startedAt: number; finishedAt: number | null; apiCalls: number; message: string | null; counts: Record<string, number>; errors: { code: string; key?: string; recordId?: string; message: string; notice?: boolean }[] };
type Connection = { status: string; message?: string; loginUrl?: string; org?: { username: string; orgId: string }; apiUsage?: { used: number; limit: number } };

const flag = (args: Args, name: string): boolean => args.flags.get(name) === true;

function printRun(io: Parameters<Command["run"]>[1], run: Run): void {
  const c = run.counts;
  io.out(
    `Run ${run.id}: ${outcomeText(run.status, run.notices)} — read ${c["read"]}, changed ${c["changed"]}, written ${c["written"]}, skipped ${c["skipped"]}, failed ${c["failed"]} (duplicates ${c["duplicates"]}, unmatched ${c["unmatched"]}, orphans ${c["orphans"] ?? 0}, refused ${c["refused"] ?? 0}); ${run.apiCalls} API calls`,
  );
  if (run.message) io.out(run.message);
  for (const e of run.errors.slice(0, 20)) io.out(`  ${e.notice ? "notice" : "error "}\t${e.code}\t${e.key ?? ""}\t${e.recordId ?? ""}\t${e.message}`);
  if (run.errors.length > 20) io.out(`  … ${run.errors.length - 20} more (GET /api/v1/sync/runs/${run.id})`);
}

/** `pendulum sync run|status`: runs the CRM sync on the running server and shows its state. */
export const syncCommand: Command = {
  name: "sync",
  summary: "Run the CRM sync now, or show the connection and recent runs",
  booleanFlags: ["pull", "push"],
  usage: `pendulum sync run [--pull] [--push] [--url URL] [--token TOKEN]
pendulum sync status [--url URL] [--token TOKEN]

run     pulls CRM fields into account metadata and pushes mapped reports (both unless one is named);
        waits for the end and exits 1 unless the run succeeded. A run that did its work but skipped
        records for data reasons (duplicated, unmatched or orphaned link values, a few values the
        CRM refused) "succeeded with notices", lists them by record and exits 0.
status  shows the CRM connection (org, user, API usage) and the last runs.
Environment: PENDULUM_BASE_URL, PENDULUM_API_TOKEN.`,
  async run(args, io) {
    const [action] = args.positional;
    const api = apiClient(args, io);
    if (action === "run") {
      const pull = flag(args, "pull");
      const push = flag(args, "push");
      const body = pull || push ? { pull, push } : {};
      const run = await api.call<Run>("POST", "/sync/runs?wait=true", body);
      printRun(io, run);
      return run.status === "success" ? 0 : 1;
    }
    if (action === "status") {
      const c = await api.call<Connection>("GET", "/sync/connection");
      io.out(`CRM connection: ${c.status}${c.org ? ` as ${c.org.username} (org ${c.org.orgId})` : ""}${c.loginUrl ? ` at ${c.loginUrl}` : ""}`);
      if (c.message) io.out(c.message);
      if (c.apiUsage) io.out(`API usage: ${c.apiUsage.used} of ${c.apiUsage.limit} daily requests`);
      const { runs } = await api.call<{ runs: Run[] }>("GET", "/sync/runs?limit=10");
      printTable(
        io,
        runs.map((r) => ({ id: r.id, status: r.status, notices: r.notices ?? 0, started: new Date(r.startedAt).toISOString(), written: r.counts["written"], failed: r.counts["failed"], calls: r.apiCalls })),
        ["id", "status", "notices", "started", "written", "failed", "calls"],
      );
      return 0;
    }
    throw new CliError("Expected `sync run` or `sync status`");
  },
};
