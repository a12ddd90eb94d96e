import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPendulum, TEST_APP_KEY, type TestPendulum } from "../../../test/harness.js";

let p: TestPendulum;
const now = Date.now();
const min = 60_000;

async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  const body = (await res.json()) as T;
  if (!res.ok) throw new Error(`${res.status} ${JSON.stringify(body)}`);
  return body;
}
const send = (visitor: string, account: string, events: Record<string, unknown>[]) =>
  fetch(`${p.url}/data/ingest?key=${TEST_APP_KEY}`, { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify({ visitor: { id: visitor }, account: { id: account }, events }) });
const click = (ts: number, id: string) => ({ type: "click", ts, url: "https://app.example.com/reports/7?view=table", element: [{ tag: "span" }, { tag: "button", id, classes: ["btn"] }] });

beforeAll(async () => {
  p = await startTestPendulum();
  // acct-a: two visitors; exports twice, views reports; acct-b: one visitor, only the home page.
  await send("ann", "acct-a", [
    { type: "load", ts: now - 10 * min, url: "https://app.example.com/reports/7?view=table" },
    click(now - 9 * min, "export"),
    click(now - 8 * min, "export"),
    click(now - 7 * min, "share"),
    { type: "track", ts: now - 6 * min, url: "https://app.example.com/reports/8", name: "report_exported" },
    { type: "track", ts: now - 6 * min + 1_000, url: "https://app.example.com/reports/8", name: "report_exported" },
    { type: "track", ts: now - 6 * min + 2_000, url: "https://app.example.com/reports/8", name: "report_shared" },
  ]);
  await send("bob", "acct-a", [{ type: "load", ts: now - 5 * min, url: "https://app.example.com/reports/8" }]);
  await send("cat", "acct-b", [{ type: "load", ts: now - 3 * min, url: "https://app.example.com/home" }, { type: "focus", ts: now - 2 * min, url: "https://app.example.com/home" }]);
  await p.modules.analytics.settle();
});
afterAll(async () => {
  await p.close();
});

describe("pages and features are retroactive", () => {
  it("counts a feature defined after the clicks, recounts on edit, and drops it on delete", async () => {
    const f = await json<{ id: string; matchedElements: number }>(await p.api("/api/v1/features", { method: "POST", body: JSON.stringify({ name: "Export", selector: "button#export" }) }));
    expect(f.matchedElements).toBe(1);
    const report = await json<{ id: string }>(await p.api("/api/v1/reports", { method: "POST", body: JSON.stringify({ name: "Feature use", range: { last: 30 }, columns: [`featureClicks.${f.id}`, "featureClicks", "clicks"] }) }));
    const rows = async () => (await json<{ rows: { id: string; values: Record<string, number> }[] }>(await p.api(`/api/v1/reports/${report.id}/results`))).rows;
    expect((await rows()).find((r) => r.id === "acct-a")?.values[`featureClicks.${f.id}`]).toBe(2);
    // "Feature clicks" are the two on the Export button; the click on Share matches no feature and is in "Clicks" only.
    expect((await rows()).find((r) => r.id === "acct-a")?.values).toMatchObject({ featureClicks: 2, clicks: 3 });
    const visitorReport = await json<{ id: string }>(await p.api("/api/v1/reports", { method: "POST", body: JSON.stringify({ name: "Visitor feature use", kind: "visitor", range: { last: 30 }, columns: ["featureClicks", "clicks"] }) }));
    const visitorRows = (await json<{ rows: { id: string; values: Record<string, number> }[] }>(await p.api(`/api/v1/reports/${visitorReport.id}/results`))).rows;
    expect(visitorRows.find((r) => r.id === "ann")?.values).toEqual({ featureClicks: 2, clicks: 3 });
    await json(await p.api(`/api/v1/features/${f.id}`, { method: "PUT", body: JSON.stringify({ name: "Export or share", selector: "button.btn" }) }));
    expect((await rows()).find((r) => r.id === "acct-a")?.values[`featureClicks.${f.id}`]).toBe(3);
    expect((await rows()).find((r) => r.id === "acct-a")?.values).toMatchObject({ featureClicks: 3, clicks: 3 });
    await json(await p.api(`/api/v1/features/${f.id}`, { method: "DELETE" }));
    expect((await p.api(`/api/v1/reports/${report.id}/results`)).status).toBe(400);
  });

  it("maps a page rule with a wildcard and a query parameter", async () => {
    const page = await json<{ id: string; matchedUrls: number }>(await p.api("/api/v1/pages", { method: "POST", body: JSON.stringify({ name: "Report table", rules: ["/reports/*?view=table"] }) }));
    expect(page.matchedUrls).toBe(1);
    const preview = await json<{ matchedUrls: number }>(await p.api("/api/v1/pages/preview", { method: "POST", body: JSON.stringify({ rules: ["/reports/*"] }) }));
    expect(preview.matchedUrls).toBe(2);
    const report = await json<{ id: string }>(await p.api("/api/v1/reports", { method: "POST", body: JSON.stringify({ name: "Pages", range: { last: 7 }, columns: [`pageViews.${page.id}`, "pageViews"] }) }));
    const r = await json<{ rows: { id: string; values: Record<string, number> }[] }>(await p.api(`/api/v1/reports/${report.id}/results`));
    expect(r.rows.map((x) => [x.id, x.values[`pageViews.${page.id}`], x.values["pageViews"]])).toEqual([
      ["acct-a", 1, 2],
      ["acct-b", 0, 1],
    ]);
  });

  it("lists pages and features with their recent use when asked", async () => {
    const page = await json<{ id: string }>(await p.api("/api/v1/pages", { method: "POST", body: JSON.stringify({ name: "Any report", rules: ["/reports/*"] }) }));
    const idle = await json<{ id: string }>(await p.api("/api/v1/pages", { method: "POST", body: JSON.stringify({ name: "Never seen", rules: ["/nowhere"] }) }));
    const feature = await json<{ id: string }>(await p.api("/api/v1/features", { method: "POST", body: JSON.stringify({ name: "Any button", selector: "button.btn" }) }));
    type Listed = { id: string; usage?: { days: number; events: number; visitors: number; accounts: number } };
    const pages = (await json<{ pages: Listed[] }>(await p.api("/api/v1/pages?usageDays=7"))).pages;
    expect(pages.find((x) => x.id === page.id)?.usage).toEqual({ days: 7, events: 2, visitors: 2, accounts: 1 }); // ann and bob, both in acct-a
    expect(pages.find((x) => x.id === idle.id)?.usage).toEqual({ days: 7, events: 0, visitors: 0, accounts: 0 });
    const features = (await json<{ features: Listed[] }>(await p.api("/api/v1/features?usageDays=30"))).features;
    expect(features.find((x) => x.id === feature.id)?.usage).toEqual({ days: 30, events: 3, visitors: 1, accounts: 1 });
    // Without the parameter the list stays as it was; a bad window is refused with its field.
    expect((await json<{ pages: Listed[] }>(await p.api("/api/v1/pages"))).pages.every((x) => x.usage === undefined)).toBe(true);
    const bad = await p.api("/api/v1/pages?usageDays=0");
    expect(bad.status).toBe(400);
    for (const path of [`/api/v1/pages/${page.id}`, `/api/v1/pages/${idle.id}`, `/api/v1/features/${feature.id}`]) await json(await p.api(path, { method: "DELETE" }));
  });

  it("counts the track events a column names, per name", async () => {
    const report = await json<{ id: string }>(
      await p.api("/api/v1/reports", { method: "POST", body: JSON.stringify({ name: "Exports", range: { last: 7 }, columns: ["trackEvents.report_exported", "trackEvents.never_sent", "trackEvents"] }) }),
    );
    const r = await json<{ rows: { id: string; values: Record<string, number> }[] }>(await p.api(`/api/v1/reports/${report.id}/results`));
    expect(r.rows.map((x) => [x.id, x.values["trackEvents.report_exported"], x.values["trackEvents.never_sent"], x.values["trackEvents"]])).toEqual([
      ["acct-a", 2, 0, 3],
      ["acct-b", 0, 0, 0],
    ]);
  });

  it("refuses a bad rule with the position of the error", async () => {
    const bad = await p.api("/api/v1/features", { method: "POST", body: JSON.stringify({ name: "Bad", selector: "button[" }) });
    expect(bad.status).toBe(400);
    const body = await bad.json();
    expect(body).toMatchObject({ code: "INVALID_RULE", field: "selector" });
    const badPage = await p.api("/api/v1/pages", { method: "POST", body: JSON.stringify({ name: "Bad", rules: ["/ok", "/x#frag*"] }) });
    expect(badPage.status).toBe(400);
    expect((await badPage.json()).field).toBe("rules[1]");
  });
});

describe("account reports and segments", () => {
  it("gives the 30-day account report, sorted, paged and as CSV", async () => {
    await json(await p.api("/api/v1/accounts/acct-a/metadata/custom", { method: "PUT", body: JSON.stringify({ plan: "pro" }) }));
    const report = await json<{ id: string }>(
      await p.api("/api/v1/reports", { method: "POST", body: JSON.stringify({ name: "30 day", range: { last: 30 }, columns: ["visitors", "minutes", "daysActive", "lastVisit", "custom.plan"] }) }),
    );
    const all = await json<{ total: number; rows: { id: string; values: Record<string, unknown> }[] }>(await p.api(`/api/v1/reports/${report.id}/results?sort=minutes&order=desc`));
    expect(all.total).toBe(2);
    // ann: 4 distinct minutes, bob: 1; cat: 2 (load + focus in two minutes).
    expect(all.rows.map((r) => [r.id, r.values["visitors"], r.values["minutes"], r.values["daysActive"], r.values["custom.plan"]])).toEqual([
      ["acct-a", 2, 5, 1, "pro"],
      ["acct-b", 1, 2, 1, null],
    ]);
    expect(all.rows[0]?.values["lastVisit"]).toBe(new Date(now - 5 * min).toISOString());
    const page2 = await json<{ rows: { id: string }[] }>(await p.api(`/api/v1/reports/${report.id}/results?sort=minutes&order=desc&limit=1&offset=1`));
    expect(page2.rows.map((r) => r.id)).toEqual(["acct-b"]);
    const csv = await (await p.api(`/api/v1/reports/${report.id}/results.csv`)).text();
    expect(csv.split("\n")[0]).toBe("accountId,visitors,minutes,daysActive,lastVisit,custom.plan");
    expect(csv).toContain("acct-b,1,2,1,");
    const badSort = await p.api(`/api/v1/reports/${report.id}/results?sort=nope`);
    expect(badSort.status).toBe(400);
  });

  it("filters a report by a segment mixing metadata and behaviour, nested", async () => {
    const seg = await json<{ id: string }>(
      await p.api("/api/v1/segments", {
        method: "POST",
        body: JSON.stringify({
          name: "Pro or home-page users",
          definition: { op: "or", rules: [{ kind: "metadata", target: "account", group: "custom", key: "plan", operator: "equals", value: "PRO" }, { op: "and", rules: [{ kind: "behavior", event: "track", id: "never-sent", condition: "never" }, { kind: "metadata", target: "visitor", group: "agent", key: "role", operator: "exists" }] }] },
        }),
      }),
    );
    const members = await json<{ members: string[] }>(await p.api(`/api/v1/segments/${seg.id}/members?kind=account`));
    expect(members.members).toEqual(["acct-a"]);
    const visitors = await json<{ members: string[] }>(await p.api(`/api/v1/segments/${seg.id}/members?kind=visitor`));
    expect(visitors.members).toEqual(["ann", "bob"]);
    // The list adds member counts when asked: this segment's, and Everyone's (every account and visitor).
    type Listed = { id: string; counts?: { accounts: number; visitors: number } };
    const listed = (await json<{ segments: Listed[] }>(await p.api("/api/v1/segments?counts=true"))).segments;
    expect(listed.find((s) => s.id === seg.id)?.counts).toEqual({ accounts: 1, visitors: 2 });
    expect(listed.find((s) => s.id === "everyone")?.counts).toEqual({ accounts: 2, visitors: 3 });
    expect((await json<{ segments: Listed[] }>(await p.api("/api/v1/segments"))).segments.every((s) => s.counts === undefined)).toBe(true);
    const bad = await p.api("/api/v1/segments", { method: "POST", body: JSON.stringify({ name: "x", definition: { op: "and", rules: [{ kind: "behavior", event: "page", id: "p", condition: "atLeast" }] } }) });
    expect(bad.status).toBe(400);
    expect((await bad.json()).field).toBe("definition.rules[0].count");
  });

  it("pins a report to the overview and keeps the pin when the report is edited", async () => {
    const r = await json<{ id: string; pinned: boolean }>(await p.api("/api/v1/reports", { method: "POST", body: JSON.stringify({ name: "Pinned minutes", range: { last: 7 }, columns: ["minutes"] }) }));
    expect(r.pinned).toBe(false);
    expect((await json<{ pinned: boolean }>(await p.api(`/api/v1/reports/${r.id}/pin`, { method: "PUT", body: JSON.stringify({ pinned: true }) }))).pinned).toBe(true);
    const edited = await json<{ pinned: boolean; columns: string[] }>(await p.api(`/api/v1/reports/${r.id}`, { method: "PUT", body: JSON.stringify({ name: "Pinned minutes", range: { last: 7 }, columns: ["minutes", "visitors"] }) }));
    expect(edited).toMatchObject({ pinned: true, columns: ["minutes", "visitors"] });
    const listed = (await json<{ reports: { id: string; pinned: boolean }[] }>(await p.api("/api/v1/reports"))).reports;
    expect(listed.find((x) => x.id === r.id)?.pinned).toBe(true);
    expect((await json<{ pinned: boolean }>(await p.api(`/api/v1/reports/${r.id}/pin`, { method: "PUT", body: JSON.stringify({ pinned: false }) }))).pinned).toBe(false);
    const missing = await p.api("/api/v1/reports/nope/pin", { method: "PUT", body: JSON.stringify({ pinned: true }) });
    expect(missing.status).toBe(404);
  });
});

describe("an account's visitors", () => {
  it("lists the visitors seen in an account, most recent first, with when they were seen there", async () => {
    const r = await json<{ total: number; visitors: { id: string; firstSeenHere: number; lastSeenHere: number }[] }>(await p.api("/api/v1/accounts/acct-a/visitors"));
    expect(r.total).toBe(2);
    expect(r.visitors.map((v) => v.id)).toEqual(["bob", "ann"]);
    expect(r.visitors[1]?.firstSeenHere).toBe(now - 10 * min);
    expect(r.visitors[1]?.lastSeenHere).toBe(now - 6 * min + 2_000);
    const page = await json<{ total: number; visitors: { id: string }[] }>(await p.api("/api/v1/accounts/acct-a/visitors?limit=1&offset=1"));
    expect(page).toMatchObject({ total: 2, visitors: [{ id: "ann" }] });
    expect((await p.api("/api/v1/accounts/no-such-account/visitors")).status).toBe(404);
  });
});

describe("bounded work (issue 15, finding 7a)", () => {
  it("refuses a range of a thousand years when the report is saved, and when a saved one runs", async () => {
    const body = { name: "millennium", range: { from: "1025-01-01", to: "2025-01-01" }, columns: ["minutes"] };
    const saved = await p.api("/api/v1/reports", { method: "POST", body: JSON.stringify(body) });
    expect(saved.status).toBe(400);
    expect(await saved.json()).toMatchObject({ code: "INVALID_RANGE", field: "range" });
    const notADate = await p.api("/api/v1/reports", { method: "POST", body: JSON.stringify({ ...body, range: { from: "2024-13-45", to: "2025-01-01" } }) });
    expect(await notADate.json()).toMatchObject({ code: "INVALID_RANGE", field: "range" });
    // A report saved before this check (straight into the store) is refused when it runs.
    const old = await p.modules.analytics.reports.create({ appId: p.modules.analytics.apps.list()[0]?.id as string, name: "old", kind: "account", segmentId: "everyone", range: body.range, timeZone: "UTC", columns: ["minutes"] });
    const run = await p.api(`/api/v1/reports/${old.id}/results`);
    expect(run.status).toBe(400);
    expect(await run.json()).toMatchObject({ code: "INVALID_RANGE" });
  });
});
