/** A parsed command line: positional words and `--flag value` / `--flag` options. */
export type Args = { positional: string[]; flags: Map<string, string | true> };

/** Parses argv; `--x=y` and `--x y` give a value, a lone `--x` gives true. */
export function parseArgs(argv: readonly string[], booleanFlags: readonly string[] = []): Args {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === "--") {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      if (eq > 0) {
        flags.set(a.slice(2, eq), a.slice(eq + 1));
        continue;
      }
      const name = a.slice(2);
      const next = argv[i + 1];
      if (!booleanFlags.includes(name) && next !== undefined && !next.startsWith("--")) {
        flags.set(name, next);
        i++;
      } else {
        flags.set(name, true);
      }
    } else if (a === "-h") {
      flags.set("help", true);
    } else {
      positional.push(a);
    }
  }
  return { positional, flags };
}

/** A flag's string value, or undefined; `--x` alone is an error the caller reports. */
export function flagText(args: Args, name: string): string | undefined {
  const v = args.flags.get(name);
  if (v === true) throw new CliError(`--${name} needs a value`);
  return v;
}

/** A mistake on the command line: printed with the command's usage, exit code 2. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CliError";
  }
}
