import { useCallback, useEffect, useRef, useState } from "react";
import { api, ApiError } from "./api";

export type Loaded<T> = { data: T | undefined; error: ApiError | undefined; loading: boolean; reload(): void };

/**
 * How each failed request is tried again, by its error: the shared error notice offers "Try again"
 * for any error a load or a change left, wherever a screen shows it, without each screen wiring it.
 */
const retries = new WeakMap<ApiError, () => void>();

/**
 * The loads that failed and are still on screen. Try again on any load error reloads them all: a
 * server that did not answer failed every request of the screen, and one click should bring the
 * whole screen back rather than one panel at a time.
 */
const failedLoads = new Set<() => void>();
const reloadFailed = (): void => {
  for (const reload of [...failedLoads]) reload();
};

/** The way to try the request that failed with `error` again, when there is one. */
export function retryOf(error: ApiError | undefined): (() => void) | undefined {
  return error ? retries.get(error) : undefined;
}

/**
 * Whether sending the same request again could work: not when the server refused the input (it is
 * shown at its field or says what to change), nor when the session ended or the role may not.
 */
export function isRetryable(error: ApiError): boolean {
  if (error.field !== undefined) return false;
  return ![400, 401, 403, 422].includes(error.status);
}

const asApiError = (e: unknown): ApiError => (e instanceof ApiError ? e : new ApiError(0, "CLIENT", String(e)));

/** Loads `path` (GET) whenever it changes; `null` waits. Keeps the last data while reloading. */
export function useApi<T>(path: string | null): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [loading, setLoading] = useState(path !== null);
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    if (path === null) return;
    const controller = new AbortController();
    setLoading(true);
    api<T>(path, { signal: controller.signal })
      .then((d) => {
        failedLoads.delete(reload);
        setData(d);
        setError(undefined);
      })
      .catch((e: unknown) => {
        if (controller.signal.aborted) return;
        const error = asApiError(e);
        failedLoads.add(reload);
        retries.set(error, reloadFailed);
        setError(error);
      })
      .finally(() => {
        if (!controller.signal.aborted) setLoading(false);
      });
    return () => controller.abort();
  }, [path, tick, reload]);
  useEffect(
    () => () => {
      failedLoads.delete(reload);
    },
    [reload],
  );
  return { data, error, loading, reload };
}

export type Mutation<A, R> = { run(args: A): Promise<R | undefined>; busy: boolean; error: ApiError | undefined; clear(): void };

/**
 * Wraps a change (POST/PUT/DELETE): tracks busy and the last error, for forms to show by field.
 *
 * When the request failed for a reason that may pass (the server did not answer, a 5xx, a busy
 * lock), `run` does not give up at once: it waits for "Try again" on the error notice and sends
 * the same request again, so the screen's own code after `await run(…)` (closing a dialog, marking
 * the draft saved) goes on as if the first try had worked. Another `run`, `clear` or leaving the
 * screen ends the wait with `undefined`, as a failure.
 */
export function useMutation<A, R>(fn: (args: A) => Promise<R>): Mutation<A, R> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const waiting = useRef<((again: boolean) => void) | null>(null);
  const stopWaiting = useCallback(() => {
    const resume = waiting.current;
    waiting.current = null;
    resume?.(false);
  }, []);
  useEffect(() => stopWaiting, [stopWaiting]);
  const run = useCallback(
    async (args: A) => {
      stopWaiting();
      setBusy(true);
      setError(undefined);
      for (;;) {
        try {
          const result = await fnRef.current(args);
          setError(undefined);
          setBusy(false);
          return result;
        } catch (e) {
          const failed = asApiError(e);
          setBusy(false);
          if (!isRetryable(failed)) {
            setError(failed);
            return undefined;
          }
          const again = new Promise<boolean>((resolve) => {
            waiting.current = resolve;
          });
          retries.set(failed, () => {
            const resume = waiting.current;
            waiting.current = null;
            resume?.(true);
          });
          setError(failed);
          if (!(await again)) return undefined;
          setBusy(true);
        }
      }
    },
    [stopWaiting],
  );
  const clear = useCallback(() => {
    stopWaiting();
    setError(undefined);
  }, [stopWaiting]);
  // A refused field may be off screen (a long form, under the fixed header): bring the first
  // input marked invalid into view and put the cursor in it, as the browser does for its own checks.
  useEffect(() => {
    if (error?.field === undefined) return;
    const frame = window.requestAnimationFrame(() => {
      const invalid = document.querySelector<HTMLElement>('[aria-invalid="true"]');
      if (!invalid) return;
      invalid.scrollIntoView({ block: "center" });
      // A combobox opens its list on focus, which would cover the message: those are only scrolled to.
      if (invalid.getAttribute("role") !== "combobox" && !invalid.hasAttribute("aria-haspopup")) invalid.focus({ preventScroll: true });
    });
    return () => window.cancelAnimationFrame(frame);
  }, [error]);
  return { run, busy, error, clear };
}

/** The message for one form field when the server blamed it. */
export function fieldError(error: ApiError | undefined, ...fields: string[]): string | undefined {
  if (!error || error.field === undefined) return undefined;
  return fields.some((f) => error.field === f || error.field?.startsWith(`${f}.`) || error.field?.startsWith(`${f}[`)) ? error.message : undefined;
}
