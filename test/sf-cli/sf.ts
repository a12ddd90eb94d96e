import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The Salesforce CLI release the suite drives (the newest that runs on Node 20). */
export const SF_VERSION = "2.138.0";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const runJs = path.join(root, ".cache", "sf-cli", SF_VERSION, "package", "bin", "run.js");
const guard = path.join(root, "test", "sf-cli", "no-network.mjs");

/** What one `sf` run gave back: exit code, output, and stdout parsed when it is JSON. */
export type SfRun = { code: number; stdout: string; stderr: string; json: SfJson | undefined };

/** The `--json` envelope every sf command prints. */
export type SfJson = { status: number; result?: unknown; name?: string; message?: string; data?: unknown; warnings?: string[] };

/** A sandboxed Salesforce CLI: its own HOME and config under a temp folder, no updates, no telemetry, no network. */
export type Sf = {
  home: string;
  /** The working folder commands run in (files they write without a path land here). */
  workDir: string;
  /** Where every attempt to reach another host is written (the suite expects it empty). */
  networkLog: string;
  run(args: string[], options?: { env?: Record<string, string>; cwd?: string }): Promise<SfRun>;
  /** Runs with `--json` and returns `result`; a non-zero exit fails with the CLI's own message. */
  json<T>(args: string[], options?: { env?: Record<string, string>; cwd?: string }): Promise<T>;
};

/** Fails with the command to run when the CLI is not installed. */
export function assertSfInstalled(): void {
  if (!fs.existsSync(runJs)) throw new Error(`The Salesforce CLI ${SF_VERSION} is not installed in .cache/sf-cli: run scripts/install-sf-cli.sh first`);
}

/**
 * The environment of every run: a private HOME and XDG folders (no user config is read or
 * written), update checks, telemetry and DNS checks off, secrets in a plain file rather than
 * a desktop keychain, and the guard that refuses connections to other hosts.
 */
function sandboxEnv(home: string, networkLog: string): Record<string, string> {
  const keep = ["PATH", "LANG", "TZ", "SYSTEMROOT", "TMPDIR"];
  const env: Record<string, string> = {};
  for (const k of keep) if (process.env[k] !== undefined) env[k] = process.env[k] as string;
  return {
    ...env,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, ".config"),
    XDG_DATA_HOME: path.join(home, ".local", "share"),
    XDG_CACHE_HOME: path.join(home, ".cache"),
    SF_DISABLE_AUTOUPDATE: "true",
    SF_AUTOUPDATE_DISABLE: "true",
    SFDX_DISABLE_AUTOUPDATE: "true",
    SFDX_AUTOUPDATE_DISABLE: "true",
    SF_SKIP_NEW_VERSION_CHECK: "true",
    SF_DISABLE_TELEMETRY: "true",
    SFDX_DISABLE_TELEMETRY: "true",
    SF_DISABLE_DNS_CHECK: "true",
    SFDX_DISABLE_DNS_CHECK: "true",
    SF_HIDE_RELEASE_NOTES: "true",
    SF_HIDE_RELEASE_NOTES_FOOTER: "true",
    SF_USE_GENERIC_UNIX_KEYCHAIN: "true",
    SF_USE_PROGRESS_BAR: "false",
    SF_NO_TABLE_STYLE: "true",
    NO_COLOR: "1",
    FORCE_COLOR: "0",
    NODE_OPTIONS: `--import=${guard}`,
    PENDULUM_SF_NETWORK_LOG: networkLog,
  };
}

/** Creates a sandboxed CLI with a fresh HOME. */
export function createSf(): Sf {
  assertSfInstalled();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-sf-home-"));
  const networkLog = path.join(home, "network.log");
  // Not HOME itself: there the project config (./.sf) and the global one (~/.sf) would be one folder.
  const workDir = path.join(home, "work");
  fs.mkdirSync(workDir);
  fs.writeFileSync(networkLog, "");
  const base = sandboxEnv(home, networkLog);
  const run = (args: string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<SfRun> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        [runJs, ...args],
        { env: { ...base, ...options.env }, cwd: options.cwd ?? workDir, maxBuffer: 256 * 1024 * 1024, timeout: 180_000 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
          let json: SfJson | undefined;
          try {
            json = JSON.parse(stdout) as SfJson;
          } catch {
            json = undefined;
          }
          resolve({ code, stdout, stderr, json });
        },
      );
    });
  return {
    home,
    workDir,
    networkLog,
    run,
    async json<T>(args: string[], options?: { env?: Record<string, string>; cwd?: string }): Promise<T> {
      const r = await run([...args, "--json"], options);
      if (r.code !== 0 || !r.json || r.json.status !== 0) throw new Error(`sf ${args.join(" ")} failed (exit ${r.code}): ${r.json?.name ?? ""} ${r.json?.message ?? r.stderr.slice(0, 2000)}`);
      return r.json.result as T;
    },
  };
}
