/** The error body every Pendulum endpoint answers with. */
export type ApiErrorBody = { code: string; message: string; field?: string };

/** A failed API call: the server's code, its message for a person, and the field at fault. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    /** Anything else the server said, such as the `position` of a rule error. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }
}

type JsonBody = Record<string, unknown> | unknown[];

/** Calls `/api/v1` with the session cookie; throws ApiError with the server's own words. */
export async function api<T>(path: string, init: { method?: string; body?: JsonBody; signal?: AbortSignal } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (init.body !== undefined) headers["content-type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method: init.method ?? (init.body === undefined ? "GET" : "POST"),
      headers,
      credentials: "same-origin",
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: init.signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    throw new ApiError(0, "NETWORK", "Pendulum did not answer. Check that the server is running, then try again.");
  }
  const text = await response.text();
  const parsed: unknown = text === "" ? null : safeJson(text);
  if (!response.ok) {
    const body = (typeof parsed === "object" && parsed !== null ? parsed : {}) as Partial<ApiErrorBody> & Record<string, unknown>;
    if (response.status === 401) window.dispatchEvent(new CustomEvent("pendulum:signed-out"));
    const { code, message, field, ...details } = body;
    throw new ApiError(response.status, code ?? `HTTP_${response.status}`, message ?? `The server answered ${response.status}.`, field, details);
  }
  return parsed as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Builds a query string from the defined values only. */
export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}
