import { useCallback, useEffect, useRef, useState } from "react";
import { api, ApiError } from "./api";

export type Loaded<T> = { data: T | undefined; error: ApiError | undefined; loading: boolean; reload(): void };

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
        setData(d);
        setError(undefined);
      })
      .catch((e: unknown) => {
        if (controller.signal.aborted) return;
        setError(e instanceof ApiError ? e : new ApiError(0, "CLIENT", String(e)));
      })
      .finally(() => {
        if (!controller.signal.aborted) setLoading(false);
      });
    return () => controller.abort();
  }, [path, tick]);
  return { data, error, loading, reload };
}

export type Mutation<A, R> = { run(args: A): Promise<R | undefined>; busy: boolean; error: ApiError | undefined; clear(): void };

/** Wraps a change (POST/PUT/DELETE): tracks busy and the last error, for forms to show by field. */
export function useMutation<A, R>(fn: (args: A) => Promise<R>): Mutation<A, R> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const run = useCallback(async (args: A) => {
    setBusy(true);
    setError(undefined);
    try {
      return await fnRef.current(args);
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, "CLIENT", String(e)));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  const clear = useCallback(() => setError(undefined), []);
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
