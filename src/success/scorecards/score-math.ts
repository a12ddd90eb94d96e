/** A weighted item: a measure, or a group of measures. A null score is N/A and does not count. */
export type Weighted = { weight: number; score: number | null };

/** Σ(wᵢ·sᵢ)/Σwᵢ over the items that have a score and a weight; null when none has. */
export function weightedMean(items: Weighted[]): number | null {
  let sum = 0;
  let weights = 0;
  for (const i of items) {
    if (i.score === null || i.weight <= 0) continue;
    sum += i.weight * i.score;
    weights += i.weight;
  }
  return weights === 0 ? null : sum / weights;
}

/** Weights as percentages of their total (what the admin sees as "normalised"). */
export function normalise(weights: number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => (total === 0 ? 0 : Math.round((w / total) * 10_000) / 100));
}

export type CardMeasure = { id: string; groupId: string | null; weight: number };
export type CardGroup = { id: string; weight: number };

/** A scorecard's overall score: groups score as the weighted mean of their measures; the overall is the weighted mean of groups and ungrouped measures, rounded. */
export function overallScore(groups: CardGroup[], measures: CardMeasure[], scores: Map<string, number>): { overall: number | null; groups: Map<string, number | null> } {
  const groupScores = new Map<string, number | null>();
  for (const g of groups) {
    groupScores.set(g.id, weightedMean(measures.filter((m) => m.groupId === g.id).map((m) => ({ weight: m.weight, score: scores.get(m.id) ?? null }))));
  }
  const top: Weighted[] = [
    ...groups.map((g) => ({ weight: g.weight, score: groupScores.get(g.id) ?? null })),
    ...measures.filter((m) => m.groupId === null).map((m) => ({ weight: m.weight, score: scores.get(m.id) ?? null })),
  ];
  const mean = weightedMean(top);
  return { overall: mean === null ? null : Math.round(mean), groups: groupScores };
}
