import { afterEach, describe, expect, it } from "vitest";
import { startChildServer } from "../../test/child-server.js";
import { startTestPendulum, type TestPendulum } from "../../test/harness.js";
import type { JobHandler, ModuleContext } from "../kernel/index.js";
import { createJobsModule, type JobResult, type JobsModule } from "./index.js";

/** The jobs module over a "step" job kind whose outcome the test chooses, recording each call. */
function composeSteps(calls: string[], options: { release?: Promise<void>; tickMs?: number } = {}) {
  const step: JobHandler = async (params): Promise<JobResult> => {
    calls.push(String(params["label"]));
    if (options.release) await options.release;
    return { status: (params["outcome"] as JobResult["status"] | undefined) ?? "success", summary: { label: params["label"] }, ...(typeof params["notices"] === "number" ? { notices: params["notices"] } : {}) };
  };
  return (ctx: ModuleContext): { jobs: JobsModule } => ({ jobs: createJobsModule(ctx, { handlers: { step }, ...(options.tickMs ? { tickMs: options.tickMs } : {}) }) });
}

let p: TestPendulum<{ jobs: JobsModule }> | TestPendulum | undefined;
afterEach(async () => {
  await p?.close();
  p = undefined;
});

const json = async <T = Record<string, unknown>>(pending: Response | Promise<Response>): Promise<T> => {
  const res = await pending;
  const body = (await res.json()) as T;
  if (!res.ok) throw new Error(`${res.status} ${JSON.stringify(body)}`);
  return body;
};

describe("jobs", () => {
  it("validates jobs and names what is wrong", async () => {
    p = await startTestPendulum({ compose: composeSteps([]) });
    const bad = async (body: unknown, field: string) => {
      const res = await p!.api("/api/v1/jobs", { method: "POST", body: JSON.stringify(body) });
      expect(res.status).toBe(400);
      expect((await res.json()).field).toBe(field);
    };
    await bad({ name: "x", kind: "teleport" }, "kind");
    await bad({ name: "x", kind: "step", schedule: "daily at 25:00" }, "schedule");
    await bad({ name: "x", kind: "chain", params: { steps: [] } }, "params.steps");
    await bad({ name: "x", kind: "chain", params: { steps: ["missing"] } }, "params.steps[0]");
  });

  it("runs a chain in order and stops after a partial step", async () => {
    const calls: string[] = [];
    p = await startTestPendulum({ compose: composeSteps(calls) });
    const mk = (name: string, outcome: string) => json<{ id: string }>(p!.api("/api/v1/jobs", { method: "POST", body: JSON.stringify({ name, kind: "step", params: { label: name, outcome } }) }));
    const a = await mk("pull", "success");
    const b = await mk("push", "partial");
    const c = await mk("rule 1", "success");
    const chain = await json<{ id: string }>(p.api("/api/v1/jobs", { method: "POST", body: JSON.stringify({ name: "loop", kind: "chain", params: { steps: [a.id, "push", c.id] }, schedule: "daily at 00:30", timeZone: "Europe/Berlin" }) }));
    const run = await json<{ status: string; summary: { stoppedAt: string }; steps: { status: string }[] }>(p.api(`/api/v1/jobs/${chain.id}/run`, { method: "POST" }));
    expect(calls).toEqual(["pull", "push"]);
    expect(run.status).toBe("partial");
    expect(run.summary.stoppedAt).toBe("push");
    expect(run.steps.map((s) => s.status)).toEqual(["success", "partial"]);
    const history = await json<{ runs: { status: string }[] }>(p.api(`/api/v1/jobs/${b.id}/runs`));
    expect(history.runs.map((r) => r.status)).toEqual(["partial"]);
    const listed = await json<{ jobs: { name: string; nextRunAt: number; lastRun: { status: string } | null }[] }>(p.api("/api/v1/jobs"));
    expect(listed.jobs.find((j) => j.name === "loop")?.lastRun?.status).toBe("partial");
  });

  it("goes on after a step that succeeded with notices and shows each step's notices and their sum", async () => {
    const calls: string[] = [];
    p = await startTestPendulum({ compose: composeSteps(calls) });
    const mk = (name: string, notices: number) => json<{ id: string }>(p!.api("/api/v1/jobs", { method: "POST", body: JSON.stringify({ name, kind: "step", params: { label: name, notices } }) }));
    const steps = [await mk("pull", 3), await mk("push", 0), await mk("rule", 2)].map((s) => s.id);
    const chain = await json<{ id: string }>(p.api("/api/v1/jobs", { method: "POST", body: JSON.stringify({ name: "loop", kind: "chain", params: { steps } }) }));
    type Run = { status: string; notices: number; summary: { steps: { job: string; status: string; notices: number }[] }; steps: { status: string; notices: number }[] };
    const run = await json<Run>(p.api(`/api/v1/jobs/${chain.id}/run`, { method: "POST" }));
    expect(calls).toEqual(["pull", "push", "rule"]);
    expect(run.status).toBe("success");
    expect(run.notices).toBe(5);
    expect(run.summary.steps.map((s) => [s.job, s.status, s.notices])).toEqual([["pull", "success", 3], ["push", "success", 0], ["rule", "success", 2]]);
    expect(run.steps.map((s) => s.notices)).toEqual([3, 0, 2]);
    const history = await json<{ runs: { notices: number }[] }>(p.api(`/api/v1/jobs/${steps[0]}/runs`));
    expect(history.runs.map((r) => r.notices)).toEqual([3]);
  });

  it("refuses a second run of a job that is running", async () => {
    let open!: () => void;
    const release = new Promise<void>((r) => (open = r));
    p = await startTestPendulum({ compose: composeSteps([], { release }) });
    const job = await json<{ id: string }>(p.api("/api/v1/jobs", { method: "POST", body: JSON.stringify({ name: "slow", kind: "step", params: { label: "slow" } }) }));
    const first = p.api(`/api/v1/jobs/${job.id}/run`, { method: "POST" });
    // Wait until the first run is recorded (it holds the lock from before that moment).
    while ((await p.modules.jobs.store.runs(job.id, 1)).length === 0) await new Promise((r) => setTimeout(r, 20));
    const second = await p.api(`/api/v1/jobs/${job.id}/run`, { method: "POST" });
    expect(second.status).toBe(409);
    expect((await second.json()).code).toBe("JOB_RUNNING");
    open();
    expect((await first).status).toBe(200);
  });

  it("runs a schedule missed while stopped once at start-up", async () => {
    const calls: string[] = [];
    let offset = 0;
    const clock = () => Date.now() + offset;
    const compose = composeSteps(calls, { tickMs: 60_000 });
    p = await startTestPendulum({ compose, clock });
    const dataDir = p.dataDir;
    await json(p.api("/api/v1/jobs", { method: "POST", body: JSON.stringify({ name: "every5", kind: "step", params: { label: "tick" }, schedule: "every 5 minutes" }) }));
    await p.close();
    offset += 60 * 60_000; // an hour down: twelve runs missed
    p = await startTestPendulum({ compose, clock, dataDir });
    await p.modules.jobs.runner.idle();
    expect(calls).toEqual(["tick"]);
    const job = await p.modules.jobs.store.get("every5");
    expect((await p.modules.jobs.store.runs(job!.id, 10)).map((r) => r.trigger)).toEqual(["startup"]);
    expect(job!.nextRunAt).toBeGreaterThan(clock());
  });

  it("a second Pendulum process on the same data folder refuses to start and says why", async () => {
    p = await startTestPendulum();
    await expect(startChildServer(p.dataDir)).rejects.toThrow(/Another Pendulum process \(pid \d+\) is using/);
  });
});
