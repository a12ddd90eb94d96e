import { Type } from "@sinclair/typebox";
import { ApiError } from "../kernel/index.js";

/**
 * A whole-number query parameter. The server's validator does not coerce types, so numbers in a
 * query string arrive as text: the schema checks the digits and `queryInt` reads and bounds them.
 */
export const QueryInt = Type.Optional(Type.String({ pattern: "^[0-9]{1,9}$" }));

/** Reads a `QueryInt` parameter, refusing values outside [min, max] with the parameter's name. */
export function queryInt(text: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (n < min || n > max) throw new ApiError(400, "INVALID_INPUT", `${name} must be between ${min} and ${max}, got ${n}.`, name);
  return n;
}
