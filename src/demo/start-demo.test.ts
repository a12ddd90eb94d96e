// `pendulum start --demo` as a person runs it: a child process on a fresh data folder, small size.
// Waits for the summary, then checks its figures against the API and that every printed URL answers.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_TOKEN, testEnvironment } from "../../test/harness.js";
import { testRecordsEnvironment } from "../../test/postgres.js";
import { RULE_ACCOUNT_TO_USAGE, RULE_RED_HEALTH_CTA, RULE_RELATIONSHIP_SCORE, RULE_SUCCESS_TO_ACCOUNT, usageScoreRules } from "./rules.js";
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
      // The demo's last line is "Demo: ready."; "Demo: stopped" means the set-up failed.
      if (/Demo: stopped/.test(out)) reject(new Error(out));
      if (/^Demo: ready\.$/m.test(out)) {
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
    expect(out).toMatch(/\[#{20}\] 100% Analytics: 14 days of usage, 400 visitors/);
    expect(out).toMatch(/\[#{20}\] 100% History: 2 weeks, each rule on its date/);
    expect(out).toMatch(/\[#{20}\] 100% ✓ Loop 5: pull CRM fields again \(\d+ ms\)/);
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
    // The history's last week is today: the pass's push and rule 1 find everything current, and
    // rule 2 writes each customer's new health onto its Account.
    expect(figure("fields/rows written")).toBe(20);
  });

  it("built everything the issue lists", async () => {
    const reports = (await api<{ reports: { id: string; range: { last?: number } }[] }>("/reports")).reports;
    expect(reports.map((r) => r.range.last).sort()).toEqual([30, 7]);
    const mappings = (await api<{ mappings: { reportId: string; dailySync: boolean }[] }>("/sync/push-mappings")).mappings;
    expect(new Set(mappings.map((m) => m.reportId))).toEqual(new Set(reports.map((r) => r.id)));
    const rules = await api<{ rules: { name: string }[] }>("/success/rules");
    expect(rules.rules.map((r) => r.name).sort()).toEqual([RULE_ACCOUNT_TO_USAGE.name, RULE_SUCCESS_TO_ACCOUNT.name, RULE_RELATIONSHIP_SCORE.name, RULE_RED_HEALTH_CTA.name, ...usageScoreRules(20).map((r) => String(r["name"]))].sort());
    const card = await api<{ groups: unknown[]; measures: unknown[]; scheme: { ranges: { label: string }[] } }>("/success/scorecard");
    expect(card.groups).toHaveLength(2);
    expect(card.measures).toHaveLength(2);
    expect(card.scheme.ranges.map((r) => r.label)).toEqual(["Red", "Yellow", "Green"]);
    const guides = (await api<{ guides: { name: string; steps: { layout: string }[] }[] }>("/guides")).guides;
    expect(guides.map((g) => g.name).sort()).toEqual(["Finish onboarding", "NPS", "Renewal check-in"]);
    expect(guides.find((g) => g.name === "NPS")?.steps[0]?.layout).toBe("poll");
  });

  it("prints the admin UI's screens to open, each served", async () => {
    const printed = out.split("open these screens of the admin UI")[1]?.match(/http:\/\/\S+/g) ?? [];
    expect(printed.length).toBeGreaterThanOrEqual(6);
    for (const u of printed) {
      expect(new URL(u).pathname.startsWith("/api/"), u).toBe(false);
      const res = await fetch(u, { headers: { accept: "text/html" } });
      expect(res.status, u).toBe(200);
      expect(await res.text(), u).toContain('<div id="root">');
    }
  });

  it("leaves a workspace that looks lived in: weeks of usage, health and CTAs by rule, NPS answers and guide views", async () => {
    const history = /history:\s+(\d+) weeks \((\d{4}-\d{2}-\d{2}) to (\d{4}-\d{2}-\d{2})\): ([\d,]+) usage rows, ([\d,]+) score changes, ([\d,]+) CTAs/.exec(out);
    expect(history, out).not.toBeNull();
    const [, weeks, from, to, usageRows, , ctas] = history as RegExpExecArray;
    expect(Number(weeks)).toBe(2);
    // Usage rows for both rule dates' weeks, one per customer each.
    const rows = (await api<{ rows: { periodStart: string; runId: string | null }[] }>("/success/usage/data?limit=1000")).rows;
    expect(new Set(rows.map((r) => r.periodStart)).size).toBe(2);
    expect(Number(usageRows?.replace(/,/g, ""))).toBe(rows.length);
    // Health history at both rule dates, written by the rules.
    const customers = (await api<{ customers: { accountId: string; healthColour: string | null }[] }>("/success/customers?limit=1000")).customers;
    const days = new Set<string>();
    for (const c of customers.slice(0, 5)) for (const h of (await api<{ history: { asOf: string; runId: string | null }[] }>(`/success/customers/${c.accountId}/score-history`)).history) {
      days.add(h.asOf);
      expect(h.runId).not.toBeNull();
    }
    expect([...days].sort()).toEqual([from, to]);
    // Every red customer has the rule's open Risk CTA.
    const open = (await api<{ ctas: { accountId: string; reason: string; ruleId: string | null }[] }>("/success/ctas?status=open&limit=1000")).ctas;
    const red = customers.filter((c) => c.healthColour === "Red").map((c) => c.accountId);
    expect(red.length).toBeGreaterThan(0);
    for (const id of red) expect(open.some((c) => c.accountId === id && c.reason === "Health is red" && c.ruleId !== null), id).toBe(true);
    expect(Number(ctas?.replace(/,/g, ""))).toBeGreaterThanOrEqual(red.length);
    const nps = await api<{ rows: { responses: number }[] }>("/nps?kind=app");
    expect(nps.rows[0]?.responses).toBeGreaterThan(0);
    expect(out).toMatch(/guide activity:\s+[\d,]+ NPS answers, [\d,]+ guide views/);
    // Both chains ran: the loop and the health chain.
    const jobs = (await api<{ jobs: { name: string; kind: string; lastRun: { status: string } | null }[] }>("/jobs")).jobs.filter((j) => j.kind === "chain" && j.lastRun);
    expect(jobs.map((j) => [j.name, j.lastRun?.status]).sort()).toEqual([["Health scores and CTAs", "success"], ["The article's loop", "success"]]);
  });

  it("talks like a person: no JSON log lines, bars that fit 80 columns, thousands separators", () => {
    const lines = out.split("\n");
    expect(lines.filter((l) => l.trimStart().startsWith("{"))).toEqual([]);
    for (const l of lines.filter((x) => x.includes("[#"))) expect(l.length, l).toBeLessThanOrEqual(80);
    // 20 accounts × 20 visitors × 14 days is well over a thousand events.
    expect(out).toMatch(/20 accounts, \d{1,3}(,\d{3})+ events/);
  });
});
