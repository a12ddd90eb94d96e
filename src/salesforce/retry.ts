/** How hard to retry a call that failed for a reason that may pass. */
export type RetryPolicy = { attempts: number; baseDelayMs: number; maxDelayMs: number };

/** Salesforce's defaults are generous; tests shrink the delays. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 500, maxDelayMs: 15_000 };

/** Error codes Salesforce (and jsforce) use for failures worth another try. */
const TRANSIENT_CODES = new Set(["UNKNOWN_EXCEPTION", "SERVER_UNAVAILABLE", "REQUEST_LIMIT_EXCEEDED", "ERROR_HTTP_429", "ERROR_HTTP_500", "ERROR_HTTP_502", "ERROR_HTTP_503", "ERROR_HTTP_504", "REQUEST_RUNNING_TOO_LONG"]);
const NETWORK_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "UND_ERR_SOCKET", "ENOTFOUND", "EHOSTDOWN", "ENETUNREACH"]);

type ErrorLike = { name?: unknown; errorCode?: unknown; code?: unknown; message?: unknown };

/** The Salesforce error code of a jsforce failure, or the error's name. */
export function errorCodeOf(e: unknown): string {
  const x = (e ?? {}) as ErrorLike;
  if (typeof x.errorCode === "string") return x.errorCode;
  if (typeof x.code === "string") return x.code;
  if (typeof x.name === "string") return x.name;
  return "UNKNOWN";
}

/** True for 5xx, 429, REQUEST_LIMIT_EXCEEDED, timeouts and dropped connections. */
export function isTransient(e: unknown): boolean {
  const x = (e ?? {}) as ErrorLike;
  const code = errorCodeOf(e);
  if (TRANSIENT_CODES.has(code) || NETWORK_CODES.has(code)) return true;
  // jsforce aborts a request that outlives its timeout with an AbortError; node-fetch reports socket trouble as FetchError.
  if (x.name === "AbortError" || x.name === "FetchError") return true;
  return typeof x.message === "string" && /timed? ?out|socket hang up|ECONNRESET/i.test(x.message);
}

/** The wait before attempt `n` (1-based retry count): exponential, capped, with full jitter so parallel callers spread out. */
export function backoffDelay(n: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Runs `fn`, retrying transient failures with exponential backoff and jitter; other failures are thrown at once. */
export async function withRetry<T>(fn: () => Promise<T>, policy: RetryPolicy, retryable: (e: unknown) => boolean = isTransient): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (attempt >= policy.attempts || !retryable(e)) throw e;
      await new Promise((r) => setTimeout(r, backoffDelay(attempt, policy)));
    }
  }
}
