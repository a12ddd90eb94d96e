/** The REST API versions the built-in CRM answers: 42.0 (Spring '18) to CURRENT_VERSION. */
export const OLDEST_VERSION = 42;
export const CURRENT_VERSION = 62;

const SEASONS = ["Spring", "Summer", "Winter"] as const;

/** `/services/data`: every version with its release label. */
export function versionList(): Array<{ label: string; url: string; version: string }> {
  const out = [];
  for (let v = OLDEST_VERSION; v <= CURRENT_VERSION; v++) {
    const k = v - OLDEST_VERSION;
    const season = SEASONS[k % 3] as string;
    // Winter releases carry the next year's name (v44.0 is Winter '19).
    const year = 18 + Math.floor(k / 3) + (season === "Winter" ? 1 : 0);
    out.push({ label: `${season} '${String(year).padStart(2, "0")}`, url: `/services/data/v${v}.0`, version: `${v}.0` });
  }
  return out;
}

/** Reads `v62.0` from a URL segment; undefined for versions the CRM does not serve. */
export function parseVersion(segment: string): string | undefined {
  const m = /^v(\d{2})\.0$/.exec(segment);
  if (!m) return undefined;
  const n = Number(m[1]);
  return n >= OLDEST_VERSION && n <= CURRENT_VERSION ? `${n}.0` : undefined;
}
