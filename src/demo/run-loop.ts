import { demoApi, DemoApiError, type LoopTarget } from "./api.js";
import { progressBar, secondsText, stageReporter } from "./progress.js";
import { HEALTH_JOB, LOOP_JOB, setUpArticleLoop, type LoopOptions, type LoopWorkspace } from "./workspace.js";

type Run = { id: string; status: string; startedAt: number; finishedAt: number | null; summary: Record<string, unknown>; steps?: { jobId: string; status: string; summary: Record<string, unknown> }[] };
type JobView = { id: string; name: string; params: { steps?: string[] }; lastRun: Run | null };

/** What one demo pass showed, for the CLI summary (and a bench). */
export type LoopReport = { setUp: boolean; status: string; stages: { name: string; status: string; ms: number; summary: Record<string, unknown> }[]; lines: string[]; urls: string[] };

const count = (summary: Record<string, unknown>, key: string): number => Number((summary["counts"] as Record<string, unknown> | undefined)?.[key] ?? 0);
/** A count as people read it: 10,000 rather than 10000. */
const n = (v: number): string => v.toLocaleString("en-US");

/**
 * `pendulum start --demo`: sets up the article's loop if this workspace has no loop chain yet (a
 * workspace that has one is left as it is, so a restart never duplicates data), with months of
 * history unless `history: false`; runs the chain once, reporting each stage as it finishes; then
 * returns summary lines and the admin UI's screens to open.
 */
export async function runLoopDemo(target: LoopTarget, options: LoopOptions & { out: (line: string) => void; update?: (line: string) => void }): Promise<LoopReport> {
  const api = demoApi(target);
  const out = options.out;
  let setUp = false;
  let loop: JobView;
  let ws: LoopWorkspace | undefined;
  try {
    loop = await api.call<JobView>("GET", `/jobs/${encodeURIComponent(LOOP_JOB)}`);
    out(`Demo: "${LOOP_JOB}" exists; running it on the data already here.`);
  } catch (e) {
    if (!(e instanceof DemoApiError) || e.status !== 404) throw e;
    out("Demo: setting up the article's integration on a generated workspace…");
    const stages = stageReporter(out, options.update);
    const started = performance.now();
    ws = await setUpArticleLoop(target, { history: true, ...options, progress: (l) => stages.stage(l), stageProgress: (d, t) => stages.progress(d, t) });
    stages.end();
    out(`  ${n(ws.accounts.length)} accounts, ${n(ws.events)} events, ${n(ws.apiCalls)} API calls, set up in ${secondsText(performance.now() - started)}.`);
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
      const ms = (run.finishedAt ?? run.startedAt) - run.startedAt;
      stages.push({ name: names.get(id) ?? id, status: run.status, ms, summary: run.summary });
      // A finished stage's bar is full; the redrawn line below it shows the chain's progress.
      // One short line per stage (it fits an 80-column terminal), its figures on the next.
      out(`  ${progressBar(1, 1)} ${run.status === "success" ? "✓" : `✗ ${run.status}:`} ${names.get(id) ?? id} (${n(ms)} ms)`);
      const figures = describe(run.summary);
      if (figures) out(`        ${figures}`);
      if (seen.size < stepIds.length) options.update?.(`  ${progressBar(seen.size, stepIds.length)} step ${seen.size + 1} of ${stepIds.length}…`);
    }
    if (!done) await new Promise((r) => setTimeout(r, 100));
  }
  const run = finished ?? (await pending);
  options.update?.("");
  // The health chain runs after the loop every day; once here too, so its runs are there to look at.
  const health = await api.call<JobView>("GET", `/jobs/${encodeURIComponent(HEALTH_JOB)}`).catch(() => undefined);
  const healthRun = health ? await api.call<Run>("POST", `/jobs/${health.id}/run`) : undefined;
  return { setUp, status: run.status, stages, lines: await summary(target, stages, ws, healthRun?.status), urls: await screens(target) };
}

/** Where to look next: screens of the admin UI, each showing one part of the loop. */
async function screens(target: LoopTarget): Promise<string[]> {
  const api = demoApi(target);
  const health = await api.call<{ moved: { accountId: string }[] }>("GET", "/success/health?days=7&limit=1").catch(() => ({ moved: [] as { accountId: string }[] }));
  const red = await api.call<{ customers: { accountId: string; healthColour: string | null }[] }>("GET", "/success/customers?limit=1000");
  const customer = health.moved[0]?.accountId ?? red.customers.find((c) => c.healthColour === "Red")?.accountId ?? red.customers[0]?.accountId;
  const reports = await api.call<{ reports: { id: string; name: string }[] }>("GET", "/reports");
  const push = reports.reports.find((r) => r.name.startsWith("Pendo push"));
  const list: [string, string][] = [
    ["Overview", "/"],
    ...(customer ? ([["A customer who moved", `/success/customers/${encodeURIComponent(customer)}`]] as [string, string][]) : []),
    ["Usage data", "/success/usage"],
    ["Scorecards", "/success/scorecards"],
    ["CTAs", "/success/ctas"],
    ...(push ? ([["The push's report", `/reports/${push.id}`]] as [string, string][]) : []),
    ["Jobs", "/jobs"],
  ];
  const width = Math.max(...list.map(([what]) => what.length)) + 1;
  return list.map(([what, path]) => `${`${what}:`.padEnd(width)}  ${target.url}${path}`);
}

/** A stage's figures in a line: a sync's counts and API calls, or a rule's rows and rule date. */
function describe(s: Record<string, unknown>): string {
  if (s["syncRun"] !== undefined) return `${n(count(s, "read"))} read · ${n(count(s, "changed"))} changed · ${n(count(s, "written"))} written · ${n(Number(s["apiCalls"] ?? 0))} API calls`;
  if (s["ruleRun"] !== undefined) return `${n(Number(s["rowsRead"] ?? 0))} rows read · ${n(Number(s["rowsWritten"] ?? 0))} written · rule date ${String(s["ruleDate"] ?? "")}`;
  return "";
}

/** The figures a person wants after the pass: what was linked and written, the history, and who now sees which guide. */
async function summary(target: LoopTarget, stages: LoopReport["stages"], ws: LoopWorkspace | undefined, healthChain: string | undefined): Promise<string[]> {
  const api = demoApi(target);
  const link = await api.call<{ matched: number }>("POST", "/sync/link/check", { field: "Analytics_Account_Id__c" }).catch(() => ({ matched: 0 }));
  const written = stages.reduce((t, s) => t + count(s.summary, "written") + Number(s.summary["rowsWritten"] ?? 0), 0);
  const apiCalls = stages.reduce((t, s) => t + Number(s.summary["apiCalls"] ?? 0), 0);
  const usage = await api.call<{ rows: unknown[] }>("GET", "/success/usage/data?limit=10000");
  const customers = await api.call<{ customers: { healthColour: string | null }[] }>("GET", "/success/customers?limit=1000");
  const health = new Map<string, number>();
  for (const c of customers.customers) health.set(c.healthColour ?? "none", (health.get(c.healthColour ?? "none") ?? 0) + 1);
  const segments = await api.call<{ segments: { id: string; name: string }[] }>("GET", "/segments");
  const guideLines: string[] = [];
  for (const s of segments.segments.filter((x) => x.name === "Renewal within 60 days and health red" || x.name === "Onboarding not complete")) {
    const members = await api.call<{ count: number }>("GET", `/segments/${s.id}/members?kind=visitor&limit=1`);
    guideLines.push(`    ${s.name}: ${n(members.count)} visitors now eligible for its guide`);
  }
  const h = ws?.history;
  const g = ws?.guideActivity;
  return [
    `  accounts linked:      ${n(link.matched)}`,
    `  fields/rows written:  ${n(written)} (by this pass: CRM fields by the push and rule 2, usage rows by rule 1)`,
    `  CRM API calls (sync): ${n(apiCalls)}`,
    `  usage rows:           ${n(usage.rows.length)}`,
    ...(h ? [`  history:              ${n(h.weeks)} weeks (${h.from} to ${h.to}): ${n(h.usageRows)} usage rows, ${n(h.scoreChanges)} score changes, ${n(h.ctas)} CTAs`] : []),
    ...(g ? [`  guide activity:       ${n(g.npsAnswers)} NPS answers, ${n(g.guideViews)} guide views`] : []),
    `  health:               ${[...health].map(([k, v]) => `${k} ${n(v)}`).join(", ")}`,
    ...(healthChain ? [`  health chain:         "${HEALTH_JOB}" ran once (${healthChain}); daily at 00:45`] : []),
    "  guides:",
    ...guideLines,
  ];
}
