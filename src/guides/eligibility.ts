import { matchUrlParts, splitUrl, type UrlRule } from "../analytics/index.js";
import type { Guide, ThrottleSettings } from "./model.js";
import { continuing, frequencyAllows, type GuideState } from "./visitor-state.js";

/**
 * A live guide ready for delivery: its page rule parsed and its wire JSON serialised once.
 * `pageIndex` numbers distinct page rules of the app (-1 for none), so guides sharing a rule
 * test the URL once per answer.
 */
export type CompiledGuide = { guide: Guide; page: UrlRule | null; pageIndex: number; json: string };

export type EligibilityInput = {
  /** Live guides of the app, highest priority first. */
  guides: readonly CompiledGuide[];
  state: ReadonlyMap<string, GuideState> | undefined;
  /** Segment membership of this visitor (and account); no segment before it is computed. */
  segments: { has(segmentId: string): boolean };
  /** How many distinct page rules the guides use (the largest `pageIndex` + 1). */
  pageRules: number;
  url: string;
  now: number;
  throttle: ThrottleSettings;
  /** `showGuide(id)`: only this guide, and frequency and throttling do not apply. */
  only?: string;
};

export type Eligibility = { guides: CompiledGuide[]; retryAfterMs?: number };

const HOUR = 3_600_000;
const MINUTE = 60_000;

/**
 * Which guides this visitor may see on this page now. Automatic guides honour the frequency
 * and the app's throttle; a throttled guide is deferred (left out with a time to ask again),
 * never marked as seen, so it shows once the throttle allows.
 */
export function eligibleGuides(input: EligibilityInput): Eligibility {
  const { now, throttle, state } = input;
  const out: CompiledGuide[] = [];
  const fresh: CompiledGuide[] = [];
  // Split once: splitting per guide was most of an answer's cost with 100 guides. Each distinct
  // rule is tested once (0 = not yet, 1 = matches, 2 = does not): guides commonly share rules.
  let parts: ReturnType<typeof splitUrl> | undefined;
  const pages = new Uint8Array(input.pageRules);
  for (const c of input.guides) {
    const g = c.guide;
    if (input.only !== undefined && g.id !== input.only) continue;
    if (c.page) {
      let m = pages[c.pageIndex] ?? 0;
      if (m === 0) pages[c.pageIndex] = m = matchUrlParts(c.page, (parts ??= splitUrl(input.url))) ? 1 : 2;
      if (m !== 1) continue;
    }
    if (!input.segments.has(g.targeting.segment)) continue;
    if (input.only !== undefined || g.activation.type !== "automatic") {
      out.push(c);
      continue;
    }
    const s = state?.get(g.id);
    if (!frequencyAllows(s, g.frequency, now)) continue;
    if (!throttle.enabled || continuing(s, g.frequency, now)) out.push(c);
    else fresh.push(c);
  }
  if (fresh.length === 0) return { guides: out };
  // Delivered in priority order, whichever way each guide qualified.
  const ordered = (list: CompiledGuide[]): CompiledGuide[] => input.guides.filter((c) => list.includes(c));
  // Throttle: count automatic runs started within the interval and the time since the last one.
  const intervalMs = throttle.intervalHours * HOUR;
  const gapMs = throttle.minGapMinutes * MINUTE;
  const starts: number[] = [];
  for (const c of input.guides) {
    if (c.guide.activation.type !== "automatic") continue;
    const s = state?.get(c.guide.id);
    if (s) starts.push(s.startedAt);
  }
  const recent = starts.filter((t) => t > now - intervalMs).sort((a, b) => a - b);
  const last = starts.length > 0 ? Math.max(...starts) : Number.NEGATIVE_INFINITY;
  let waitMs = 0;
  if (recent.length >= throttle.maxGuides) waitMs = Math.max(waitMs, (recent[recent.length - throttle.maxGuides] as number) + intervalMs - now);
  if (now - last < gapMs) waitMs = Math.max(waitMs, last + gapMs - now);
  if (waitMs > 0) return { guides: ordered(out), retryAfterMs: Math.ceil(waitMs) };
  // With a gap, one new automatic guide at a time; without, as many as the interval has room for.
  const allowed = gapMs > 0 ? 1 : throttle.maxGuides - recent.length;
  out.push(...fresh.slice(0, allowed));
  if (fresh.length <= allowed) return { guides: ordered(out) };
  return { guides: ordered(out), retryAfterMs: gapMs > 0 ? gapMs : intervalMs };
}
