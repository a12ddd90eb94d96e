// The read views the admin UI's success screens are built on: health over time from rule runs over
// past rule dates, who moved this week, usage per period, what a run wrote, and previews of rules
// that are not saved.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SuccessPendulum } from "../../test/success-kit.js";
import type { Rule } from "./rules/definition.js";
import type { RulePreview } from "./rules/rule-runner.js";
import type { RuleRun } from "./rules/run-types.js";
import type { HealthSummary } from "./scorecards/health.js";
import { call, startSuccessPendulum } from "../../test/success-kit.js";

// The server's clock: 2024-06-30 (a Sunday) at noon UTC.
const NOW = Date.UTC(2024, 5, 30, 12);
let p: SuccessPendulum;

beforeAll(async () => {
  p = await startSuccessPendulum({ clock: () => NOW });
  await call(p, "PUT", "/scorecard/scheme", { type: "numeric", ranges: [{ label: "Red", from: 0, to: 45 }, { label: "Yellow", from: 45, to: 70 }, { label: "Green", from: 70, to: 100 }] });
  await call(p, "POST", "/scorecard/measures", { name: "usage", label: "Product usage", weight: 1 });
  await call(p, "POST", "/usage/measures", { name: "minutes", label: "Minutes", type: "number", aggregation: "sum" });
  for (const c of [
    { accountId: "A1", name: "Alpha" },
    { accountId: "A2", name: "Beta" },
    { accountId: "A3", name: "Gamma" },
  ]) {
    expect((await call(p, "POST", "/customers", c)).status).toBe(201);
  }
});
afterAll(async () => {
  await p?.close();
});

async function createRule(body: Record<string, unknown>): Promise<Rule> {
  const r = await call<Rule>(p, "POST", "/rules", { type: "Custom", customersOnly: true, filters: [], ...body });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
}

describe("health over time from rule runs over past rule dates", () => {
  it("stamps each score change with the run's rule date, replays the split per day and lists who moved this week with the measure", async () => {
    // Usage per week: Alpha falls from 90 to 20 minutes, Beta stays high, Gamma is never scored.
    const weeks = [
      { date: "2024-06-10", A1: 90, A2: 95 },
      { date: "2024-06-17", A1: 60, A2: 95 },
      { date: "2024-06-24", A1: 20, A2: 92 },
    ];
    for (const w of weeks) {
      const rows = [
        { accountId: "A1", date: w.date, aggregationLevel: "ACCOUNTLEVEL", measures: { minutes: w.A1 } },
        { accountId: "A2", date: w.date, aggregationLevel: "ACCOUNTLEVEL", measures: { minutes: w.A2 } },
      ];
      expect((await call(p, "POST", "/usage/data", { rows })).status).toBe(200);
    }
    // The usage score is the week's minutes (already 0–100 here), read for the rule date's week.
    const rule = await createRule({
      name: "Usage score",
      source: { kind: "usage", aggregationLevel: "ACCOUNTLEVEL" },
      show: ["accountId", "minutes", "periodStart"],
      filters: [{ field: "periodStart", operator: "between", value: { ruleDate: -6 }, to: { ruleDate: 0 } }],
      actions: [{ type: "setScore", measure: "usage", score: { field: "minutes" }, comment: "Weekly minutes" }],
    });
    for (const date of ["2024-06-10", "2024-06-17", "2024-06-24"]) {
      const run = await call<RuleRun>(p, "POST", `/rules/${rule.id}/run`, { date });
      expect(run.body).toMatchObject({ status: "success", ruleDate: date, rowsRead: 2 });
    }
    const history = await call<{ history: { asOf: string; overallAfter: number }[] }>(p, "GET", "/customers/A1/score-history");
    expect(history.body.history.map((h) => [h.asOf, h.overallAfter])).toEqual([
      ["2024-06-24", 20],
      ["2024-06-17", 60],
      ["2024-06-10", 90],
    ]);

    const health = await call<HealthSummary>(p, "GET", "/health?days=30&movedDays=7");
    expect(health.status).toBe(200);
    const h = health.body;
    expect(h.today).toBe("2024-06-30");
    expect(h.current).toEqual({ Red: 1, Yellow: 0, Green: 1, "No score": 1 });
    const on = (date: string) => h.trend.find((t) => t.date === date)?.counts;
    expect(h.trend).toHaveLength(30);
    // Before the first run nobody had a score; then Alpha goes Green → Yellow → Red.
    expect(on("2024-06-09")).toEqual({ Red: 0, Yellow: 0, Green: 0, "No score": 3 });
    expect(on("2024-06-10")).toEqual({ Red: 0, Yellow: 0, Green: 2, "No score": 1 });
    expect(on("2024-06-17")).toEqual({ Red: 0, Yellow: 1, Green: 1, "No score": 1 });
    expect(on("2024-06-24")).toEqual({ Red: 1, Yellow: 0, Green: 1, "No score": 1 });
    // This week (since 2024-06-23): Alpha fell from Yellow 60 to Red 20; Beta moved 3 points, within Green.
    expect(h.moved.map((m) => [m.name, m.labelBefore, m.labelAfter, m.before, m.after])).toEqual([
      ["Alpha", "Yellow", "Red", 60, 20],
      ["Beta", "Green", "Green", 95, 92],
    ]);
    expect(h.moved[0]?.changes).toEqual([{ measure: "usage", label: "Product usage", before: 60, after: 20, comment: "Weekly minutes", asOf: "2024-06-24", runId: expect.any(String) as string }]);
    expect((await call(p, "GET", "/health?days=400")).body).toMatchObject({ code: "INVALID_INPUT", field: "days" });
  });

  it("sums usage per period across customers", async () => {
    const s = await call<{ periods: { periodStart: string; accounts: number; values: Record<string, { sum: number; avg: number; min: number; max: number }> }[] }>(p, "GET", "/usage/summary");
    expect(s.body.periods.map((x) => [x.periodStart, x.accounts, x.values["minutes"]])).toEqual([
      ["2024-06-10", 2, { sum: 185, avg: 92.5, min: 90, max: 95, count: 2 }],
      ["2024-06-17", 2, { sum: 155, avg: 77.5, min: 60, max: 95, count: 2 }],
      ["2024-06-24", 2, { sum: 112, avg: 56, min: 20, max: 92, count: 2 }],
    ]);
    expect((await call<{ periods: unknown[] }>(p, "GET", "/usage/summary?from=2024-06-20")).body.periods).toHaveLength(1);
  });
});

describe("what a run wrote", () => {
  it("lists the usage rows, score changes and CTAs of one run, and only that run's", async () => {
    const rule = await createRule({
      name: "Weekly snapshot",
      source: { kind: "customers" },
      show: ["accountId", "name"],
      filters: [{ field: "name", operator: "notEquals", value: "Gamma" }],
      actions: [
        { type: "loadToUsage", mappings: [{ to: "accountId", field: "accountId" }, { to: "minutes", constant: 5 }, { to: "aggregationLevel", constant: "ACCOUNTLEVEL" }, { to: "date", ruleDate: 0 }] },
        { type: "createCta", ctaType: "Check-in", reason: "Weekly snapshot", priority: "Low", dueInDays: 7 },
      ],
    });
    const first = await call<RuleRun>(p, "POST", `/rules/${rule.id}/run`, { date: "2024-07-01" });
    expect(first.body).toMatchObject({ status: "success", rowsRead: 2 });
    const rows = await call<{ usage: { total: number; rows: { accountId: string; periodStart: string; measures: Record<string, unknown> }[] }; scores: { total: number }; ctas: { total: number; rows: { accountId: string; reason: string }[] }; records: { total: number } }>(
      p,
      "GET",
      `/rules/${rule.id}/runs/${first.body.id}/rows`,
    );
    expect(rows.status).toBe(200);
    expect(rows.body.usage.total).toBe(2);
    expect(rows.body.usage.rows.map((r) => [r.accountId, r.periodStart, r.measures["minutes"]])).toEqual([
      ["A1", "2024-07-01", 5],
      ["A2", "2024-07-01", 5],
    ]);
    expect(rows.body.ctas.rows.map((c) => [c.accountId, c.reason]).sort()).toEqual([
      ["A1", "Weekly snapshot"],
      ["A2", "Weekly snapshot"],
    ]);
    expect(rows.body.scores.total).toBe(0);
    expect(rows.body.records.total).toBe(0);

    // The usage score rule's runs each wrote score changes; a run of another rule is refused.
    const usageRule = await call<{ runs: RuleRun[] }>(p, "GET", `/rules/${encodeURIComponent("Usage score")}/runs`);
    const last = usageRule.body.runs[0] as RuleRun;
    const scores = await call<{ scores: { total: number; rows: { name: string; measure: string; measureAfter: number; asOf: string }[] } }>(p, "GET", `/rules/${last.ruleId}/runs/${last.id}/rows`);
    expect(scores.body.scores.rows.map((r) => [r.name, r.measure, r.measureAfter, r.asOf])).toEqual([
      ["Alpha", "Product usage", 20, "2024-06-24"],
      ["Beta", "Product usage", 92, "2024-06-24"],
    ]);
    expect((await call(p, "GET", `/rules/${rule.id}/runs/${last.id}/rows`)).body).toMatchObject({ code: "RUN_NOT_FOUND", field: "runId" });
  });
});

describe("previewing a rule that is not saved", () => {
  it("previews the rule in the body, stores nothing, and names a refused field as saving would", async () => {
    const before = (await call<{ rules: Rule[] }>(p, "GET", "/rules")).body.rules.length;
    const draft = {
      name: "Draft: usage score",
      type: "Custom",
      source: { kind: "usage", aggregationLevel: "ACCOUNTLEVEL" },
      show: ["accountId", "minutes"],
      filters: [],
      customersOnly: true,
      actions: [{ type: "setScore", measure: "usage", score: { field: "minutes" } }],
    };
    const preview = await call<RulePreview>(p, "POST", "/rules/preview?date=2024-06-24&previewRows=5", draft);
    expect(preview.status, JSON.stringify(preview.body)).toBe(200);
    expect(preview.body).toMatchObject({ preview: true, ruleName: "Draft: usage score", ruleDate: "2024-06-24" });
    expect(preview.body.rowsRead).toBeGreaterThan(0);
    expect(preview.body.actions[0]?.wouldWrite?.length).toBeGreaterThan(0);
    expect((await call<{ rules: Rule[] }>(p, "GET", "/rules")).body.rules).toHaveLength(before);
    // Nothing was scored: Alpha's current score is still the one the last real run left.
    expect((await call(p, "GET", "/customers/A1")).body).toMatchObject({ healthScore: 20 });

    const bad = await call(p, "POST", "/rules/preview", { ...draft, show: ["accountId"], actions: [{ type: "setScore", measure: "usage", score: { field: "minutes" } }] });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: "FIELD_NOT_SHOWN", field: "actions[0].score.field" });
    const schema = await call(p, "POST", "/rules/preview", { ...draft, name: "" });
    expect(schema.body).toMatchObject({ field: "name" });
  });
});

describe("one customer's page in one call", () => {
  it("answers Customer Info, history, the scorecard with its scheme, usage by period and CTAs together, each as its own endpoint does", async () => {
    const page = await call<Record<string, unknown>>(p, "GET", "/customers/A1/page");
    expect(page.status).toBe(200);
    const apart = {
      customer: (await call(p, "GET", "/customers/A1")).body,
      history: (await call<{ history: unknown[] }>(p, "GET", "/customers/A1/score-history?limit=500")).body.history,
      card: (await call(p, "GET", "/customers/A1/scorecard")).body,
      scorecard: (await call(p, "GET", "/scorecard")).body,
      series: (await call<{ series: unknown[] }>(p, "GET", "/customers/A1/usage")).body.series,
      measures: (await call<{ measures: unknown[] }>(p, "GET", "/usage/measures")).body.measures,
      ctas: (await call(p, "GET", "/ctas?accountId=A1&limit=50")).body,
    };
    expect(page.body).toMatchObject({ customer: apart.customer, history: apart.history, card: apart.card, scorecard: apart.scorecard, usage: { series: apart.series, measures: apart.measures }, ctas: apart.ctas });
    expect((page.body["history"] as unknown[]).length).toBe(3);
    expect((await call(p, "GET", "/customers/NOPE/page")).body).toMatchObject({ code: "CUSTOMER_NOT_FOUND" });
  });
});

