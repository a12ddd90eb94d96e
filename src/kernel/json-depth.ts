/**
 * How deeply a parsed JSON body nests. Validators, `JSON.stringify` and recursive code use the call
 * stack once per level, so a body nested tens of thousands of levels deep (a few hundred kilobytes
 * of brackets) overflowed it and was answered 500. Bodies are checked here first, without
 * recursion, and refused with the place where they nest too deeply.
 */
import { ApiError } from "./errors.js";

/** Containers (objects and arrays) any body may nest; real Pendulum bodies use fewer than twenty. */
export const MAX_JSON_DEPTH = 64;

/** The path (`definition.rules[0].rules[0]`, at most `shown` steps) to the first value nested deeper than `limit`, or undefined. */
export function tooDeep(value: unknown, limit = MAX_JSON_DEPTH, shown = 4): string | undefined {
  // One cheap pass that only counts levels (bodies are checked on every request); the path is
  // worked out only for a body that is refused.
  const values: object[] = [];
  const depths: number[] = [];
  if (value !== null && typeof value === "object") {
    values.push(value);
    depths.push(0);
  }
  let deep = false;
  while (values.length > 0 && !deep) {
    const v = values.pop() as object;
    const depth = depths.pop() as number;
    if (depth >= limit) deep = true;
    else if (Array.isArray(v)) {
      for (const child of v as unknown[]) {
        if (child !== null && typeof child === "object") {
          values.push(child);
          depths.push(depth + 1);
        }
      }
    } else {
      for (const key in v) {
        const child = (v as Record<string, unknown>)[key];
        if (child !== null && typeof child === "object") {
          values.push(child);
          depths.push(depth + 1);
        }
      }
    }
  }
  return deep ? pathToDeep(value, limit, shown) : undefined;
}

/** The first steps of the path to a value nested `limit` levels deep (depth first, as a reader would look). */
function pathToDeep(value: unknown, limit: number, shown: number): string {
  const stack: { value: unknown; depth: number; path: string[] }[] = [{ value, depth: 0, path: [] }];
  while (stack.length > 0) {
    const { value: v, depth, path } = stack.pop() as { value: unknown; depth: number; path: string[] };
    if (v === null || typeof v !== "object") continue;
    if (depth >= limit) return formatPath(path.slice(0, shown));
    const extend = (step: string): string[] => (path.length < shown ? [...path, step] : path);
    if (Array.isArray(v)) for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], depth: depth + 1, path: extend(`[${i}]`) });
    else for (const [k, child] of Object.entries(v).reverse()) stack.push({ value: child, depth: depth + 1, path: extend(k) });
  }
  return "";
}

function formatPath(steps: string[]): string {
  return steps.reduce((acc, s) => (s.startsWith("[") ? `${acc}${s}` : acc ? `${acc}.${s}` : s), "");
}

/** Throws 400 BODY_TOO_DEEP (with the place as its field) for a body nested deeper than any Pendulum body needs. */
export function refuseDeepBody(body: unknown): void {
  const at = typeof body === "object" && body !== null ? tooDeep(body) : undefined;
  if (at !== undefined) throw new ApiError(400, "BODY_TOO_DEEP", `The body nests more than ${MAX_JSON_DEPTH} levels deep at ${at}; no Pendulum request needs that many.`, at);
}
