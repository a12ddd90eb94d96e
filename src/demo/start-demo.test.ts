// `pendulum start --demo` as a person runs it: a child process on a fresh data folder, small size.
// Waits for the summary, then checks its figures against the API and that every printed URL answers.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_TOKEN, testEnvironment } from "../../test/harness.js";
import { testRecordsEnvironment } from "../../test/postgres.js";
import { RULE_ACCOUNT_TO_USAGE, RULE_SUCCESS_TO_ACCOUNT } from "./rules.js";
import { LINK_FIELD } from "./crm.js";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-start-demo-"));
let child: ChildProcess;
let out = "";
let url = "";

const api = async <T>(p: string, init: RequestInit = {}): Promise<T> => {
  const res = await fetch(`${url}/api/v1${p}`, { ...init, headers: { authorization: `Bearer ${TEST_TOKEN}`, ...(init.body ? { "content-type": "application/json" } : {}) } });
  const body = (await res.json()) as T;
  if (!res.ok) throw new Error(`${p}: ${res.status} ${JSON.stringify(body)}`);
  return body;
};
/** The number after a summary label, e.g. "accounts linked:      20". */
const figure = (label: string): number => {
  const m = new RegExp(`${label}:\\s+(\\d+)`).exec(out);
  if (!m) throw new Error(`no "${label}" in the summary:\n${out}`);
  return Number(m[1]);
};

beforeAll(async () => {
  child = spawn(process.execPath, ["--import", "tsx", path.join("test", "fixtures", "start-child.ts"), "--demo", "--demo-accounts", "20", "--demo-days", "14"], {
    env: { ...process.env, ...testEnvironment(dataDir), ...(await testRecordsEnvironment(dataDir)) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no demo summary in time:\n${out}`)), 280_000);
    const check = (): void => {
      // The URL list ends with the guides link; "Demo: stopped" means the set-up failed.
      if (/Demo: stopped/.test(out)) reject(new Error(out));
      if (/\/api\/v1\/guides\s*$/m.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on("data", check);
    child.once("exit", (code) => reject(new Error(`pendulum exited with ${code}:\n${out}`)));
  });
  url = (/running at (http:\/\/\S+)/.exec(out) as RegExpExecArray)[1] as string;
}, 300_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    await new Promise((resolve) => {
      child.once("exit", resolve);
      child.kill("SIGTERM");
    });
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("pendulum start --demo", () => {
  it("sets up, runs the loop with a bar per stage and reports success", () => {
    expect(out).toContain("Demo: setting up the article's integration");
    expect(out).toMatch(/\[#{20}\] 100% Analytics: loading 14 days of usage for 400 visitors/);
    expect(out).toMatch(/\[#{20}\] 100% ✓ Loop 5: pull CRM fields again: success/);
    expect(out).toContain("Demo: the loop finished with success.");
  });

  it("prints figures the API agrees with", async () => {
    const link = await api<{ matched: number }>("/sync/link/check", { method: "POST", body: JSON.stringify({ field: LINK_FIELD }) });
    expect(figure("accounts linked")).toBe(20);
    expect(figure("accounts linked")).toBe(link.matched);
    expect(figure("usage rows")).toBe((await api<{ rows: unknown[] }>("/success/usage/data")).rows.length);
    const customers = (await api<{ customers: { healthColour: string | null }[] }>("/success/customers?limit=1000")).customers;
    for (const colour of ["Red", "Yellow", "Green"]) {
      const m = new RegExp(`health:.*\\b${colour} (\\d+)`).exec(out);
      expect(Number(m?.[1])).toBe(customers.filter((c) => c.healthColour === colour).length);
    }
    const segments = (await api<{ segments: { id: string; name: string }[] }>("/segments")).segments;
    for (const name of ["Renewal within 60 days and health red", "Onboarding not complete"]) {
      const s = segments.find((x) => x.name === name);
      const members = await api<{ count: number }>(`/segments/${s?.id}/members?kind=visitor&limit=1`);
      expect(members.count).toBeGreaterThan(0);
      expect(figure(name)).toBe(members.count);
    }
    // Written = the two pushes (3 fields each, per account) + rule 1's usage rows + rule 2's Accounts.
    expect(figure("fields/rows written")).toBe(20 * 2 + 20 + 20);
  });

  it("built everything the issue lists", async () => {
    const reports = (await api<{ reports: { id: string; range: { last?: number } }[] }>("/reports")).reports;
    expect(reports.map((r) => r.range.last).sort()).toEqual([30, 7]);
    const mappings = (await api<{ mappings: { reportId: string; dailySync: boolean }[] }>("/sync/push-mappings")).mappings;
    expect(new Set(mappings.map((m) => m.reportId))).toEqual(new Set(reports.map((r) => r.id)));
    const rules = await api<{ rules: { name: string }[] }>("/success/rules");
    expect(rules.rules.map((r) => r.name).sort()).toEqual([RULE_ACCOUNT_TO_USAGE.name, RULE_SUCCESS_TO_ACCOUNT.name].sort());
    const card = await api<{ groups: unknown[]; measures: unknown[]; scheme: { ranges: { label: string }[] } }>("/success/scorecard");
    expect(card.groups).toHaveLength(2);
    expect(card.measures).toHaveLength(2);
    expect(card.scheme.ranges.map((r) => r.label)).toEqual(["Red", "Yellow", "Green"]);
    const guides = (await api<{ guides: { name: string; steps: { layout: string }[] }[] }>("/guides")).guides;
    expect(guides.map((g) => g.name).sort()).toEqual(["Finish onboarding", "NPS", "Renewal check-in"]);
    expect(guides.find((g) => g.name === "NPS")?.steps[0]?.layout).toBe("poll");
  });

  it("prints URLs that answer", async () => {
    const printed = out.split("open (API links")[1]?.match(/http:\/\/\S+/g) ?? [];
    expect(printed.length).toBeGreaterThanOrEqual(6);
    for (const u of printed) {
      const res = await fetch(u, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
      expect(res.status, u).toBe(200);
    }
  });
});
