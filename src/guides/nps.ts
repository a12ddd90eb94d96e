/** One NPS answer: a visitor's score (0–10) in an account at a time. */
export type NpsAnswer = { visitorId: string; accountId: string; score: number; comment: string | null; ts: number };

/** NPS of a group: score = %promoters − %detractors (−100…100), null without responses. */
export type NpsResult = {
  id: string;
  score: number | null;
  responses: number;
  promoters: number;
  passives: number;
  detractors: number;
  latest: { score: number; comment: string | null; ts: number; visitorId: string } | null;
};

/** SPEC: 0–6 detractor, 7–8 passive, 9–10 promoter. */
export type NpsCategory = "detractor" | "passive" | "promoter";
export const npsCategory = (score: number): NpsCategory => (score >= 9 ? "promoter" : score >= 7 ? "passive" : "detractor");

/** The score of a set of answers, rounded to one decimal. */
export function npsScore(scores: readonly number[]): number | null {
  if (scores.length === 0) return null;
  let p = 0;
  let d = 0;
  for (const s of scores) {
    const c = npsCategory(s);
    if (c === "promoter") p++;
    else if (c === "detractor") d++;
  }
  return Math.round(((p - d) / scores.length) * 1000) / 10;
}

/** Each visitor's latest answer in the range: a visitor who answers twice counts once, as they now feel. */
export function latestPerVisitor(answers: readonly NpsAnswer[]): NpsAnswer[] {
  const byVisitor = new Map<string, NpsAnswer>();
  for (const a of answers) {
    const prev = byVisitor.get(a.visitorId);
    if (prev && a.ts < prev.ts) continue;
    // Re-inserted so the map's order is the order of latest answers (ties keep arrival order).
    byVisitor.delete(a.visitorId);
    byVisitor.set(a.visitorId, a);
  }
  return [...byVisitor.values()];
}

/** NPS grouped by a key (account, visitor, or one bucket for the whole app), latest answer included. */
export function npsBy(answers: readonly NpsAnswer[], key: (a: NpsAnswer) => string): NpsResult[] {
  const groups = new Map<string, NpsAnswer[]>();
  for (const a of latestPerVisitor(answers)) {
    const k = key(a);
    const g = groups.get(k);
    if (g) g.push(a);
    else groups.set(k, [a]);
  }
  return [...groups].map(([id, list]) => {
    const scores = list.map((a) => a.score);
    const latest = list.reduce((x, y) => (y.ts >= x.ts ? y : x));
    return {
      id,
      score: npsScore(scores),
      responses: list.length,
      promoters: scores.filter((s) => s >= 9).length,
      passives: scores.filter((s) => s >= 7 && s <= 8).length,
      detractors: scores.filter((s) => s <= 6).length,
      latest: { score: latest.score, comment: latest.comment, ts: latest.ts, visitorId: latest.visitorId },
    };
  }).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
