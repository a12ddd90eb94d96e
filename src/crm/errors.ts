/** A failure answered in Salesforce's shape: `[{"message", "errorCode", "fields"}]`. */
export class SfError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly fields: string[] = [],
  ) {
    super(message);
    this.name = "SfError";
  }

  /** The REST body Salesforce sends for this error. */
  toBody(): Array<{ message: string; errorCode: string; fields?: string[] }> {
    return [this.fields.length > 0 ? { message: this.message, errorCode: this.errorCode, fields: this.fields } : { message: this.message, errorCode: this.errorCode }];
  }

  /** The item inside a save result's `errors` (Collections and Composite use `statusCode`). */
  toSaveError(): { statusCode: string; message: string; fields: string[] } {
    return { statusCode: this.errorCode, message: this.message, fields: this.fields };
  }
}

/** 401 INVALID_SESSION_ID, which jsforce takes as "refresh the token and retry". */
export function invalidSession(): SfError {
  return new SfError(401, "INVALID_SESSION_ID", "Session expired or invalid");
}

/** 404 NOT_FOUND for a record or resource. */
export function notFound(what = "The requested resource does not exist"): SfError {
  return new SfError(404, "NOT_FOUND", what);
}
