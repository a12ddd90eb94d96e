import { CliError, flagText } from "../args.js";
import { apiClient, printTable } from "../api-client.js";
import type { Command } from "../command.js";
import { outcomeText } from "./outcome.js";

type JobView = { id: string; name: string; kind: string; schedule: string | null; timeZone: string; enabled: boolean; nextRunAt: number | null; lastRun: RunView | null };
type RunView = { id: string; status: string; notices?: number; trigger: string; startedAt: number; finishedAt: number | null; summary: Record<string, unknown>; error: string | null };

const iso = (n: number | null | undefined): string => (n === null || n === undefined ? "" : new Date(n).toISOString().replace(".000Z", "Z"));
const seconds = (r: RunView): string => (r.finishedAt === null ? "" : ((r.finishedAt - r.startedAt) / 1000).toFixed(1));

/** `pendulum jobs`: schedules and chains, run one now, see history. */
export const jobsCommand: Command = {
  name: "jobs",
  summary: "List scheduled jobs and chains, run one now, show run history",
  usage: `pendulum jobs list
pendulum jobs run <job-id-or-name>
pendulum jobs history <job-id-or-name> [--limit N]

A chain's run stops after a failed or partial step and goes on after one that "succeeded with
notices" (it did its work but skipped some records for data reasons, listed in its sync or rule
run); \`run\` waits for the run and prints each step with its notices.
Talks to a running Pendulum. Options: --url (default PENDULUM_BASE_URL), --token (default PENDULUM_API_TOKEN).`,
  async run(args, io) {
    const api = apiClient(args, io);
    const [sub, id] = args.positional;
    if (sub === "list" || sub === undefined) {
      const { jobs } = await api.call<{ jobs: JobView[] }>("GET", "/jobs");
      printTable(
        io,
        jobs.map((j) => ({ name: j.name, kind: j.kind, schedule: j.schedule ? `${j.schedule} (${j.timeZone})` : "manual", next: j.enabled ? iso(j.nextRunAt) : "disabled", last: j.lastRun ? `${outcomeText(j.lastRun.status, j.lastRun.notices)} ${iso(j.lastRun.startedAt)}` : "" })),
        ["name", "kind", "schedule", "next", "last"],
      );
      return 0;
    }
    if (!id) throw new CliError(`Name the job: pendulum jobs ${sub} <job-id-or-name>`);
    const path = `/jobs/${encodeURIComponent(id)}`;
    if (sub === "run") {
      const run = await api.call<RunView & { steps?: RunView[] }>("POST", `${path}/run`);
      io.out(`${outcomeText(run.status, run.notices)} in ${seconds(run)} s${run.error ? `: ${run.error}` : ""}`);
      for (const step of run.steps ?? []) io.out(`  ${outcomeText(step.status, step.notices).padEnd(8)} ${seconds(step)} s  ${JSON.stringify(step.summary)}`);
      if (!run.steps) io.out(`  ${JSON.stringify(run.summary)}`);
      return run.status === "success" ? 0 : 1;
    }
    if (sub === "history") {
      const limit = flagText(args, "limit") ?? "20";
      const { runs } = await api.call<{ runs: RunView[] }>("GET", `${path}/runs?limit=${encodeURIComponent(limit)}`);
      printTable(io, runs.map((r) => ({ started: iso(r.startedAt), status: r.status, notices: r.notices ?? 0, trigger: r.trigger, seconds: seconds(r), error: r.error ?? "" })), ["started", "status", "notices", "trigger", "seconds", "error"]);
      return 0;
    }
    throw new CliError(`Unknown subcommand "${sub}"`);
  },
};
