/** The body of every error Pendulum's own API answers with. */
export type ApiErrorBody = { code: string; message: string; field?: string; [detail: string]: unknown };

/** An error a person can act on: a code, a message and, where one is at fault, the field. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    /** Extra facts a client can act on, such as the character `position` of a rule error. */
    readonly details?: Record<string, unknown>,
    /** Response headers that go with the error, such as `Retry-After` on a 503. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = "ApiError";
  }

  toBody(): ApiErrorBody {
    const body: ApiErrorBody = { ...this.details, code: this.code, message: this.message };
    if (this.field !== undefined) body.field = this.field;
    return body;
  }
}

type ValidationItem = { instancePath?: string; params?: Record<string, unknown>; message?: string };

/** Turns a schema failure's first item into a field path such as `events[3].type`. */
export function validationField(item: ValidationItem): string | undefined {
  const parts = (item.instancePath ?? "").split("/").filter(Boolean);
  const missing = item.params?.["missingProperty"];
  if (typeof missing === "string") parts.push(missing);
  const extra = item.params?.["additionalProperty"];
  if (typeof extra === "string") parts.push(extra);
  if (parts.length === 0) return undefined;
  return parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), "");
}

export type { ValidationItem };
