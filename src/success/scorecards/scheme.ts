import { Type, type Static } from "@sinclair/typebox";

const RangeSchema = Type.Object(
  {
    label: Type.String({ minLength: 1, maxLength: 32 }),
    from: Type.Number({ minimum: 0, maximum: 100 }),
    to: Type.Number({ minimum: 0, maximum: 100 }),
    colour: Type.Optional(Type.String({ pattern: "^#[0-9A-Fa-f]{6}$" })),
  },
  { additionalProperties: false },
);
export type ScoreRange = Static<typeof RangeSchema>;

export const ScoringSchemeSchema = Type.Object(
  {
    /** numeric: scores shown as 0–100; grade: as the range's label (A–F); colour: as the range's colour name. */
    type: Type.Union([Type.Literal("numeric"), Type.Literal("grade"), Type.Literal("colour")]),
    /** 2–12 ranges covering 0–100 in order; their colours give the customer's health colour in every scheme. */
    ranges: Type.Array(RangeSchema, { minItems: 2, maxItems: 12 }),
  },
  { additionalProperties: false },
);
export type ScoringScheme = Static<typeof ScoringSchemeSchema>;

export const DEFAULT_SCHEME: ScoringScheme = {
  type: "numeric",
  ranges: [
    { label: "Red", from: 0, to: 50, colour: "#d9534f" },
    { label: "Yellow", from: 50, to: 75, colour: "#f0ad4e" },
    { label: "Green", from: 75, to: 100, colour: "#5cb85c" },
  ],
};

/** Why a scheme cannot be used, or undefined: ranges must run from 0 to 100 without gaps or overlaps. */
export function schemeProblem(s: ScoringScheme): string | undefined {
  const r = s.ranges;
  if ((r[0] as ScoreRange).from !== 0) return "the first range must start at 0";
  if ((r[r.length - 1] as ScoreRange).to !== 100) return "the last range must end at 100";
  for (let i = 0; i < r.length; i++) {
    const x = r[i] as ScoreRange;
    if (x.from >= x.to) return `range ${i + 1} (${x.label}) must end after it starts`;
    if (i > 0 && (r[i - 1] as ScoreRange).to !== x.from) return `range ${i + 1} (${x.label}) must start where range ${i} ends`;
  }
  const labels = r.map((x) => x.label.toLowerCase());
  if (new Set(labels).size !== labels.length) return "range labels must differ";
  return undefined;
}

/** The range a score falls in (a range holds its start; the last one also holds 100). */
export function rangeOf(s: ScoringScheme, score: number): ScoreRange {
  return s.ranges.find((r, i) => score >= r.from && (score < r.to || (i === s.ranges.length - 1 && score <= r.to))) ?? (s.ranges[0] as ScoreRange);
}

/** Reads a score as the scheme lets people give it: a number 0–100, or a range label meaning the middle of its range. */
export function scoreValue(s: ScoringScheme, given: number | string): { ok: true; score: number } | { ok: false; message: string } {
  if (typeof given === "number" || /^\s*\d+(\.\d+)?\s*$/.test(given)) {
    const n = Number(given);
    return n >= 0 && n <= 100 ? { ok: true, score: n } : { ok: false, message: `a score must be between 0 and 100, got ${n}` };
  }
  const r = s.ranges.find((x) => x.label.toLowerCase() === given.trim().toLowerCase());
  if (!r) return { ok: false, message: `"${given}" is neither a score 0–100 nor one of ${s.ranges.map((x) => x.label).join(", ")}` };
  return { ok: true, score: (r.from + r.to) / 2 };
}
