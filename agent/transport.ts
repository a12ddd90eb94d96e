import { RETRY_BASE_MS, RETRY_MAX_MS } from "./limits.js";

/** What to do with a batch after one attempt. */
export type SendOutcome = "sent" | "retry" | "drop";

export type FetchLike = (url: string, init: RequestInit) => Promise<{ status: number; headers?: { get(name: string): string | null } }>;
/** One attempt: its outcome and the wait the server asked for (Retry-After in seconds; 0 without one). */
export type Sent = { outcome: SendOutcome; waitMs: number };
export type BeaconLike = (url: string, body: Blob) => boolean;

/** Maps an HTTP status to an outcome: 4xx other than 408/429 would fail forever, so drop. */
export function outcomeOf(status: number): SendOutcome {
  if (status >= 200 && status < 300) return "sent";
  if (status === 408 || status === 429 || status >= 500) return "retry";
  return "drop";
}

/** Posts one body. text/plain keeps it a CORS "simple request": no preflight round trip. */
export async function post(fetchFn: FetchLike, url: string, body: string): Promise<Sent> {
  try {
    const res = await fetchFn(url, { method: "POST", keepalive: true, body, headers: { "content-type": "text/plain" } });
    // A busy server answers 503 with Retry-After (seconds); an HTTP date or garbage reads as none.
    const after = Number(res.headers?.get("retry-after"));
    return { outcome: outcomeOf(res.status), waitMs: after > 0 ? Math.min(after * 1000, RETRY_MAX_MS) : 0 };
  } catch {
    return { outcome: "retry", waitMs: 0 }; // offline, DNS, CORS failure, keepalive quota: all worth another try
  }
}

/** Hands one body to the browser to send after the page is gone; false when the browser refused it. */
export function beacon(beaconFn: BeaconLike | undefined, url: string, body: string): boolean {
  try {
    return !!beaconFn && beaconFn(url, new Blob([body], { type: "text/plain" }));
  } catch {
    return false;
  }
}

/**
 * Exponential backoff with jitter, so many tabs coming back online do not retry in step; never
 * less than the server's Retry-After (`atLeastMs`), spread over up to half as much again.
 */
export function retryDelay(attempt: number, random: () => number, atLeastMs = 0): number {
  const ceiling = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempt - 1));
  const r = random();
  return Math.round(Math.max(ceiling * (0.5 + r / 2), atLeastMs * (1 + r / 2)));
}
