/** Salesforce-style record ids: 3-char key prefix + 12-char base62 counter, plus a 3-char case-safe checksum. */

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

/** The key prefixes of the objects the built-in CRM knows. */
export const KEY_PREFIX = {
  Account: "001",
  Contact: "003",
  User: "005",
  Organization: "00D",
  Profile: "00e",
  CustomField: "00N",
  IngestJob: "750",
  QueryCursor: "01g",
} as const;

/** The 3-char suffix that makes a 15-char id unique without regard to case. */
export function idChecksum(id15: string): string {
  let out = "";
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    out += SUFFIX[bits];
  }
  return out;
}

/** The 18-char form of a 15-char id. */
export function to18(id15: string): string {
  return id15 + idChecksum(id15);
}

/** Builds an 18-char id from a key prefix and a counter value. */
export function makeId(prefix: string, counter: number): string {
  let body = "";
  let n = counter;
  while (n > 0) {
    body = BASE62[n % 62] + body;
    n = Math.floor(n / 62);
  }
  return to18(prefix + body.padStart(12, "0"));
}

/**
 * Reads a 15- or 18-char id as given by a client and returns its canonical 18-char form,
 * or undefined when it is not a well-formed id (wrong length, characters or checksum).
 */
export function normalizeId(raw: string): string | undefined {
  if (!/^[0-9A-Za-z]{15}([0-9A-Za-z]{3})?$/.test(raw)) return undefined;
  const id15 = raw.slice(0, 15);
  const full = to18(id15);
  if (raw.length === 18 && raw.slice(15).toUpperCase() !== full.slice(15)) return undefined;
  return full;
}

/** The 15-char, case-sensitive form of an id. */
export function to15(id: string): string {
  return id.slice(0, 15);
}

/** The counter an id was built from (inverse of makeId). */
export function counterOf(id: string): number {
  let n = 0;
  for (const c of id.slice(3, 15)) n = n * 62 + BASE62.indexOf(c);
  return n;
}
