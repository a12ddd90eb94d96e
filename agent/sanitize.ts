import { EVENT_NAME, MAX_ID_BYTES, MAX_METADATA_KEYS, MAX_METADATA_STRING, MAX_PROPS_BYTES, METADATA_KEY } from "./limits.js";
import type { Identity, MetadataValue } from "./types.js";

export type Warn = (message: string) => void;

/** Bytes of a string in UTF-8, the unit the server's limits use. */
export function utf8Bytes(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** Cuts a string to at most `max` characters. */
export function clip(s: string, max: number): string {
  return s.length > max ? s.slice(0, max) : s;
}

function metadataValue(v: unknown): MetadataValue | undefined {
  if (v === null || typeof v === "boolean") return v;
  if (typeof v === "number") return Number.isFinite(v) ? v : undefined;
  if (typeof v === "string") return clip(v, MAX_METADATA_STRING);
  if (v instanceof Date) return v.getTime();
  return undefined;
}

/** Turns what the host page passed into an identity the server accepts, or undefined with a warning. */
export function toIdentity(input: unknown, role: "visitor" | "account", warn: Warn): Identity | undefined {
  if (!input || typeof input !== "object") return undefined;
  const source = input as Record<string, unknown>;
  const rawId = source.id;
  const id = typeof rawId === "number" ? String(rawId) : rawId;
  if (typeof id !== "string" || id.trim() === "" || utf8Bytes(id) > MAX_ID_BYTES) {
    warn(`${role}.id must be a non-empty string of at most ${MAX_ID_BYTES} bytes`);
    return undefined;
  }
  const out: Identity = { id };
  let count = 0;
  for (const key of Object.keys(source)) {
    if (key === "id" || source[key] === undefined) continue;
    const value = metadataValue(source[key]);
    if (!METADATA_KEY.test(key) || value === undefined || count >= MAX_METADATA_KEYS) {
      warn(`${role} metadata "${key}" skipped: keys match [A-Za-z_][A-Za-z0-9_]*, values are strings, numbers, booleans or null, at most ${MAX_METADATA_KEYS} keys`);
      continue;
    }
    out[key] = value;
    count++;
  }
  return out;
}

/** Merges metadata into an identity with the same id; a different id replaces it. */
export function mergeIdentity(current: Identity | undefined, next: Identity): Identity {
  return current && current.id === next.id ? { ...current, ...next } : next;
}

/** A track event's name if the server will take it, else undefined with a warning. */
export function trackName(name: unknown, warn: Warn): string | undefined {
  if (typeof name === "string" && EVENT_NAME.test(name)) return name;
  warn("track(name): name must be 1-100 printable characters");
  return undefined;
}

/** Track properties if they serialise within the server's limit; oversized or unserialisable ones are dropped. */
export function trackProps(props: unknown, warn: Warn): Record<string, unknown> | undefined {
  if (props === undefined || props === null) return undefined;
  let json: string | undefined;
  try {
    if (typeof props === "object" && !Array.isArray(props)) {
      // The server refuses a whole batch over one bad property name; drop just that property.
      const named: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(props)) {
        if (METADATA_KEY.test(k)) named[k] = v;
        else warn(`track props: "${k}" skipped; names match [A-Za-z_][A-Za-z0-9_]*`);
      }
      json = JSON.stringify(named);
    }
  } catch {
    json = undefined;
  }
  if (json === undefined || utf8Bytes(json) > MAX_PROPS_BYTES) {
    warn(`track(name, props): props must be a plain object of at most ${MAX_PROPS_BYTES} bytes as JSON; sent without props`);
    return undefined;
  }
  // Round-trip so later mutation by the host page cannot change what is sent.
  return JSON.parse(json) as Record<string, unknown>;
}
