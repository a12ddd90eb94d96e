// runLoopDemo on its own (the CLI child test covers `start --demo` end to end): the first call sets
// the article's loop up and runs the chain once, reporting each stage in chain order; a second call
// on the same workspace sets nothing up again and reports only its own pass.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPendulum, TEST_TOKEN, type TestPendulum } from "../../test/harness.js";
import type { LoopTarget } from "./api.js";
import { runLoopDemo } from "./run-loop.js";
import { LOOP_JOB } from "./workspace.js";

const CRM = { username: "runloop-api@acme.test", password: "s3cret-Passw0rd-runloop", clientId: "3MVG9runloop_client_0123456789", clientSecret: "runloop-client-secret-0123456789" };
const STAGES = ["Loop 1: pull CRM fields", "Loop 2: push analytics to the CRM", "Loop 3: rule 1, Account to Usage", "Loop 4: rule 2, success to Account", "Loop 5: pull CRM fields again"];

let p: TestPendulum;
let target: LoopTarget;

beforeAll(async () => {
  p = await startTestPendulum({ env: { PENDULUM_CRM_USERNAME: CRM.username, PENDULUM_CRM_PASSWORD: CRM.password, PENDULUM_CRM_CLIENT_ID: CRM.clientId, PENDULUM_CRM_CLIENT_SECRET: CRM.clientSecret } });
  target = { url: p.url, token: TEST_TOKEN, crm: CRM };
}, 120_000);
afterAll(async () => {
  await p?.close();
});

type Runs = { runs: { id: string; status: string }[] };

describe("runLoopDemo", () => {
  it("sets the loop up once, runs the chain, and reports every stage in order with the chain's own result", async () => {
    const lines: string[] = [];
    const first = await runLoopDemo(target, { accounts: 6, visitorsPerAccount: 3, days: 3, out: (l) => lines.push(l) });
    expect(first.setUp).toBe(true);
    expect(first.stages.map((s) => s.name)).toEqual(STAGES);
    const jobs = (await (await p.api("/api/v1/jobs")).json()) as { jobs: { id: string; name: string }[] };
    const loop = jobs.jobs.find((j) => j.name === LOOP_JOB);
    expect(loop).toBeDefined();
    const runs = (await (await p.api(`/api/v1/jobs/${loop?.id}/runs`)).json()) as Runs;
    expect(runs.runs).toHaveLength(1);
    expect(first.status).toBe(runs.runs[0]?.status);
    expect(first.stages.every((s) => s.status === "success" && s.ms >= 0)).toBe(true);
    expect(lines.some((l) => l.includes("setting up the article's integration"))).toBe(true);
    // The closing links are screens of the admin UI, not API URLs that need a token.
    expect(first.urls.some((u) => u.endsWith(`${p.url}/`))).toBe(true);
    expect(first.urls.some((u) => u.endsWith(`${p.url}/jobs`))).toBe(true);
    expect(first.urls.every((u) => !u.includes("/api/"))).toBe(true);
    expect(first.lines.length).toBeGreaterThan(0);

    const again: string[] = [];
    const second = await runLoopDemo(target, { accounts: 6, visitorsPerAccount: 3, days: 3, out: (l) => again.push(l) });
    expect(second.setUp).toBe(false);
    expect(again[0]).toContain("exists; running it on the data already here");
    expect(second.stages.map((s) => s.name)).toEqual(STAGES);
    expect(((await (await p.api(`/api/v1/jobs/${loop?.id}/runs`)).json()) as Runs).runs).toHaveLength(2);
    // No second copy of the workspace: still one loop chain.
    const after = (await (await p.api("/api/v1/jobs")).json()) as { jobs: { name: string }[] };
    expect(after.jobs.filter((j) => j.name === LOOP_JOB)).toHaveLength(1);
  }, 180_000);
});
