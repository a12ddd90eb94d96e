import { CliError, parseArgs } from "./args.js";
import type { CliIo, Command } from "./command.js";
import { appsCommand } from "./commands/apps.js";
import { crmCommand } from "./commands/crm.js";
import { importCommand } from "./commands/import.js";
import { jobsCommand } from "./commands/jobs.js";
import { migrateEventsCommand } from "./commands/migrate-events.js";
import { migrateRecordsCommand } from "./commands/migrate-records.js";
import { reportCommand } from "./commands/report.js";
import { rulesCommand } from "./commands/rules.js";
import { syncCommand } from "./commands/sync.js";
import { serveCommand } from "./commands/serve.js";
import { tokensCommand } from "./commands/tokens.js";
import { fitLine } from "./terminal.js";
import { ConfigError, processEnvironment } from "../config.js";
import { DataDirLockedError } from "../server/index.js";

/** Every `pendulum` command. */
export function commands(): Command[] {
  return [serveCommand("start"), serveCommand("serve"), appsCommand, tokensCommand, importCommand, reportCommand, syncCommand, rulesCommand, jobsCommand, crmCommand, migrateRecordsCommand, migrateEventsCommand];
}

function topHelp(all: Command[]): string {
  const width = Math.max(...all.map((c) => c.name.length));
  return [
    "Usage: pendulum <command> [options]",
    "",
    "Commands:",
    ...all.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Run `pendulum <command> --help` for a command's options.",
  ].join("\n");
}

function processIo(): CliIo {
  const stopped = new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  return {
    env: processEnvironment(),
    cwd: process.cwd(),
    out: (l) => process.stdout.write(`${l}\n`),
    err: (l) => process.stderr.write(`${l}\n`),
    // A redrawn line must not wrap: the terminal would clear only its last row and leave the rest.
    ...(process.stdout.isTTY ? { update: (l: string) => void process.stdout.write(`\r\x1b[2K${fitLine(l, process.stdout.columns)}`) } : {}),
    stopped,
  };
}

/** Runs `pendulum` with argv (without node and script); returns the exit code. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const all = commands();
  const name = argv[0];
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.out(topHelp(all));
    return name === undefined ? 2 : 0;
  }
  const command = all.find((c) => c.name === name);
  if (!command) {
    io.err(`Unknown command "${name}".\n\n${topHelp(all)}`);
    return 2;
  }
  const args = parseArgs(argv.slice(1), command.booleanFlags ?? []);
  if (args.flags.get("help") === true) {
    io.out(command.usage);
    return 0;
  }
  try {
    return await command.run(args, io);
  } catch (e) {
    if (e instanceof CliError) {
      io.err(`${e.message}\n\n${command.usage}`);
      return 2;
    }
    if (e instanceof ConfigError || e instanceof DataDirLockedError) {
      io.err(e.message);
      return 1;
    }
    throw e;
  }
}
