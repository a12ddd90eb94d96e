import type { Args } from "./args.js";

/** One `pendulum` command: its usage text and what it does. Returns the exit code. */
export type Command = {
  name: string;
  summary: string;
  usage: string;
  booleanFlags?: string[];
  run(args: Args, io: CliIo): Promise<number>;
};

/** Where a command reads its environment and writes its output (tests pass their own). */
export type CliIo = {
  env: Record<string, string | undefined>;
  cwd: string;
  out(line: string): void;
  err(line: string): void;
  /** Redraws the current line (a progress bar) where the output is a terminal; absent elsewhere. */
  update?(line: string): void;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM); long-running commands wait on it. */
  stopped: Promise<void>;
};
