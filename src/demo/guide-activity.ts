import type { DemoApi, LoopTarget } from "./api.js";
import { random, type DemoAccount } from "./generator.js";

/** What the visitors did with the guides, for the summary. */
export type GuideActivity = { npsAnswers: number; guideViews: number };

const COMMENTS: Record<"promoter" | "passive" | "detractor", string[]> = {
  promoter: ["The reports save us hours every week.", "Export to the board deck is perfect.", "Support answers fast."],
  passive: ["Good, but the dashboards load slowly.", "We still miss a few integrations."],
  detractor: ["Hard to get the team to log in.", "Too many clicks to find last month's numbers.", "We are looking at alternatives."],
};
const PARALLEL = 8;

/**
 * What the generated visitors did with the guides, sent the way the browser agent sends it
 * (POST /data/guide-events with the app key): about a third of each account's visitors answer the
 * NPS poll, more warmly in healthy accounts than in declining ones, some with a comment; visitors
 * of onboarding accounts see the onboarding banner and visitors of red accounts the renewal check-in,
 * and close or finish them.
 */
export async function recordGuideActivity(target: LoopTarget, api: DemoApi, accounts: DemoAccount[], guides: { nps: string; onboarding: string; renewalRed: string }, seed: number): Promise<GuideActivity> {
  const apps = await api.call<{ apps: { appKey: string }[] }>("GET", "/apps");
  const key = apps.apps[0]?.appKey;
  if (!key) throw new Error("No app to record guide events for.");
  const rnd = random(seed + 7);
  let view = 0;
  const viewId = () => `demo-view-${(++view).toString(36)}`;
  const posts: { visitor: string; account: string; events: Record<string, unknown>[] }[] = [];
  let npsAnswers = 0;
  let guideViews = 0;
  for (const a of accounts) {
    for (const visitor of a.visitors) {
      const events: Record<string, unknown>[] = [];
      if (rnd() < 0.35) {
        const v = viewId();
        const score = a.cohort === "healthy" ? 7 + Math.floor(rnd() * 4) : a.cohort === "onboarding" ? 5 + Math.floor(rnd() * 5) : 1 + Math.floor(rnd() * 7);
        const kind = score >= 9 ? "promoter" : score >= 7 ? "passive" : "detractor";
        const comment = rnd() < 0.3 ? COMMENTS[kind][Math.floor(rnd() * COMMENTS[kind].length)] : undefined;
        events.push({ type: "shown", guide: guides.nps, step: 0, view: v }, { type: "poll_answered", guide: guides.nps, step: 0, view: v, score, ...(comment ? { comment } : {}) }, { type: "completed", guide: guides.nps, step: 0, view: v, durationMs: 4000 + Math.floor(rnd() * 20_000) });
        npsAnswers++;
        guideViews++;
      }
      const targeted = a.cohort === "onboarding" ? guides.onboarding : a.cohort === "declining" ? guides.renewalRed : null;
      if (targeted && rnd() < 0.6) {
        const v = viewId();
        events.push({ type: "shown", guide: targeted, step: 0, view: v }, { type: rnd() < 0.4 ? "completed" : "dismissed", guide: targeted, step: 0, view: v, durationMs: 1500 + Math.floor(rnd() * 9000) });
        guideViews++;
      }
      if (events.length > 0) posts.push({ visitor, account: a.id, events });
    }
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (next < posts.length) {
        const body = posts[next++];
        if (!body) break;
        const res = await fetch(`${target.url}/data/guide-events?key=${encodeURIComponent(key)}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
        if (!res.ok) throw new Error(`Guide events for ${body.visitor} were refused: ${res.status} ${await res.text()}`);
      }
    }),
  );
  return { npsAnswers, guideViews };
}
