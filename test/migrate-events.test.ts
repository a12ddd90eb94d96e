// `pendulum migrate-events` end to end: a test Pendulum takes events through its import API (with a
// page and a feature defined), stops, and its data folder's events are moved into a fresh ClickHouse
// database. The ClickHouse engine must then give the same account report as the folder's DuckDB,
// with the counts printed; a second move into the now-filled database is refused, naming its
// tables; bad input is refused with messages before anything is touched.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clickHouseEventsEngine, duckDbEventsEngine } from "../src/analytics/events-engine.js";
import type { MetricsQuery } from "../src/analytics/metrics/index.js";
import type { CliIo } from "../src/cli/command.js";
import { main } from "../src/cli/main.js";
import { dropClickHouseDatabase, openClickHouseEventStore, openDuckDbEventStore } from "../src/store/index.js";
import { clickHouseTestUrl, testClickHouseOptions } from "./clickhouse.js";
import { FOLDER_EVENTS_ENV, startTestPendulum, type TestPendulum } from "./harness.js";

const DAY = 86_400_000;
const MIN = 60_000;
const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
const dateOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

function history(): unknown[] {
  const out: unknown[] = [];
  for (let a = 0; a < 5; a++) {
    for (let v = 0; v < 3; v++) {
      for (let d = 12; d >= 1; d -= 1 + ((a + v) % 3)) {
        let t = today - d * DAY + (8 + v) * 3_600_000;
        const visitorId = `mv-v${a}-${v}`;
        const accountId = `mv-a${a}`;
        out.push({ type: "load", timestamp: t, visitorId, accountId, url: `https://app.example.com/reports/${d % 4}?tab=x` });
        t += MIN;
        out.push({ type: "click", timestamp: t, visitorId, accountId, url: "https://app.example.com/reports/1", element: [{ tag: "button", id: "export", text: "Export" }] });
        t += 2 * MIN;
        out.push({ type: "focus", timestamp: t, visitorId, accountId, url: `https://app.example.com/home/${a}` });
        if (v === 0) out.push({ type: "track", timestamp: t + 1000, visitorId, accountId, event: "report_exported", properties: { rows: d } });
      }
    }
  }
  return out;
}

function capture(env: Record<string, string> = {}): CliIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { env, cwd: process.cwd(), out: (l) => lines.push(l), err: (l) => errors.push(l), stopped: new Promise<void>(() => undefined), lines, errors };
}

const json = async <T>(p: TestPendulum, pathname: string, init?: RequestInit): Promise<T> => {
  const res = await p.api(pathname, init);
  const body = (await res.json()) as T;
  if (!res.ok) throw new Error(`${pathname}: ${res.status} ${JSON.stringify(body)}`);
  return body;
};

describe("pendulum migrate-events", () => {
  it("refuses bad input with a message naming the option, touching nothing", async () => {
    const cases: [string[], Record<string, string>, string][] = [
      [["migrate-events"], {}, "Name the ClickHouse server to copy into: --to http://host:8123"],
      [["migrate-events", "--to", "not a url"], {}, '--to: "not a url" is not a URL'],
      [["migrate-events", "--to", "postgres://x:5432/db"], {}, "--to: \"postgres://x:5432/db\" is not an HTTP URL"],
      [["migrate-events", "--to", "http://u:p@127.0.0.1:8123"], {}, "--to: put no user or password in the URL; use --user and --password-env"],
      [["migrate-events", "--to", "http://127.0.0.1:8123", "--database", "x; DROP"], {}, '--database: "x; DROP" is not a usable ClickHouse name'],
      [["migrate-events", "--to", "http://127.0.0.1:8123", "--password-env", "NO_SUCH_PENDULUM_VAR"], {}, "--password-env: the environment variable NO_SUCH_PENDULUM_VAR is not set"],
      [["migrate-events", "--to", "http://127.0.0.1:8123", "--password-env", "a-b"], {}, '--password-env: "a-b" is not an environment variable name'],
      [["migrate-events", "--to", "http://127.0.0.1:8123", "--batch", "0"], {}, '--batch: expected a whole number from 1 to 100000, got "0"'],
      [["migrate-events", "--to", "http://127.0.0.1:8123", "--batch", "2.5"], {}, '--batch: expected a whole number from 1 to 100000, got "2.5"'],
      [["migrate-events", "--to", "http://127.0.0.1:8123"], { PENDULUM_CLICKHOUSE_CLUSTER: "two" }, "PENDULUM_CLICKHOUSE_CLUSTER is set to \"two\" but PENDULUM_CLICKHOUSE_SHARDS is not"],
    ];
    for (const [args, env, message] of cases) {
      const io = capture(env);
      const code = await main(args, io);
      expect(code, args.join(" ")).toBe(2);
      expect(io.errors.join("\n"), args.join(" ")).toContain(message);
    }
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-mv-empty-"));
    try {
      const missing = path.join(empty, "nothing-here");
      let io = capture();
      expect(await main(["migrate-events", "--to", "http://127.0.0.1:8123", "--data-dir", missing], io)).toBe(1);
      expect(io.errors).toEqual([`--data-dir: there is no data folder at ${missing} (set --data-dir or PENDULUM_DATA_DIR to the folder Pendulum ran on)`]);
      io = capture();
      expect(await main(["migrate-events", "--to", "http://127.0.0.1:8123", "--data-dir", empty], io)).toBe(1);
      expect(io.errors).toEqual([`--data-dir: ${empty} holds no events.duckdb, so there are no events to move (is it the folder Pendulum ran on?)`]);
      expect(fs.readdirSync(empty)).toEqual([]);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  // The move needs a ClickHouse server: npm run test:server-mode (and CI) runs it; plain npm test skips it.
  describe.skipIf(clickHouseTestUrl === "")("into a ClickHouse database", () => {
    let dataDir: string;
    let appId: string;
    let ids: { page: string; feature: string };
    const target = testClickHouseOptions();
    let recordsUrl: string | undefined;

    beforeAll(async () => {
      // Events in the folder's DuckDB (the move's source), also when the suite runs in server mode.
      const p = await startTestPendulum({ env: FOLDER_EVENTS_ENV });
      dataDir = p.dataDir;
      // Under test:server-mode the records are on PostgreSQL: the move reads the definitions there.
      recordsUrl = p.config.database.url;
      try {
        const app = p.modules.analytics.apps.list()[0];
        if (!app) throw new Error("no app");
        appId = app.id;
        // A page before the events (mapped as they are flushed) and a feature after them (retroactive).
        const page = await json<{ id: string }>(p, "/api/v1/pages", { method: "POST", body: JSON.stringify({ name: "Reports", rules: ["/reports/**"] }) });
        await json(p, "/api/v1/import", { method: "POST", body: JSON.stringify({ events: history() }) });
        await p.modules.analytics.settle();
        const feature = await json<{ id: string }>(p, "/api/v1/features", { method: "POST", body: JSON.stringify({ name: "Export", selector: "button#export" }) });
        ids = { page: page.id, feature: feature.id };
      } finally {
        await p.close();
      }
    }, 120_000);

    afterAll(async () => {
      await dropClickHouseDatabase(target);
      if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it("moves the events, and ClickHouse then gives the same account report as DuckDB; a second move is refused", async () => {
      const io = capture({ ...(process.env.PENDULUM_TEST_CLICKHOUSE_PASSWORD ? { CH_PASSWORD: process.env.PENDULUM_TEST_CLICKHOUSE_PASSWORD } : {}), ...(recordsUrl ? { PENDULUM_DATABASE_URL: recordsUrl } : {}) });
      const auth = [...(target.user ? ["--user", target.user] : []), ...(target.password ? ["--password-env", "CH_PASSWORD"] : [])];
      const code = await main(["migrate-events", "--to", target.url, "--database", target.database, "--data-dir", dataDir, "--batch", "50", ...auth], io);
      expect(io.errors).toEqual([]);
      expect(code).toBe(0);
      const events = history().length;
      expect(io.lines.some((l) => new RegExp(`^\\s+events\\s+${events}\\s+${events}$`).test(l))).toBe(true);
      expect(io.lines.some((l) => /^\s+elements\s+1\s+1$/.test(l))).toBe(true);
      expect(io.lines).toContain("Every table holds the same number of rows on both ends.");
      expect(io.lines.some((l) => l.includes("rollups and the mappings of 1 pages and 1 features built on ClickHouse"))).toBe(true);

      const duckStore = await openDuckDbEventStore({ file: path.join(dataDir, "events.duckdb") });
      const chStore = await openClickHouseEventStore(target);
      try {
        const duck = duckDbEventsEngine(duckStore);
        const ch = clickHouseEventsEngine(chStore);
        for (const q of [
          { appId, from: dateOf(today - 30 * DAY), to: dateOf(today), timeZone: "UTC", trackEventsCountAsActivity: false, pageIds: [ids.page], featureIds: [ids.feature], trackNames: ["report_exported"] },
          { appId, from: dateOf(today - 7 * DAY), to: dateOf(today), timeZone: "Europe/Berlin", trackEventsCountAsActivity: true },
        ] satisfies MetricsQuery[]) {
          const expected = await duck.accountMetrics(q);
          if (!expected.ok) throw new Error("report");
          expect(expected.rows).toHaveLength(5);
          expect(await ch.accountMetrics(q)).toEqual(expected);
        }
        const withRules = await ch.accountMetrics({ appId, from: dateOf(today - 30 * DAY), to: dateOf(today), timeZone: "UTC", trackEventsCountAsActivity: false, pageIds: [ids.page], featureIds: [ids.feature] });
        if (!withRules.ok) throw new Error("report");
        expect(withRules.rows.every((r) => (r.pageViewsByPage[ids.page] ?? 0) > 0 && (r.featureClicksByFeature[ids.feature] ?? 0) > 0)).toBe(true);
        expect(await chStore.events({ appId, visitorId: "mv-v2-1" })).toEqual(await duckStore.events({ appId, visitorId: "mv-v2-1" }));
      } finally {
        await chStore.close();
        await duckStore.close();
      }

      const again = capture(io.env as Record<string, string>);
      expect(await main(["migrate-events", "--to", target.url, "--database", target.database, "--data-dir", dataDir, ...auth], again)).toBe(1);
      expect(again.errors).toHaveLength(1);
      expect(again.errors[0]).toMatch(new RegExp(`^--database: the ClickHouse database ${target.database} at .* is not empty: .*\\belements\\b.*\\bevents\\b.*\\brollup_activity\\b.*\\burls\\b.* hold rows\\.`));
    }, 300_000);

    it("names the server it cannot reach", async () => {
      const io = capture();
      expect(await main(["migrate-events", "--to", "http://127.0.0.1:9", "--database", "pendulum_unreachable", "--data-dir", dataDir], io)).toBe(1);
      expect(io.errors[0]).toMatch(/^--to: cannot use ClickHouse at http:\/\/127\.0\.0\.1:9, database pendulum_unreachable: /);
    });
  });
});
