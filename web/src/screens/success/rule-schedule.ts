import type { Rule } from "./rule-model";
import type { Job } from "./shared";

/** How a rule is scheduled: its own `rule` jobs with a schedule, and the chains that run one of its jobs. */
export function ruleSchedule(rule: Pick<Rule, "id" | "name">, jobs: Job[]): { own: Job | undefined; jobs: Job[]; chains: Job[]; text: string } {
  const mine = jobs.filter((j) => j.kind === "rule" && (j.params["rule"] === rule.id || j.params["rule"] === rule.name));
  const own = mine.find((j) => j.schedule !== null);
  const ids = new Set(mine.map((j) => j.id));
  const chains = jobs.filter((j) => j.kind === "chain" && Array.isArray(j.params["steps"]) && (j.params["steps"] as unknown[]).some((s) => ids.has(String(s))));
  const parts: string[] = [];
  if (own) parts.push(`${own.schedule}${own.enabled ? "" : " (paused)"}`);
  for (const c of chains) if (c.schedule) parts.push(`in “${c.name}”, ${c.schedule}${c.enabled ? "" : " (paused)"}`);
  return { own, jobs: mine, chains, text: parts.length ? parts.join("; ") : "Not scheduled" };
}
