import { demoApi, DemoApiError, type LoopTarget } from "./api.js";
import { progressBar, secondsText, stageReporter } from "./progress.js";
import { LOOP_JOB, setUpArticleLoop, type LoopOptions } from "./workspace.js";

type Run = { id: string; status: string; startedAt: number; finishedAt: number | null; summary: Record<string, unknown>; steps?: { jobId: string; status: string; summary: Record<string, unknown> }[] };
type JobView = { id: string; name: string; params: { steps?: string[] }; lastRun: Run | null };

/** What one demo pass showed, for the CLI summary (and a bench). */
export type LoopReport = { setUp: boolean; status: string; stages: { name: string; status: string; ms: number; summary: Record<string, unknown> }[]; lines: string[]; urls: string[] };

const count = (summary: Record<string, unknown>, key: string): number => Number((summary["counts"] as Record<string, unknown> | undefined)?.[key] ?? 0);

/**
 * `pendulum start --demo`: sets up the article's loop if this workspace has no loop chain yet (a
 * workspace that has one is left as it is, so a restart never duplicates data), runs the chain
 * once, reporting each stage as it finishes, and returns summary lines.
 */
export async function runLoopDemo(target: LoopTarget, options: LoopOptions & { out: (line: string) => void; update?: (line: string) => void }): Promise<LoopReport> {
  const api = demoApi(target);
  const out = options.out;
  let setUp = false;
  let loop: JobView;
  try {
    loop = await api.call<JobView>("GET", `/jobs/${encodeURIComponent(LOOP_JOB)}`);
    out(`Demo: "${LOOP_JOB}" exists; running it on the data already here.`);
  } catch (e) {
    if (!(e instanceof DemoApiError) || e.status !== 404) throw e;
    out("Demo: setting up the article's integration on a generated workspace…");
    const stages = stageReporter(out, options.update);
    const started = performance.now();
    const ws = await setUpArticleLoop(target, { ...options, progress: (l) => stages.stage(l), stageProgress: (d, t) => stages.progress(d, t) });
    stages.end();
    out(`  ${ws.accounts.length} accounts, ${ws.events} events loaded, ${ws.apiCalls} API calls, set up in ${secondsText(performance.now() - started)}.`);
    loop = await api.call<JobView>("GET", `/jobs/${ws.jobs.loop}`);
    setUp = true;
  }

  out(`Demo: running "${LOOP_JOB}" once (it is scheduled daily at 00:30):`);
  const stepIds = loop.params.steps ?? [];
  const names = new Map<string, string>();
  for (const id of stepIds) names.set(id, (await api.call<JobView>("GET", `/jobs/${id}`)).name);
  // Each step's latest run before this pass, so only this pass's runs count as progress.
  const before = new Map<string, string | undefined>();
  for (const id of stepIds) before.set(id, (await api.call<JobView>("GET", `/jobs/${id}`)).lastRun?.id);
  let finished: Run | undefined;
  const pending = api.call<Run>("POST", `/jobs/${loop.id}/run`).then((r) => (finished = r));
  // The run call answers at the end; meanwhile each step's latest run shows progress as it lands.
  const seen = new Set<string>();
  const stages: LoopReport["stages"] = [];
  for (let done = false; !done; ) {
    // Read "finished" before the pass: a pass after the chain ended sees every step it ran.
    done = finished !== undefined;
    for (const id of stepIds) {
      if (seen.has(id)) continue;
      const run = (await api.call<JobView>("GET", `/jobs/${id}`)).lastRun;
      if (!run || run.id === before.get(id) || run.status === "running") break;
      seen.add(id);
      stages.push({ name: names.get(id) ?? id, status: run.status, ms: (run.finishedAt ?? run.startedAt) - run.startedAt, summary: run.summary });
      out(`  ${progressBar(seen.size, stepIds.length)} ${run.status === "success" ? "✓" : "✗"} ${names.get(id) ?? id}: ${run.status}${describe(run.summary)}, ${(run.finishedAt ?? run.startedAt) - run.startedAt} ms`);
    }
    if (!done) await new Promise((r) => setTimeout(r, 100));
  }
  const run = finished ?? (await pending);
  return { setUp, status: run.status, stages, lines: await summary(target, stages), urls: await urls(target, loop.id) };
}

/** Where to look next: the admin UI, the chain's runs, the reports, usage, the scorecard and the guides. */
async function urls(target: LoopTarget, loopId: string): Promise<string[]> {
  const api = demoApi(target);
  const reports = await api.call<{ reports: { id: string; name: string }[] }>("GET", "/reports");
  // The admin UI's page, when this build serves one.
  const ui = await fetch(`${target.url}/`).then((r) => r.ok, () => false);
  return [
    ...(ui ? [`${target.url}/`] : []),
    `${target.url}/api/v1/jobs/${loopId}/runs`,
    ...reports.reports.map((r) => `${target.url}/api/v1/reports/${r.id}/results`),
    `${target.url}/api/v1/success/usage/data`,
    `${target.url}/api/v1/success/scorecard`,
    `${target.url}/api/v1/guides`,
  ];
}

function describe(s: Record<string, unknown>): string {
  if (s["syncRun"] !== undefined) return ` (${count(s, "read")} read, ${count(s, "changed")} changed, ${count(s, "written")} written, ${Number(s["apiCalls"] ?? 0)} API calls)`;
  if (s["ruleRun"] !== undefined) return ` (${Number(s["rowsRead"] ?? 0)} rows read, ${Number(s["rowsWritten"] ?? 0)} written, rule date ${String(s["ruleDate"] ?? "")})`;
  return "";
}

/** The figures a person wants after the pass: what was linked and written, and who now sees which guide. */
async function summary(target: LoopTarget, stages: LoopReport["stages"]): Promise<string[]> {
  const api = demoApi(target);
  const link = await api.call<{ matched: number }>("POST", "/sync/link/check", { field: "Analytics_Account_Id__c" }).catch(() => ({ matched: 0 }));
  const written = stages.reduce((n, s) => n + count(s.summary, "written") + Number(s.summary["rowsWritten"] ?? 0), 0);
  const apiCalls = stages.reduce((n, s) => n + Number(s.summary["apiCalls"] ?? 0), 0);
  const usage = await api.call<{ rows: unknown[] }>("GET", "/success/usage/data");
  const customers = await api.call<{ customers: { healthColour: string | null }[] }>("GET", "/success/customers?limit=1000");
  const health = new Map<string, number>();
  for (const c of customers.customers) health.set(c.healthColour ?? "none", (health.get(c.healthColour ?? "none") ?? 0) + 1);
  const segments = await api.call<{ segments: { id: string; name: string }[] }>("GET", "/segments");
  const guideLines: string[] = [];
  for (const s of segments.segments.filter((x) => x.name === "Renewal within 60 days and health red" || x.name === "Onboarding not complete")) {
    const members = await api.call<{ count: number }>("GET", `/segments/${s.id}/members?kind=visitor&limit=1`);
    guideLines.push(`    ${s.name}: ${members.count} visitors now eligible for its guide`);
  }
  return [
    `  accounts linked:      ${link.matched}`,
    `  fields/rows written:  ${written} (CRM fields by the push and rule 2, usage rows by rule 1)`,
    `  CRM API calls (sync): ${apiCalls}`,
    `  usage rows:           ${usage.rows.length}`,
    `  health:               ${[...health].map(([k, v]) => `${k} ${v}`).join(", ")}`,
    "  guides:",
    ...guideLines,
  ];
}
