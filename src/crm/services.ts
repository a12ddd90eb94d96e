import type { FastifyRequest } from "fastify";
import type { Kysely } from "kysely";
import type { Config } from "../config.js";
import { createBulkJobs, type BulkJobs } from "./bulk.js";
import { createCrmData, type CrmData } from "./data.js";
import { createFaultInjector, type FaultInjector, type FaultSettings } from "./faults.js";
import { createApiLimits, type ApiLimits } from "./limits.js";
import { createOAuthServer, type OAuthServer } from "./oauth.js";
import { createOps, type CrmOps } from "./ops.js";
import { createQueryEngine, type QueryEngine } from "./query.js";

/** Options of the built-in CRM (module options; tests shorten lifetimes and budgets). */
export type CrmOptions = {
  /** Access token lifetime; Salesforce's default session timeout is 2 hours. */
  accessTokenTtlSeconds: number;
  /** Daily API request allocation (Sforce-Limit-Info's M). */
  dailyApiRequests: number;
  /** Largest Bulk API CSV upload. */
  bulkUploadLimitBytes: number;
  /** Fault injection switched on from the start (tests can also use the admin API). */
  faults?: Partial<FaultSettings>;
};

/** Defaults: 2 h tokens, 100,000 requests a day, 150 MB uploads. */
export const DEFAULT_CRM_OPTIONS: CrmOptions = { accessTokenTtlSeconds: 7200, dailyApiRequests: 100_000, bulkUploadLimitBytes: 150 * 1024 * 1024 };

/** Everything the CRM's routes use, built once per module. */
export type CrmServices = {
  options: CrmOptions;
  data: CrmData;
  queries: QueryEngine;
  ops: CrmOps;
  oauth: OAuthServer;
  limits: ApiLimits;
  faults: FaultInjector;
  bulk: BulkJobs;
  clock: () => number;
  /** The instance URL clients should use: the configured base URL, or the address the client reached. */
  baseUrl(request: FastifyRequest): string;
};

/** Builds the services over the records database. */
export function createCrmServices(db: Kysely<object>, config: Config, clock: () => number, options: CrmOptions): CrmServices {
  const data = createCrmData(db, clock);
  const queries = createQueryEngine(data, clock);
  const ops = createOps(data, queries);
  const fixedBase = /:0$/.test(config.baseUrl) ? undefined : config.baseUrl;
  return {
    options,
    data,
    queries,
    ops,
    oauth: createOAuthServer(db, clock, { accessTokenTtlSeconds: options.accessTokenTtlSeconds }),
    limits: createApiLimits(clock, options.dailyApiRequests, db),
    faults: createFaultInjector(options.faults),
    bulk: createBulkJobs(data, queries, clock),
    clock,
    baseUrl: (request) => fixedBase ?? `${request.protocol}://${request.host}`,
  };
}
