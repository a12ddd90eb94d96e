import { expect, it } from "vitest";
import { CliError, flagText, parseArgs } from "./args.js";

it("splits words, valued flags and boolean flags", () => {
  const a = parseArgs(["import", "events.ndjson", "--format", "csv", "--demo", "--port=4000", "-h"], ["demo"]);
  expect(a.positional).toEqual(["import", "events.ndjson"]);
  expect(a.flags.get("format")).toBe("csv");
  expect(a.flags.get("demo")).toBe(true);
  expect(a.flags.get("port")).toBe("4000");
  expect(a.flags.get("help")).toBe(true);
});

it("refuses a valued flag given without a value", () => {
  const a = parseArgs(["--format"]);
  expect(() => flagText(a, "format")).toThrow(CliError);
});
