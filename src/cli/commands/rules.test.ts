import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_TOKEN } from "../../../test/harness.js";
import { call, startSuccessPendulum, type SuccessPendulum } from "../../../test/success-kit.js";
import { parseArgs } from "../args.js";
import type { CliIo } from "../command.js";
import { rulesCommand } from "./rules.js";

let p: SuccessPendulum;
beforeAll(async () => {
  p = await startSuccessPendulum();
  await call(p, "POST", "/customers", { accountId: "A1", name: "Alpha", custom: { visitors: "5" } });
  await call(p, "POST", "/customers", { accountId: "A2", name: "Beta", custom: { visitors: "many" } });
  await call(p, "POST", "/usage/measures", { name: "visitors", label: "Visitors", type: "integer", aggregation: "sum" });
  await call(p, "POST", "/rules", {
    name: "Visitors to usage",
    type: "Custom",
    source: { kind: "customers" },
    show: ["accountId", "custom.visitors"],
    filters: [],
    customersOnly: true,
    actions: [{ type: "loadToUsage", mappings: [{ to: "visitors", field: "custom.visitors" }] }],
  });
});
afterAll(async () => {
  await p?.close();
});

async function cli(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { env: {}, cwd: process.cwd(), out: (l) => out.push(l), err: (l) => err.push(l), stopped: new Promise(() => undefined) };
  const code = await rulesCommand.run(parseArgs(argv, rulesCommand.booleanFlags), io);
  return { code, out, err };
}

describe("pendulum rules", () => {
  it("previews, runs with a back-fill date and lists with the last run", async () => {
    const target = ["--url", p.url, "--token", TEST_TOKEN];
    const preview = await cli(["run", "Visitors to usage", "--preview", "--date", "2024-05-15", ...target]);
    expect(preview.code).toBe(0);
    expect(preview.out[0]).toBe('Preview of "Visitors to usage" on 2024-05-15: 2 rows match; nothing was written.');

    const run = await cli(["run", "Visitors to usage", "--date", "2024-05-15", ...target]);
    expect(run.code).toBe(3);
    expect(run.out[0]).toMatch(/^Run run_\w+ of "Visitors to usage" on 2024-05-15: partial; 2 rows read, 1 written\.$/);
    expect(run.out).toContain('  row 2 (A2), action 1: INVALID_VALUE visitors — visitors: expected a whole number, got "many"');

    const list = await cli(["list", ...target]);
    expect(list.out[0]).toMatch(/^Visitors to usage {2}\[rule_[\w-]+\] {2}source customers; loadToUsage; last run 2024-05-15 partial \(2 read, 1 written\)$/);
  });

  it("reports a missing rule and a missing token", async () => {
    const missing = await cli(["run", "Nope", "--url", p.url, "--token", TEST_TOKEN]);
    expect(missing.code).toBe(1);
    expect(missing.err[0]).toBe('RULE_NOT_FOUND: No rule has the id or name "Nope".');
    await expect(cli(["list", "--url", p.url])).rejects.toThrow("An API token is needed");
  });
});
