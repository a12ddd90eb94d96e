// NPS and guide data as analytics sees it: report columns nps.* and guides.*, and NPS segment
// rules, all through the HTTP API of a Pendulum with analytics and guides wired together.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPendulum, TEST_APP_KEY, type TestPendulum } from "../../test/harness.js";
import type { Guide } from "./index.js";
import { composeGuides, seedPeople, type GuidesModules } from "./test-kit.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** 2025-05-01 10:00 UTC; the reports below cover 2025-05-01…2025-05-03. */
const T0 = Date.UTC(2025, 4, 1, 10, 0);

type Rows = { rows: { id: string; values: Record<string, unknown> }[] };

describe("NPS and guide data in analytics reports and segments", () => {
  let p: TestPendulum<GuidesModules>;
  let now = T0;
  let nps: Guide;
  let tour: Guide;
  let viewNo = 0;

  const json = async <T>(res: Response): Promise<T> => {
    const body = (await res.json()) as T;
    if (!res.ok) throw new Error(`${res.status} ${JSON.stringify(body)}`);
    return body;
  };
  const post = (path: string, body: unknown): Promise<Response> => p.api(`/api/v1${path}`, { method: "POST", body: JSON.stringify(body) });
  const events = async (visitor: string, account: string, list: Record<string, unknown>[]): Promise<void> => {
    const res = await fetch(`${p.url}/data/guide-events?key=${TEST_APP_KEY}`, { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify({ visitor, account, events: list }) });
    expect(res.status, await res.clone().text()).toBe(200);
  };
  /** One NPS answer at `at` (guide events take the server's time, which the test clock sets). */
  const answer = async (visitor: string, account: string, score: number, at: number): Promise<void> => {
    now = at;
    const view = `n${viewNo++}`;
    await events(visitor, account, [
      { type: "shown", guide: nps.id, step: 0, view },
      { type: "poll_answered", guide: nps.id, step: 0, view, score },
      { type: "completed", guide: nps.id, step: 0, view },
    ]);
  };
  const report = async (body: Record<string, unknown>): Promise<string> => (await json<{ id: string }>(await post("/reports", { name: "r", range: { from: "2025-05-01", to: "2025-05-03" }, timeZone: "UTC", ...body }))).id;
  const results = async (id: string): Promise<Map<string, Record<string, unknown>>> => new Map((await json<Rows>(await p.api(`/api/v1/reports/${id}/results`))).rows.map((r) => [r.id, r.values]));
  const members = async (definition: unknown, kind: "account" | "visitor"): Promise<string[]> =>
    (await json<{ sample: string[] }>(await post("/segments/preview", { definition, kind }))).sample;

  beforeAll(async () => {
    p = await startTestPendulum({ compose: composeGuides(), clock: () => now });
    const appId = (await json<{ apps: { id: string }[] }>(await p.api("/api/v1/apps"))).apps[0]?.id ?? "";
    const people: [string, string][] = [
      ["v1", "acme"], ["v2", "acme"], ["v3", "acme"], ["v4", "acme"], ["v5", "acme"], ["v6", "acme"], ["v7", "acme"],
      ["b1", "beta"], ["g1", "gamma"], ["g2", "gamma"], ["d1", "delta"], ["s1", "solo"], ["e1", "early"],
    ];
    await seedPeople(p.modules.analytics, appId, people.map(([visitor, account]) => ({ visitor, account })), new Map(), T0);
    nps = await json<Guide>(await post("/guides", { name: "NPS", status: "public", steps: [{ layout: "poll", content: "", poll: { type: "nps", question: "How likely?" } }] }));
    tour = await json<Guide>(await post("/guides", { name: "Tour", status: "public", steps: [{ layout: "lightbox", content: "one" }, { layout: "lightbox", content: "two" }] }));

    // acme, hand-computed over 2025-05-01…03: v6's 10 is before the range; v5 answers twice (its
    // later 3 counts); latest per visitor: 10 9 8 5 3 6 → 2 promoters, 1 passive, 3 detractors
    // of 6 → (2 − 3) / 6 = −16.7; the latest answer in the range is v7's 6.
    await answer("v6", "acme", 10, T0 - 3 * DAY);
    await answer("v1", "acme", 10, T0);
    await answer("v2", "acme", 9, T0 + HOUR);
    await answer("v3", "acme", 8, T0 + 2 * HOUR);
    await answer("v4", "acme", 5, T0 + 3 * HOUR);
    await answer("v5", "acme", 10, T0 + 4 * HOUR);
    await answer("v5", "acme", 3, T0 + DAY);
    await answer("v7", "acme", 6, T0 + DAY + HOUR);
    // beta: one promoter. gamma: g1 a detractor early, then g2 passive later (the account's latest).
    await answer("b1", "beta", 9, T0 + 2 * DAY);
    await answer("g1", "gamma", 2, T0 - 40 * DAY);
    await answer("g2", "gamma", 8, T0 + 2 * DAY + HOUR);
    // 2025-05-02 03:00 UTC is still 2025-05-01 (20:00) in Los Angeles.
    await answer("e1", "early", 7, Date.UTC(2025, 4, 2, 3, 0));
    // After the range: counts for segments (latest ever) but not in the report.
    await answer("s1", "solo", 1, T0 + 5 * DAY);

    // The tour: d1 sees it twice (completes one, dismisses the other), g1 once and leaves it open.
    now = T0 + HOUR;
    await events("d1", "delta", [
      { type: "shown", guide: tour.id, step: 0, view: "t1" },
      { type: "step_shown", guide: tour.id, step: 0, view: "t1" },
      { type: "completed", guide: tour.id, step: 1, view: "t1" },
      { type: "shown", guide: tour.id, step: 0, view: "t2" },
      { type: "dismissed", guide: tour.id, step: 0, view: "t2" },
      // Sent twice by a retrying agent: still one dismissal of one view.
      { type: "dismissed", guide: tour.id, step: 0, view: "t2" },
    ]);
    await events("g1", "gamma", [{ type: "shown", guide: tour.id, step: 0, view: "t3" }]);
    now = T0 + 6 * DAY;
  });
  afterAll(async () => {
    await p?.close();
  });

  it("lists the NPS and guide columns for account and visitor reports", async () => {
    for (const kind of ["account", "visitor"]) {
      const cols = await json<{ columns: { id: string; type: string }[] }>(await p.api(`/api/v1/reports/columns?kind=${kind}`));
      const ids = cols.columns.map((c) => c.id);
      expect(ids).toEqual(expect.arrayContaining(["nps.score", "nps.responses", "nps.latest", "guides.views", "guides.completed", "guides.dismissed"]));
      expect(cols.columns.find((c) => c.id === "nps.score")?.type).toBe("number");
    }
  });

  it("shows one visitor's answer of 9 as the account's NPS 100, latest 9, one response", async () => {
    const id = await report({ columns: ["nps.score", "nps.latest", "nps.responses"] });
    expect((await results(id)).get("beta")).toEqual({ "nps.score": 100, "nps.latest": 9, "nps.responses": 1 });
    const visitors = await results(await report({ kind: "visitor", columns: ["nps.score", "nps.latest", "nps.responses"] }));
    expect(visitors.get("b1")).toEqual({ "nps.score": 100, "nps.latest": 9, "nps.responses": 1 });
  });

  it("computes NPS over the report's range from each visitor's latest answer, by hand", async () => {
    const id = await report({ columns: ["nps.score", "nps.responses", "nps.latest"] });
    const rows = await results(id);
    expect(rows.get("acme")).toEqual({ "nps.score": -16.7, "nps.responses": 6, "nps.latest": 6 });
    expect(rows.get("gamma")).toEqual({ "nps.score": 0, "nps.responses": 1, "nps.latest": 8 });
    // No answer in the range: no score, no latest, zero responses.
    expect(rows.get("solo")).toEqual({ "nps.score": null, "nps.responses": 0, "nps.latest": null });
    expect(rows.get("delta")).toEqual({ "nps.score": null, "nps.responses": 0, "nps.latest": null });
    const visitors = await results(await report({ kind: "visitor", columns: ["nps.score", "nps.latest"] }));
    expect(visitors.get("v5")).toEqual({ "nps.score": -100, "nps.latest": 3 });
    expect(visitors.get("v6")).toEqual({ "nps.score": null, "nps.latest": null });

    // A one-day range sees only that day's answers: 2025-05-02 has v5's 3 and v7's 6.
    const day2 = await report({ range: { from: "2025-05-02", to: "2025-05-02" }, columns: ["nps.score", "nps.responses"] });
    expect((await results(day2)).get("acme")).toEqual({ "nps.score": -100, "nps.responses": 2 });
    // Days are the report's local days. In UTC, e1's answer (2025-05-02 03:00Z) is on the 2nd;
    // in Los Angeles (UTC−7 in May) it is on the 1st, whose day runs 07:00Z…07:00Z next day.
    const utc1 = await report({ range: { from: "2025-05-01", to: "2025-05-01" }, columns: ["nps.responses", "nps.latest"] });
    expect((await results(utc1)).get("early")).toEqual({ "nps.responses": 0, "nps.latest": null });
    const la1 = await results(await report({ range: { from: "2025-05-01", to: "2025-05-01" }, timeZone: "America/Los_Angeles", columns: ["nps.responses", "nps.latest"] }));
    expect(la1.get("early")).toEqual({ "nps.responses": 1, "nps.latest": 7 });
    // acme's answers of the 1st (10:00Z…14:00Z) are on the 1st in both zones.
    expect(la1.get("acme")).toEqual({ "nps.responses": 5, "nps.latest": 10 });
  });

  it("exports the NPS columns as CSV and sorts by them", async () => {
    const id = await report({ columns: ["nps.score", "nps.responses"] });
    const csv = await (await p.api(`/api/v1/reports/${id}/results.csv?sort=nps.score&order=desc`)).text();
    const lines = csv.trim().split("\n");
    expect(lines[0]).toBe("accountId,nps.score,nps.responses");
    // Ties in the sorted column keep id order.
    expect(lines.slice(1, 5)).toEqual(["beta,100,1", "early,0,1", "gamma,0,1", "acme,-16.7,6"]);
    // Accounts without answers come last (empty cells).
    expect(lines.slice(5)).toEqual(["delta,,0", "solo,,0"]);
  });

  it("counts guide views, completions and dismissals per account and per visitor", async () => {
    const cols = ["guides.views", "guides.completed", "guides.dismissed"];
    const accounts = await results(await report({ columns: cols }));
    expect(accounts.get("delta")).toEqual({ "guides.views": 2, "guides.completed": 1, "guides.dismissed": 1 });
    expect(accounts.get("gamma")).toEqual({ "guides.views": 2, "guides.completed": 1, "guides.dismissed": 0 });
    // acme: eight NPS polls shown and completed, v6's (before the range) left out.
    expect(accounts.get("acme")).toEqual({ "guides.views": 7, "guides.completed": 7, "guides.dismissed": 0 });
    expect(accounts.get("solo")).toEqual({ "guides.views": 0, "guides.completed": 0, "guides.dismissed": 0 });
    const visitors = await results(await report({ kind: "visitor", columns: cols }));
    expect(visitors.get("d1")).toEqual({ "guides.views": 2, "guides.completed": 1, "guides.dismissed": 1 });
    expect(visitors.get("g1")).toEqual({ "guides.views": 1, "guides.completed": 0, "guides.dismissed": 0 });
    expect(visitors.get("v5")).toEqual({ "guides.views": 2, "guides.completed": 2, "guides.dismissed": 0 });
  });

  it("selects detractors by their latest answer, for accounts and for visitors", async () => {
    const detractors = { op: "and", rules: [{ kind: "nps", category: "detractor" }] };
    // acme's latest answer is v7's 6; gamma's is g2's 8 (g1's 2 is older); solo's 1 is after the report range but the latest ever.
    expect(await members(detractors, "account")).toEqual(["acme", "solo"]);
    // v5 answered 10 then 3; g1 answered 2 forty-one days before the clock's now.
    expect(await members(detractors, "visitor")).toEqual(["g1", "s1", "v4", "v5", "v7"]);
    // Within the last 30 days g1's answer no longer counts.
    expect(await members({ op: "and", rules: [{ kind: "nps", category: "detractor", days: 30 }] }, "visitor")).toEqual(["s1", "v4", "v5", "v7"]);
    expect(await members({ op: "and", rules: [{ kind: "nps", category: "promoter" }] }, "account")).toEqual(["beta"]);
    expect(await members({ op: "and", rules: [{ kind: "nps", category: "passive" }] }, "visitor")).toEqual(["e1", "g2", "v3"]);
    // Visitors of a detractor account (the account's latest answer decides), and accounts with a promoter visitor.
    expect(await members({ op: "and", rules: [{ kind: "nps", category: "detractor", target: "account" }] }, "visitor")).toEqual(["s1", "v1", "v2", "v3", "v4", "v5", "v6", "v7"]);
    expect(await members({ op: "and", rules: [{ kind: "nps", category: "promoter", target: "visitor" }] }, "account")).toEqual(["acme", "beta"]);
  });

  it("filters a saved report by a saved detractor segment", async () => {
    const seg = await json<{ id: string }>(await post("/segments", { name: "Detractors", definition: { op: "or", rules: [{ kind: "nps", category: "detractor" }] } }));
    const id = await report({ segmentId: seg.id, columns: ["nps.latest"] });
    expect([...(await results(id)).keys()].sort()).toEqual(["acme", "solo"]);
    const m = await json<{ members: string[] }>(await p.api(`/api/v1/segments/${seg.id}/members?kind=visitor`));
    expect(m.members).toEqual(["g1", "s1", "v4", "v5", "v7"]);
  });

  it("refuses a bad NPS rule, naming the field", async () => {
    const bad = async (rule: Record<string, unknown>): Promise<Record<string, unknown>> => {
      const res = await post("/segments", { name: "x", definition: { op: "and", rules: [{ kind: "behavior", event: "page", id: "p", condition: "ever" }, { op: "or", rules: [rule] }] } });
      expect(res.status).toBe(400);
      return (await res.json()) as Record<string, unknown>;
    };
    expect(await bad({ kind: "nps", category: "hater" })).toMatchObject({ code: "INVALID_VALUE", field: "definition.rules[1].rules[0].category" });
    expect(await bad({ kind: "nps", category: "detractor", days: 0 })).toMatchObject({ code: "INVALID_VALUE", field: "definition.rules[1].rules[0].days" });
    expect(await bad({ kind: "nps", category: "detractor", days: 2.5 })).toMatchObject({ field: "definition.rules[1].rules[0].days" });
    expect(await bad({ kind: "nps", category: "detractor", target: "app" })).toMatchObject({ field: "definition.rules[1].rules[0].target" });
  });
});
