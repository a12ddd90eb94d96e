/** Where the demo talks to: a running Pendulum's URL, its admin token and the built-in CRM's API user. */
export type LoopTarget = {
  url: string;
  token: string;
  crm: { username: string; password: string; clientId: string; clientSecret: string };
};

/** A refused call, with the server's code and field so a demo failure says what to fix. */
export class DemoApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "DemoApiError";
  }
}

/** The demo's HTTP client: /api/v1 with the admin token, counting calls for the summary. */
export type DemoApi = { calls: number; call<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> };

/** Builds the client; the demo uses only the public API, exactly as an admin's script would. */
export function demoApi(target: LoopTarget): DemoApi {
  const api: DemoApi = {
    calls: 0,
    async call<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
      api.calls++;
      // A body with its own content type (CSV) is sent as it is; anything else as JSON.
      const raw = contentType !== undefined && typeof body === "string";
      const res = await fetch(`${target.url}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${target.token}`, ...(body === undefined ? {} : { "content-type": contentType ?? "application/json" }) },
        ...(body === undefined ? {} : { body: raw ? body : JSON.stringify(body) }),
      });
      const text = await res.text();
      const json: unknown = text ? JSON.parse(text) : {};
      if (!res.ok) {
        const e = json as { code?: string; message?: string; field?: string };
        throw new DemoApiError(res.status, e.code ?? "ERROR", `${method} ${path}: ${res.status} ${e.code ?? ""} ${e.message ?? text}${e.field ? ` (field ${e.field})` : ""}`);
      }
      return json as T;
    },
  };
  return api;
}
