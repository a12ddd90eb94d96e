import type { Scalar } from "../values.js";
import type { UsageMeasure } from "./measure.js";

/** Rolls several user- or instance-level values of one measure up to one account value. */
export function rollUp(measure: Pick<UsageMeasure, "aggregation" | "type">, values: Scalar[]): Scalar {
  const present = values.filter((v) => v !== null && v !== undefined);
  if (present.length === 0) return null;
  if (measure.aggregation === "latest") return present[present.length - 1] as Scalar;
  if (measure.type === "date" || measure.type === "string") {
    // Only ordering makes sense for text and dates (ISO dates order as text).
    const sorted = present.map(String).sort();
    return measure.aggregation === "min" ? (sorted[0] as string) : (sorted[sorted.length - 1] as string);
  }
  const nums = present.filter((v): v is number => typeof v === "number");
  if (nums.length === 0) return null;
  switch (measure.aggregation) {
    case "sum":
      return nums.reduce((a, b) => a + b, 0);
    case "avg":
      return nums.reduce((a, b) => a + b, 0) / nums.length;
    case "max":
      return Math.max(...nums);
    case "min":
      return Math.min(...nums);
  }
}
