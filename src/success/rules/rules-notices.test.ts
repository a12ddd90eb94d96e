// ADR 0012: a rule run that did its work but could not write a few rows for data reasons succeeds
// with those rows as notices (so a chain goes on); above PENDULUM_MAX_REFUSED_PERCENT it is partial.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_TOKEN } from "../../../test/harness.js";
import type { CliIo } from "../../cli/command.js";
import { main } from "../../cli/main.js";
import type { SuccessPendulum } from "../../../test/success-kit.js";
import { call, startSuccessPendulum } from "../../../test/success-kit.js";
import type { Rule } from "./definition.js";
import type { RuleRun } from "./run-types.js";

let p: SuccessPendulum;
beforeAll(async () => {
  p = await startSuccessPendulum();
  // Twenty customers; one holds a value the usage measure refuses, and one more can be spoiled later.
  for (let i = 1; i <= 20; i++) {
    const visitors = i === 7 ? "lots" : String(i);
    expect((await call(p, "POST", "/customers", { accountId: `N${String(i).padStart(2, "0")}`, name: `Customer ${i}`, custom: { visitors } })).status).toBe(201);
  }
  await call(p, "POST", "/usage/measures", { name: "visitors", label: "Visitors", type: "integer", aggregation: "sum" });
});
afterAll(async () => {
  await p?.close();
});

async function rule(name: string): Promise<Rule> {
  const r = await call<Rule>(p, "POST", "/rules", {
    name,
    type: "Custom",
    customersOnly: true,
    filters: [],
    source: { kind: "customers" },
    show: ["accountId", "custom.visitors"],
    actions: [{ type: "loadToUsage", mappings: [{ to: "accountId", field: "accountId" }, { to: "visitors", field: "custom.visitors" }, { to: "aggregationLevel", constant: "ACCOUNTLEVEL" }, { to: "date", ruleDate: 0 }] }],
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
}

describe("rule runs with notices", () => {
  it("succeeds with one refused row of twenty listed as a notice, and its job reports a success with that notice", async () => {
    const r = await rule("Visitors to usage");
    const run = await call<RuleRun>(p, "POST", `/rules/${r.id}/run`, { date: "2024-05-15" });
    expect(run.body).toMatchObject({ status: "success", rowsRead: 20, rowsWritten: 19, errorCount: 1, notices: 1 });
    expect(run.body.errors.map((e) => [e.key, e.code])).toEqual([["N07", "INVALID_VALUE"]]);

    // The `rule` job kind hands the jobs runner a success with its notices, so a chain goes on
    // (the chain itself is covered in src/jobs/jobs.test.ts and test/loop-notices.test.ts).
    const handler = p.modules.success.jobHandlers["rule"];
    const result = await handler?.({ rule: r.id, date: "2024-05-16" }, { job: { id: "j", name: "rule step" }, runId: "r", now: Date.now() });
    expect(result).toMatchObject({ status: "success", notices: 1, summary: { notices: 1, errors: 1 } });
    // The CLI says so and exits 0.
    let out = "";
    const io: CliIo = { env: {}, cwd: process.cwd(), out: (l) => (out += `${l}\n`), err: (l) => (out += `${l}\n`), stopped: new Promise(() => undefined) };
    expect(await main(["rules", "run", r.id, "--date", "2024-05-17", "--url", p.url, "--token", TEST_TOKEN], io)).toBe(0);
    expect(out).toContain("succeeded with 1 notice;");
    expect(out).toContain("N07");
  });

  it("is partial when more than 5 % of the rows are refused", async () => {
    expect((await call(p, "PATCH", "/customers/N08", { custom: { visitors: "many" } })).status).toBe(200);
    const r = await rule("Visitors to usage, two refused");
    const run = await call<RuleRun>(p, "POST", `/rules/${r.id}/run`, { date: "2024-05-15" });
    expect(run.body).toMatchObject({ status: "partial", rowsRead: 20, errorCount: 2, notices: 2 });
    expect(run.body.message).toMatch(/2 of 20 rows/);
  });
});
