import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPendulum, TEST_TOKEN, type TestPendulum } from "../../test/harness.js";
import type { CliIo } from "./command.js";
import { commands, main } from "./main.js";

let p: TestPendulum;
beforeAll(async () => {
  p = await startTestPendulum();
});
afterAll(async () => {
  await p.close();
});

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: CliIo = { env: {}, cwd: process.cwd(), out: (l) => (out += `${l}\n`), err: (l) => (err += `${l}\n`), stopped: new Promise(() => undefined) };
  const code = await main([...argv, "--url", p.url, "--token", TEST_TOKEN], io);
  return { code, out, err };
}

describe("pendulum CLI", () => {
  it("prints help for every command", async () => {
    for (const c of commands()) {
      const r = await run([c.name, "--help"]);
      expect(r.code).toBe(0);
      expect(r.out).toContain(`pendulum ${c.name}`);
    }
    const unknown = await run(["nope"]);
    expect(unknown.code).toBe(2);
  });

  it("creates and lists apps and tokens", async () => {
    const created = await run(["apps", "create", "Billing", "--time-zone", "Europe/Berlin"]);
    expect(created.code).toBe(0);
    expect(created.out).toMatch(/track secret: ts_/);
    expect((await run(["apps", "list"])).out).toContain("Billing");
    const token = await run(["tokens", "create", "ci", "--role", "viewer"]);
    expect(token.out).toMatch(/pdl_/);
    expect((await run(["tokens", "list"])).out).toContain("ci");
    const badZone = await run(["apps", "create", "X", "--time-zone", "Mars/Olympus"]);
    expect(badZone.code).toBe(2);
    expect(badZone.err).toContain("INVALID_TIME_ZONE");
  });

  it("imports NDJSON and CSV history and names a bad line", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-import-"));
    const old = Date.now() - 30 * 86_400_000;
    const nd = path.join(dir, "events.ndjson");
    fs.writeFileSync(nd, [JSON.stringify({ type: "load", timestamp: old, visitorId: "imp-1", accountId: "a", url: "https://x/" }), "", JSON.stringify({ type: "track", timestamp: old, visitorId: "imp-1", accountId: "a", event: "Old", properties: { k: 1 } })].join("\n"));
    expect((await run(["import", nd])).code).toBe(0);
    const csv = path.join(dir, "events.csv");
    fs.writeFileSync(csv, `type,timestamp,visitorId,accountId,url,element\nclick,${old},imp-2,a,https://x/,"[{""tag"":""button"",""id"":""go""}]"\n`);
    expect((await run(["import", csv])).code).toBe(0);
    const appId = p.modules.analytics.apps.list()[0]?.id as string;
    expect((await p.events.events({ appId, visitorId: "imp-1" })).map((e) => e.type)).toEqual(["load", "track"]);
    expect((await p.events.events({ appId, visitorId: "imp-2" })).map((e) => e.type)).toEqual(["click"]);
    const bad = path.join(dir, "bad.ndjson");
    fs.writeFileSync(bad, [JSON.stringify({ type: "load", timestamp: old, visitorId: "v", url: "https://x/" }), JSON.stringify({ type: "load", timestamp: old, visitorId: "v" })].join("\n"));
    const r = await run(["import", bad]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("Line 2");
  });

  it("stores each line of a file once when the same import is run again, after an interruption or a fixed line", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-import-again-"));
    const old = Date.now() - 30 * 86_400_000;
    const line = (i: number, visitorId = "again-1") => JSON.stringify({ type: "track", timestamp: old + i, visitorId, event: "Again", properties: { i } });
    // 5,000 good lines (one chunk), then a chunk whose second line is bad.
    const good = Array.from({ length: 5000 }, (_, i) => line(i));
    const file = path.join(dir, "again.ndjson");
    fs.writeFileSync(file, [...good, line(5000, "again-2"), JSON.stringify({ type: "load", timestamp: old, visitorId: "again-2" })].join("\n"));
    const first = await run(["import", file]);
    expect(first.code).toBe(2);
    expect(first.err).toContain("Line 5002");
    // The bad line fixed: the first chunk is skipped, the second stored.
    fs.writeFileSync(file, [...good, line(5000, "again-2"), line(5001, "again-2")].join("\n"));
    const second = await run(["import", file]);
    expect(second.code).toBe(0);
    expect(second.out).toContain("Imported 2 events");
    expect(second.out).toContain("5000 already imported, skipped");
    const third = await run(["import", file]);
    expect(third.out).toContain("Imported 0 events");
    const appId = p.modules.analytics.apps.list()[0]?.id as string;
    expect((await p.events.events({ appId, visitorId: "again-1", limit: 10_000 })).length).toBe(5000);
    expect((await p.events.events({ appId, visitorId: "again-2" })).length).toBe(2);
  });

  it("lists and runs jobs and shows their history", async () => {
    const created = await (await p.api("/api/v1/jobs", { method: "POST", body: JSON.stringify({ name: "empty chain", kind: "chain", params: { steps: [] } }) })).json();
    expect(created.code).toBe("STEPS_REQUIRED");
    const list = await run(["jobs", "list"]);
    expect(list.code).toBe(0);
    expect(list.out).toContain("NAME");
    const missing = await run(["jobs", "run", "no-such-job"]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("NOT_FOUND");
  });

  it("runs a saved report as CSV and JSON", async () => {
    const created = await (await p.api("/api/v1/reports", { method: "POST", body: JSON.stringify({ name: "CLI 30 days", range: { last: 90 }, columns: ["visitors", "events"] }) })).json();
    const csv = await run(["report", "run", created.id, "--format", "csv", "--sort", "events", "--order", "desc"]);
    expect(csv.code).toBe(0);
    const lines = csv.out.trim().split("\n");
    expect(lines[0]).toBe("accountId,visitors,events");
    expect(lines.length).toBeGreaterThan(1);
    const json = JSON.parse((await run(["report", "run", created.id, "--format", "json"])).out);
    expect(json.total).toBe(lines.length - 1);
    expect((await run(["report", "list"])).out).toContain("CLI 30 days");
    const missing = await run(["report", "run", "nope"]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("NOT_FOUND");
  });
});
