/** How big a generated workspace is. */
export type WorkspaceSize = { accounts: number; visitorsPerAccount: number; days: number; seed?: number };

/** The story each account tells in the loop: healthy, losing users, or still onboarding. */
export type Cohort = "healthy" | "declining" | "onboarding";

/** A generated account: its analytics id, its CRM name, and the success values its customer record holds. */
export type DemoAccount = {
  id: string;
  name: string;
  cohort: Cohort;
  visitors: string[];
  healthScore: number;
  healthColour: "Green" | "Yellow" | "Red";
  renewalDate: string;
  onboardingStatus: "Complete" | "In progress";
  arr: number;
};

/** An event in the shape POST /api/v1/import takes. */
export type ImportEvent = { type: "load" | "click"; timestamp: number; visitorId: string; accountId: string; url: string; element?: { tag: string; id?: string; text?: string }[] };

const DAY = 86_400_000;
const MINUTE = 60_000;
const NAMES = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Wonka", "Tyrell", "Cyberdyne", "Soylent", "Vandelay", "Oscorp", "Aperture", "Gringotts", "Monarch"];

/** A small seeded PRNG (mulberry32), so the same size gives the same workspace. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * The accounts: every fourth is declining (red), every fourth onboarding (yellow), the rest healthy.
 * Renewals are spread evenly over the coming year, so account 0 (declining) renews within 60 days
 * whenever there are at least 6 accounts: the "renewal soon and red" guide always has an audience.
 */
export function generateAccounts(size: WorkspaceSize, now: number): DemoAccount[] {
  const rnd = random(size.seed ?? 42);
  const today = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate());
  return Array.from({ length: size.accounts }, (_, i) => {
    const cohort: Cohort = i % 4 === 0 ? "declining" : i % 4 === 3 ? "onboarding" : "healthy";
    const id = `acct-${String(i + 1).padStart(4, "0")}`;
    const healthScore = cohort === "declining" ? 20 + Math.floor(rnd() * 20) : cohort === "onboarding" ? 50 + Math.floor(rnd() * 15) : 70 + Math.floor(rnd() * 26);
    return {
      id,
      name: `${NAMES[i % NAMES.length] ?? "Company"} ${String(i + 1).padStart(4, "0")}`,
      cohort,
      visitors: Array.from({ length: size.visitorsPerAccount }, (_, v) => `${id}-user-${String(v + 1).padStart(2, "0")}`),
      healthScore,
      healthColour: cohort === "declining" ? "Red" : cohort === "onboarding" ? "Yellow" : "Green",
      renewalDate: isoDay(today + Math.round(((i + 0.5) * 365) / size.accounts) * DAY),
      onboardingStatus: cohort === "onboarding" ? "In progress" : "Complete",
      arr: 10_000 + Math.floor(rnd() * 90) * 1_000,
    };
  });
}

const PAGES = ["/home", "/reports", "/reports/usage", "/billing", "/settings", "/dashboards"];
const FUNNEL = ["/onboarding/welcome", "/onboarding/connect-data", "/onboarding/invite-team", "/onboarding/done"];

/**
 * Usage for `days` whole days before today: each active visitor-day is a short session, one event a
 * minute, so time on site is visible. Declining accounts fade towards today; onboarding accounts
 * walk the funnel and most stop before its end.
 */
export function* generateEvents(accounts: DemoAccount[], size: WorkspaceSize, now: number): Generator<ImportEvent> {
  const rnd = random((size.seed ?? 42) + 1);
  const today = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate());
  for (const a of accounts) {
    for (const visitorId of a.visitors) {
      const hour = 7 + Math.floor(rnd() * 10);
      for (let d = size.days; d >= 1; d--) {
        // Declining accounts are busy at the start of the window and nearly silent by the end.
        const p = a.cohort === "declining" ? 0.1 + 0.6 * (d / size.days) : a.cohort === "onboarding" ? 0.35 : 0.6;
        if (rnd() >= p) continue;
        let t = today - d * DAY + hour * 3_600_000 + Math.floor(rnd() * 50) * MINUTE;
        const path = a.cohort === "onboarding" ? FUNNEL.slice(0, 1 + Math.floor(rnd() * FUNNEL.length)) : [PAGES[0] as string, PAGES[1 + Math.floor(rnd() * (PAGES.length - 1))] as string];
        for (const page of path) {
          yield { type: "load", timestamp: t, visitorId, accountId: a.id, url: `https://app.example.com${page}` };
          t += MINUTE;
        }
        if (a.cohort === "healthy" && rnd() < 0.4) yield { type: "click", timestamp: t, visitorId, accountId: a.id, url: "https://app.example.com/reports", element: [{ tag: "button", id: "export", text: "Export" }] };
      }
    }
  }
}
