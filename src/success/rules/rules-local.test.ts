import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SuccessPendulum } from "../../../test/success-kit.js";
import { call, startSuccessPendulum } from "../../../test/success-kit.js";
import type { RulePreview } from "./rule-runner.js";
import type { Rule } from "./definition.js";
import type { RuleRun } from "./run-types.js";

let p: SuccessPendulum;
/** "rule-ran" signals seen by a listening module (guides listen the same way). */
let ruleRan = 0;
const signalsSettled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
beforeAll(async () => {
  p = await startSuccessPendulum({
    probe: (ctx) => {
      ctx.onSignal("rule-ran", () => void ruleRan++);
      return { name: "signal-probe" };
    },
  });
  for (const c of [
    { accountId: "A1", name: "Alpha", renewalDate: "2024-06-20", churnRisk: "High", custom: { visitors: "12" } },
    { accountId: "A2", name: "Beta", renewalDate: "2024-09-01", churnRisk: "Low", custom: { visitors: "lots" } },
    { accountId: "A3", name: "Gamma", renewalDate: "2024-06-01", churnRisk: "High", custom: { visitors: "7" } },
  ]) {
    expect((await call(p, "POST", "/customers", c)).status).toBe(201);
  }
  await call(p, "POST", "/usage/measures", { name: "visitors", label: "Visitors", type: "integer", aggregation: "sum" });
  await call(p, "POST", "/scorecard/measures", { name: "risk", weight: 10 });
  await call(p, "POST", "/objects", { name: "Snapshot", label: "Snapshot", fields: [{ name: "accountId", type: "string" }, { name: "day", type: "date" }, { name: "risk", type: "string" }] });
});
afterAll(async () => {
  await p?.close();
});

async function createRule(body: Record<string, unknown>): Promise<Rule> {
  const r = await call<Rule>(p, "POST", "/rules", { type: "Custom", customersOnly: true, filters: [], ...body });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
}

describe("rules over local sources", () => {
  it("loads Customer Info into usage, reporting a bad value by row and completing the rest (partial)", async () => {
    const rule = await createRule({
      name: "Customer visitors to usage",
      source: { kind: "customers" },
      show: ["accountId", "custom.visitors"],
      actions: [{ type: "loadToUsage", mappings: [{ to: "accountId", field: "accountId" }, { to: "visitors", field: "custom.visitors" }, { to: "aggregationLevel", constant: "ACCOUNTLEVEL" }, { to: "date", ruleDate: 0 }] }],
    });
    const run = await call<RuleRun>(p, "POST", `/rules/${rule.id}/run`, { date: "2024-05-15" });
    expect(run.body).toMatchObject({ status: "partial", ruleDate: "2024-05-15", rowsRead: 3, rowsWritten: 2, errorCount: 1 });
    expect(run.body.errors).toEqual([{ row: 2, key: "A2", action: 1, actionType: "loadToUsage", field: "visitors", code: "INVALID_VALUE", message: 'visitors: expected a whole number, got "lots"' }]);
    const usage = await call<{ rows: { accountId: string; periodStart: string; measures: Record<string, unknown> }[] }>(p, "GET", "/usage/data");
    expect(usage.body.rows.map((r) => [r.accountId, r.periodStart, r.measures["visitors"]])).toEqual([
      ["A1", "2024-05-13", 12],
      ["A3", "2024-05-13", 7],
    ]);

    await signalsSettled();
    const signalled = ruleRan;
    expect(signalled).toBeGreaterThan(0);

    const rerun = await call<RuleRun>(p, "POST", `/rules/${rule.id}/run`, { date: "2024-05-17" });
    expect(rerun.body.actions).toEqual([{ action: 1, type: "loadToUsage", target: "usage", written: 0, unchanged: 2, failed: 1 }]);
    // A run that wrote nothing changed nothing a listener could read: no signal.
    await signalsSettled();
    expect(ruleRan).toBe(signalled);
    expect((await call<{ rows: unknown[] }>(p, "GET", "/usage/data")).body.rows).toHaveLength(2);

    const runs = await call<{ runs: RuleRun[] }>(p, "GET", `/rules/${encodeURIComponent("Customer visitors to usage")}/runs`);
    expect(runs.body.runs.map((r) => r.ruleDate)).toEqual(["2024-05-17", "2024-05-15"]);
  });

  it("filters on rule date ± N days, opens CTAs without duplicates, sets scores and closes CTAs", async () => {
    const rule = await createRule({
      name: "Renewal risk",
      source: { kind: "customers" },
      show: ["accountId", "churnRisk", "renewalDate"],
      filters: [
        { field: "renewalDate", operator: "between", value: { ruleDate: 0 }, to: { ruleDate: 60 } },
        { field: "churnRisk", operator: "equals", value: "high" },
      ],
      actions: [
        { type: "createCta", ctaType: "Risk", reason: "Renewal at risk", priority: "High", owner: "csm@example.com", dueInDays: 7 },
        { type: "setScore", measure: "risk", score: { constant: "Red" }, comment: "Renewal within 60 days and churn risk high" },
        { type: "loadToObject", object: "Snapshot", operation: "upsert", mappings: [{ to: "accountId", field: "accountId", identifier: true }, { to: "day", ruleDate: 0, identifier: true }, { to: "risk", field: "churnRisk" }] },
      ],
    });
    const preview = await call<RulePreview>(p, "POST", `/rules/${rule.id}/run`, { date: "2024-05-15", preview: true });
    expect(preview.body.rows).toEqual([{ accountId: "A1", churnRisk: "High", renewalDate: "2024-06-20" }, { accountId: "A3", churnRisk: "High", renewalDate: "2024-06-01" }].map((r) => expect.objectContaining(r)));
    expect(preview.body.actions[0]?.wouldWrite).toEqual([expect.objectContaining({ accountId: "A1", type: "Risk", dueDate: "2024-05-22" }), expect.objectContaining({ accountId: "A3" })]);
    expect((await call<{ total: number }>(p, "GET", "/ctas")).body.total).toBe(0);
    expect((await call<{ runs: unknown[] }>(p, "GET", `/rules/${rule.id}/runs`)).body.runs).toHaveLength(0);

    const run = await call<RuleRun>(p, "POST", `/rules/${rule.id}/run`, { date: "2024-05-15" });
    expect(run.body).toMatchObject({ status: "success", rowsRead: 2, rowsWritten: 6 });
    const again = await call<RuleRun>(p, "POST", `/rules/${rule.id}/run`, { date: "2024-05-15" });
    expect(again.body).toMatchObject({ status: "success", rowsWritten: 0 });
    const ctas = await call<{ total: number; ctas: { accountId: string; ruleId: string; runId: string; dueDate: string }[] }>(p, "GET", `/ctas?ruleId=${rule.id}`);
    expect(ctas.body.total).toBe(2);
    expect(ctas.body.ctas[0]).toMatchObject({ ruleId: rule.id, runId: run.body.id, dueDate: "2024-05-22" });
    expect((await call(p, "GET", "/customers/A1")).body).toMatchObject({ healthScore: 25, healthColour: "#d9534f" });
    const history = await call<{ history: { measure: string; runId: string; comment: string }[] }>(p, "GET", "/customers/A1/score-history");
    expect(history.body.history[0]).toMatchObject({ measure: "risk", runId: run.body.id, comment: "Renewal within 60 days and churn risk high" });
    expect((await call<{ records: unknown[] }>(p, "GET", "/objects/Snapshot/records")).body.records).toHaveLength(2);

    const close = await createRule({
      name: "Renewal risk gone",
      source: { kind: "customers" },
      show: ["accountId", "churnRisk"],
      filters: [{ field: "churnRisk", operator: "equals", value: "Low" }],
      actions: [{ type: "closeCta", ctaType: "Risk", reason: "Renewal at risk" }],
    });
    await call(p, "PATCH", "/customers/A3", { churnRisk: "Low" });
    const closed = await call<RuleRun>(p, "POST", `/rules/${close.id}/run`, { date: "2024-05-16" });
    expect(closed.body.actions[0]).toMatchObject({ written: 1, unchanged: 1 });
    expect((await call<{ ctas: { accountId: string }[] }>(p, "GET", "/ctas?status=open")).body.ctas.map((c) => c.accountId)).toEqual(["A1"]);
  });

  it("reads usage data and custom objects as sources and writes Customer Info", async () => {
    const rule = await createRule({
      name: "Usage to customers",
      source: { kind: "usage" },
      show: ["accountId", "visitors", "periodStart"],
      filters: [{ field: "visitors", operator: "greater", value: 10 }],
      actions: [{ type: "loadToCustomers", operation: "update", mappings: [{ to: "accountId", field: "accountId", identifier: true }, { to: "users", field: "visitors" }, { to: "custom.lastUsageWeek", field: "periodStart" }] }],
    });
    const run = await call<RuleRun>(p, "POST", `/rules/${rule.id}/run`, { date: "2024-05-15" });
    expect(run.body).toMatchObject({ status: "success", rowsRead: 1, rowsWritten: 1 });
    expect((await call(p, "GET", "/customers/A1")).body).toMatchObject({ users: 12, custom: { visitors: "12", lastUsageWeek: "2024-05-13" } });

    const fromObject = await createRule({
      name: "Snapshot to tags",
      source: { kind: "object", object: "Snapshot" },
      show: ["accountId", "risk"],
      actions: [{ type: "loadToCustomers", operation: "update", mappings: [{ to: "stage", field: "risk" }] }],
    });
    expect((await call<RuleRun>(p, "POST", `/rules/${fromObject.id}/run`, { date: "2024-05-15" })).body).toMatchObject({ status: "success", rowsWritten: 2 });
    expect((await call(p, "GET", "/customers/A3")).body).toMatchObject({ stage: "High" });
  });

  it("refuses rules that could not run, naming the field", async () => {
    const base = { name: "Bad", type: "Custom", customersOnly: false, filters: [], source: { kind: "customers" }, show: ["accountId"] };
    expect((await call(p, "POST", "/rules", { ...base, actions: [{ type: "loadToUsage", mappings: [{ to: "nope", field: "accountId" }] }] })).body).toMatchObject({ code: "MEASURE_NOT_FOUND", field: "actions[0].mappings[0].to" });
    expect((await call(p, "POST", "/rules", { ...base, actions: [{ type: "loadToUsage", mappings: [{ to: "visitors", field: "arr" }] }] })).body).toMatchObject({ code: "FIELD_NOT_SHOWN", field: "actions[0].mappings[0].field" });
    expect((await call(p, "POST", "/rules", { ...base, show: ["bogus"], actions: [{ type: "createCta", ctaType: "x", reason: "y", priority: "Low", dueInDays: 1 }] })).body).toMatchObject({ code: "FIELD_NOT_FOUND", field: "show[0]" });
    expect((await call(p, "POST", "/rules", { ...base, filters: [{ field: "arr", operator: "between", value: 1 }], actions: [{ type: "createCta", ctaType: "x", reason: "y", priority: "Low", dueInDays: 1 }] })).body).toMatchObject({ code: "INVALID_FILTER", field: "filters[0]" });
    expect((await call(p, "POST", "/rules", { ...base, name: "Renewal risk", actions: [{ type: "createCta", ctaType: "x", reason: "y", priority: "Low", dueInDays: 1 }] })).body).toMatchObject({ code: "RULE_EXISTS" });
    expect((await call(p, "POST", "/rules/nope/run", {})).body).toMatchObject({ code: "RULE_NOT_FOUND" });
  });

  it("fails a CRM rule with a clear message when no CRM is connected in the connection wizard", async () => {
    const rule = await createRule({ name: "Needs a CRM", source: { kind: "crm", object: "Account" }, show: ["Id"], actions: [{ type: "createCta", ctaType: "x", reason: "y", priority: "Low", dueInDays: 1 }] });
    const run = await call<RuleRun>(p, "POST", `/rules/${rule.id}/run`, { date: "2024-05-15" });
    expect(run.body).toMatchObject({ status: "failure", rowsRead: 0 });
    // The rules engine writes as the integration user the admin connected for sync, never under environment variables.
    expect(run.body.message).toBe("CRM_NOT_CONNECTED: Connect the CRM first (PUT /api/v1/sync/connection)");
    const preview = await call(p, "POST", `/rules/${rule.id}/run`, { preview: true });
    expect(preview.status).toBe(409);
    expect(preview.body).toMatchObject({ code: "CRM_NOT_CONNECTED" });
  });
});
