import type { DemoApi } from "./api.js";
import type { DemoAccount } from "./generator.js";

/**
 * The demo's health scheme: three ranges whose labels are the colours the rest of the demo uses
 * (Red / Yellow / Green), with no hex colour, so a customer's health colour is the label. The
 * bounds put every generated cohort in its own range: declining 20–39, onboarding 50–64, healthy 70–95.
 */
export const DEMO_SCHEME = {
  type: "numeric",
  ranges: [
    { label: "Red", from: 0, to: 45 },
    { label: "Yellow", from: 45, to: 70 },
    { label: "Green", from: 70, to: 100 },
  ],
};

/** Two groups, one measure each; both get the account's generated score, so the overall equals it. */
export const DEMO_SCORECARD = [
  { group: "Adoption", weight: 60, measure: { name: "product_usage", label: "Product usage" } },
  { group: "Relationship", weight: 40, measure: { name: "relationship", label: "Relationship with the success team" } },
] as const;

const PARALLEL = 8;

/**
 * Sets the scheme and creates the groups and measures; then, unless rules will score the customers
 * (the demo's history does), scores every customer on each measure by hand.
 */
export async function setUpScorecard(api: DemoApi, accounts: DemoAccount[], crmIds: Map<string, string>, progress: (done: number, total: number) => void, options: { byRules?: boolean } = {}): Promise<void> {
  await api.call("PUT", "/success/scorecard/scheme", DEMO_SCHEME);
  for (const c of DEMO_SCORECARD) {
    const group = await api.call<{ id: string }>("POST", "/success/scorecard/groups", { name: c.group, weight: c.weight });
    await api.call("POST", "/success/scorecard/measures", { name: c.measure.name, label: c.measure.label, weight: 1, group: group.id });
  }
  if (options.byRules) return;
  const work = accounts.flatMap((a) => DEMO_SCORECARD.map((c) => ({ accountId: crmIds.get(a.id) as string, measure: c.measure.name, score: a.healthScore, cohort: a.cohort })));
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (next < work.length) {
        const w = work[next++];
        if (!w) break;
        const comment = w.cohort === "declining" ? "Usage falling week on week" : w.cohort === "onboarding" ? "Still in onboarding" : "Steady use";
        await api.call("POST", `/success/customers/${encodeURIComponent(w.accountId)}/scores`, { measure: w.measure, score: w.score, comment });
        if (++done % 100 === 0 || done === work.length) progress(done, work.length);
      }
    }),
  );
}
