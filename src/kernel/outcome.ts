/**
 * How a run that did its work ends (ADR 0012). Records skipped for data reasons (a duplicated or
 * unmatched link value, a value the CRM refused) are the run's notices: the run still succeeded,
 * so a chain goes on. Only when the CRM refused more than a set share of the records the run
 * tried to write is that a failure of the run itself (a wrong mapping, a validation rule added in
 * the CRM): it ends partial and stops the chain.
 */
export const DEFAULT_MAX_REFUSED_PERCENT = 5;

/** `success` unless more than `maxRefusedPercent` of the attempted records were refused. */
export function outcomeOf(o: { refused: number; attempted: number; maxRefusedPercent: number }): "success" | "partial" {
  if (o.refused === 0) return "success";
  return o.refused * 100 > o.maxRefusedPercent * Math.max(o.attempted, 1) ? "partial" : "success";
}
