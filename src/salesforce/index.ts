export { createSalesforceClient, BULK_THRESHOLD, COLLECTION_SIZE, type SalesforceClient, type SalesforceClientOptions } from "./client.js";
export { authorizationUrl, exchangeCode, pkcePair, requestSession, type SalesforceCredentials, type SalesforceGrant, type SalesforceSession } from "./connect.js";
export { SalesforceError, isGrantRefused, type SalesforceProblem } from "./errors.js";
export { backoffDelay, DEFAULT_RETRY, errorCodeOf, isTransient, withRetry, type RetryPolicy } from "./retry.js";
export { analyticsTypeOf, type AnalyticsType, type ApiUsage, type FieldInfo, type ObjectInfo, type WriteResult } from "./types.js";
export type { CallStats } from "./transport.js";
