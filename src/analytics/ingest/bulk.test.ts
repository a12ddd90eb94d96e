// The bulk loader end to end. Under `npm run test:server-mode` the same tests run in server mode, where
// the loader stages in a scratch DuckDB and streams into ClickHouse (bulk-clickhouse.ts); plain
// `npm test` covers the DuckDB path (bulk.ts). Both read the visitors, accounts and names the staged
// events show with bulk-seen.ts, so its metadata checks here cover it on both.
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { duckDbEventsOf, startTestPendulum, TEST_APP_KEY, type TestPendulum } from "../../../test/harness.js";
import { type ImportEvent } from "../index.js";
import { testServerMode } from "../../../test/clickhouse.js";

// The same history loaded two ways: POST /import on one server, the bulk loader on another. Every
// report figure, every account and the page / feature counts must come out the same.
const DAY = 86_400_000;
const MIN = 60_000;
const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());

function history(): ImportEvent[] {
  const out: ImportEvent[] = [];
  for (let a = 0; a < 4; a++) {
    for (let v = 0; v < 3; v++) {
      for (let d = 20; d >= 1; d -= 1 + ((a + v) % 3)) {
        let t = today - d * DAY + (8 + v) * 3_600_000;
        const visitorId = `bulk-v${a}-${v}`;
        const accountId = `bulk-a${a}`;
        out.push({ type: "load", timestamp: t, visitorId, accountId, url: `https://app.example.com/reports/${d % 4}?tab=x` });
        t += MIN;
        out.push({ type: "click", timestamp: t, visitorId, accountId, url: "https://app.example.com/reports/1", element: [{ tag: "button", id: "export", text: "Export" }] });
        t += 2 * MIN;
        out.push({ type: "focus", timestamp: t, visitorId, accountId, url: "https://app.example.com/home" });
        if (v === 0) out.push({ type: "track", timestamp: t + 1000, visitorId, accountId, event: "report_exported", properties: { rows: d } });
      }
    }
  }
  return out;
}

let viaApi: TestPendulum;
let viaBulk: TestPendulum;
type Rows = { id: string; values: Record<string, unknown> }[];

const json = async <T>(p: TestPendulum, path: string, init?: RequestInit): Promise<T> => {
  const res = await p.api(path, init);
  const body = (await res.json()) as T;
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
};

async function define(p: TestPendulum): Promise<{ page: string; feature: string }> {
  const page = await json<{ id: string }>(p, "/api/v1/pages", { method: "POST", body: JSON.stringify({ name: "Reports", rules: ["/reports/**"] }) });
  const feature = await json<{ id: string }>(p, "/api/v1/features", { method: "POST", body: JSON.stringify({ name: "Export", selector: "button#export" }) });
  return { page: page.id, feature: feature.id };
}

async function report(p: TestPendulum, ids: { page: string; feature: string }): Promise<Rows> {
  const columns = ["visitors", "minutes", "daysActive", "firstVisit", "lastVisit", "visits", "pageViews", "featureClicks", "events", "trackEvents", `pageViews.${ids.page}`, ...(ids.feature ? [`featureClicks.${ids.feature}`] : [])];
  const r = await json<{ id: string }>(p, "/api/v1/reports", { method: "POST", body: JSON.stringify({ name: "Compare", range: { last: 30 }, columns }) });
  const rows = (await json<{ rows: Rows }>(p, `/api/v1/reports/${r.id}/results?limit=100`)).rows;
  return rows.sort((x, y) => x.id.localeCompare(y.id));
}

beforeAll(async () => {
  [viaApi, viaBulk] = await Promise.all([startTestPendulum(), startTestPendulum()]);
}, 60_000);
afterAll(async () => {
  for (const p of [viaApi, viaBulk]) {
    await p?.close();
    if (p) fs.rmSync(p.dataDir, { recursive: true, force: true });
  }
});

describe("the bulk loader", () => {
  it("gives the same reports, accounts and event names as POST /import", async () => {
    const events = history();
    // Pages and features exist before the load on one server and after it on the other: both retroactive paths.
    const apiIds = await define(viaApi);
    await json(viaApi, "/api/v1/import", { method: "POST", body: JSON.stringify({ events }) });
    await viaApi.modules.analytics.settle();

    const analytics = viaBulk.modules.analytics;
    const app = analytics.apps.list()[0];
    if (!app) throw new Error("no app");
    const progress: number[] = [];
    const loaded = await analytics.bulk.importEvents(app, events, (n) => progress.push(n));
    expect(loaded.events).toBe(events.length);
    expect(loaded.toId - loaded.fromId + 1).toBe(events.length);
    expect(progress.at(-1)).toBe(events.length);
    const bulkIds = await define(viaBulk);

    const [a, b] = [await report(viaApi, apiIds), await report(viaBulk, bulkIds)];
    expect(b).toHaveLength(4);
    const rename = (rows: Rows, ids: { page: string; feature: string }): Rows =>
      rows.map((r) => ({ id: r.id, values: Object.fromEntries(Object.entries(r.values).map(([k, v]) => [k.replace(ids.page, "PAGE").replace(ids.feature, "FEATURE"), v])) }));
    expect(rename(b, bulkIds)).toEqual(rename(a, apiIds));
    expect(Number(b[0]?.values[`featureClicks.${bulkIds.feature}`])).toBeGreaterThan(0);
    const names = async (p: TestPendulum): Promise<string[]> => (await p.modules.analytics.metadata.allEventNames()).map((n) => n.name);
    expect(await names(viaBulk)).toEqual(await names(viaApi));
    expect(await names(viaBulk)).toEqual(["report_exported"]);
  });

  it("keeps live ingest after a bulk load on fresh ids", async () => {
    const analytics = viaBulk.modules.analytics;
    const before = await viaBulk.events.maxEventId();
    const res = await fetch(`${viaBulk.url}/data/ingest?key=${TEST_APP_KEY}`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ visitor: { id: "live-1" }, account: { id: "bulk-a0" }, events: [{ type: "load", ts: Date.now() - 1000, url: "https://app.example.com/home" }] }),
    });
    expect(res.status).toBe(200);
    await analytics.settle();
    expect(await viaBulk.events.maxEventId()).toBe(before + 1);
    const ids = (await viaBulk.events.events({ appId: analytics.apps.list()[0]?.id as string, limit: 100_000 })).map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("loads SQL-generated events and maps their dictionary positions to ids", async () => {
    const analytics = viaBulk.modules.analytics;
    const app = analytics.apps.list()[0];
    if (!app) throw new Error("no app");
    const start = today - 2 * DAY;
    const loaded = await analytics.bulk.loadSql(app, {
      urls: ["https://app.example.com/home", "https://app.example.com/sql/only"],
      elements: [JSON.stringify([{ tag: "button", id: "sql-button" }])],
      fill: (table, appId) => `INSERT INTO ${table}
        SELECT i, '${appId}', CASE WHEN i % 2 = 0 THEN 'click' ELSE 'load' END, ${start} + i * 60000, 'sql-v' || (i % 5), 'sql-a', 1 + i % 2,
               CASE WHEN i % 2 = 0 THEN 1 END, NULL, NULL, NULL, NULL, ${start}
        FROM range(1, 101) r(i)`,
    });
    expect(loaded.events).toBe(100);
    const stored = await viaBulk.events.events({ appId: app.id, afterId: loaded.fromId - 1, limit: 100 });
    const urls = new Map((await viaBulk.events.dictionary("urls")).map((e) => [e.id, e.value]));
    expect(stored.filter((e) => urls.get(e.urlId ?? -1) === "https://app.example.com/sql/only")).toHaveLength(50);
    const page = await json<{ id: string }>(viaBulk, "/api/v1/pages", { method: "POST", body: JSON.stringify({ name: "SQL only", rules: ["/sql/only"] }) });
    const rows = await report(viaBulk, { page: page.id, feature: "" });
    expect(rows.find((r) => r.id === "sql-a")?.values).toMatchObject({ visitors: 5, [`pageViews.${page.id}`]: 50 });
  });
});

// DuckDB staging tables in the data folder: server mode stages in a scratch in-memory DuckDB instead.
describe.skipIf(testServerMode)("after a crash mid-load", () => {
  it("drops the staging tables the load left behind when Pendulum starts again", async () => {
    const first = await startTestPendulum();
    const conn = duckDbEventsOf(first).connection;
    await conn.run("CREATE TABLE bulk_staging_0a1b2c AS SELECT * FROM events LIMIT 0; CREATE TABLE bulk_staging_notes (x INTEGER)");
    await first.close();
    const again = await startTestPendulum({ dataDir: first.dataDir });
    try {
      const tables = await duckDbEventsOf(again).connection.runAndReadAll("SELECT table_name FROM duckdb_tables() WHERE starts_with(table_name, 'bulk_staging_') ORDER BY 1");
      // Only names the loader makes (bulk_staging_<hex>) are dropped.
      expect(tables.getRowsJS()).toEqual([["bulk_staging_notes"]]);
    } finally {
      await again.close();
    }
  });
});
