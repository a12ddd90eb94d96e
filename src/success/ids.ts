import crypto from "node:crypto";

/** A fresh id with a readable prefix (`rule_…`, `run_…`, `cta_…`). */
export function newId(prefix: string): string {
  return `${prefix}_${crypto.randomBytes(9).toString("base64url")}`;
}

/** Parses JSON written by this module; a broken value reads as the fallback rather than failing a whole list. */
export function readJson<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}
