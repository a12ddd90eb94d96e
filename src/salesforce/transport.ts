/** Counts of what a client sent: every HTTP request to the org is one API call against its budget. */
export type CallStats = { calls: number; tokenCalls: number };

type TransportLike = { httpRequest(request: unknown, options?: object): unknown };

/**
 * Routes every request of a jsforce Connection or OAuth2 through `onCall` with a per-request timeout.
 * jsforce keeps its transport private and has no per-connection timeout or call hook; this one
 * seam gives both, and turns off jsforce's own GET-only retries so `withRetry` is the single,
 * observable retry policy for reads and writes alike.
 */
export function instrumentTransport(target: object, onCall: () => void, timeoutMs: number): void {
  const holder = target as { _transport: TransportLike };
  const inner = holder._transport;
  holder._transport = {
    httpRequest(request, options) {
      onCall();
      return inner.httpRequest(request, { ...options, timeout: timeoutMs, retry: { maxRetries: 0 } });
    },
  };
}
