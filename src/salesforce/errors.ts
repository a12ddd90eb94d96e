/** Why a CRM call could not be made at all (as opposed to a record the CRM refused). */
export type SalesforceProblem =
  | "RECONNECT_REQUIRED" // the token was revoked, the user deactivated, or the grant no longer works
  | "API_BUDGET_RESERVE" // going on would eat into the org's daily API reserve
  | "CRM_UNAVAILABLE"; // transient failures outlasted every retry

/** A failure that stops a whole sync run, with a message an admin can act on. */
export class SalesforceError extends Error {
  constructor(
    readonly problem: SalesforceProblem,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = "SalesforceError";
  }
}

/** True when the token endpoint said the grant itself is no good (revoked token, inactive user, wrong password). */
export function isGrantRefused(e: unknown): boolean {
  const x = (e ?? {}) as { name?: unknown; errorCode?: unknown; message?: unknown };
  return x.name === "invalid_grant" || x.name === "invalid_client" || x.name === "invalid_client_id" || x.errorCode === "invalid_grant" || (typeof x.message === "string" && /invalid_grant|inactive user|expired access\/refresh token/.test(x.message));
}
