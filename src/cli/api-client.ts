import { loadConfig } from "../config.js";
import { CliError, flagText, type Args } from "./args.js";
import type { CliIo } from "./command.js";

/** A small client for a running Pendulum's `/api/v1`, for CLI commands. */
export type ApiClient = {
  url: string;
  token: string;
  call<T>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<T>;
};

/** Builds a client from `--url`/`--token` or PENDULUM_BASE_URL/PENDULUM_API_TOKEN. */
export function apiClient(args: Args, io: CliIo): ApiClient {
  const config = loadConfig(io.env, io.cwd);
  const url = (flagText(args, "url") ?? config.baseUrl).replace(/\/$/, "");
  const token = flagText(args, "token") ?? config.apiToken;
  if (!token) throw new CliError("An admin API token is needed: pass --token or set PENDULUM_API_TOKEN.");
  return {
    url,
    token,
    async call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
      let res: Response;
      try {
        res = await fetch(`${url}/api/v1${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      } catch (e) {
        throw new CliError(`Cannot reach Pendulum at ${url} (${(e as Error).message}). Is it running? Pass --url to point elsewhere.`);
      }
      const text = await res.text();
      const json: unknown = text ? JSON.parse(text) : {};
      if (!res.ok) {
        const err = json as { code?: string; message?: string; field?: string };
        throw new CliError(`${res.status} ${err.code ?? "ERROR"}: ${err.message ?? text}${err.field ? ` (field: ${err.field})` : ""}`);
      }
      return json as T;
    },
  };
}

/** Prints rows as an aligned table. */
export function printTable(io: CliIo, rows: Record<string, unknown>[], columns: string[]): void {
  const cells = rows.map((r) => columns.map((c) => (r[c] === null || r[c] === undefined ? "" : String(r[c]))));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => (row[i] as string).length)));
  io.out(columns.map((c, i) => c.toUpperCase().padEnd(widths[i] as number)).join("  "));
  for (const row of cells) io.out(row.map((v, i) => v.padEnd(widths[i] as number)).join("  "));
}
