import { CliError, flagText } from "../args.js";
import { apiClient, printTable } from "../api-client.js";
import type { Command } from "../command.js";

type ReportView = { id: string; name: string; kind: string; range: { last?: number; from?: string; to?: string }; columns: string[] };

/** `pendulum report`: list saved reports and run one as CSV or JSON. */
export const reportCommand: Command = {
  name: "report",
  summary: "List account/visitor reports and run one (CSV or JSON)",
  usage: `pendulum report list
pendulum report run <report-id> [--format csv|json] [--sort <column>] [--order asc|desc]

Runs a saved report over its date range and segment and prints every row.
Talks to a running Pendulum. Options: --url (default PENDULUM_BASE_URL), --token (default PENDULUM_API_TOKEN).`,
  async run(args, io) {
    const api = apiClient(args, io);
    const [sub, id] = args.positional;
    if (sub === "list" || sub === undefined) {
      const { reports } = await api.call<{ reports: ReportView[] }>("GET", "/reports");
      printTable(
        io,
        reports.map((r) => ({ id: r.id, name: r.name, kind: r.kind, range: r.range.last ? `last ${r.range.last} days` : `${r.range.from}…${r.range.to}`, columns: r.columns.length })),
        ["id", "name", "kind", "range", "columns"],
      );
      return 0;
    }
    if (sub !== "run") throw new CliError(`Unknown subcommand "${sub}"`);
    if (!id) throw new CliError("Give the report id: pendulum report run <report-id>");
    const format = flagText(args, "format") ?? "csv";
    if (format !== "csv" && format !== "json") throw new CliError("--format is csv or json");
    const sort = flagText(args, "sort");
    const order = flagText(args, "order");
    if (order !== undefined && order !== "asc" && order !== "desc") throw new CliError("--order is asc or desc");
    const query = new URLSearchParams({ ...(sort ? { sort } : {}), ...(order ? { order } : {}) }).toString();
    const suffix = query ? `?${query}` : "";
    const path = `/reports/${encodeURIComponent(id)}/results${format === "csv" ? ".csv" : ""}`;
    if (format === "csv") {
      const res = await fetch(`${api.url}/api/v1${path}${suffix}`, { headers: { authorization: `Bearer ${api.token}` } });
      const text = await res.text();
      if (!res.ok) {
        const err = JSON.parse(text) as { code?: string; message?: string; field?: string };
        throw new CliError(`${res.status} ${err.code ?? "ERROR"}: ${err.message ?? text}`);
      }
      io.out(text.replace(/\n$/, ""));
      return 0;
    }
    const all = await api.call<{ total: number; rows: unknown[] }>("GET", `${path}?limit=10000${query ? `&${query}` : ""}`);
    io.out(JSON.stringify(all, null, 2));
    return 0;
  },
};
