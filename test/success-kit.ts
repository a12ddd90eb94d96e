// Success as the composition root wires it (analytics → sync → success): a cross-module kit, so it lives in test/,
// not in src/success, which meets analytics only through the CRM.
import { startTestPendulum, type TestPendulum } from "./harness.js";
import { createAnalyticsModule, type AnalyticsModule } from "../src/analytics/index.js";
import { createCrmModule, type CrmModule } from "../src/crm/index.js";
import type { ModuleContext, PendulumModule } from "../src/kernel/index.js";
import { createSyncModule, type SyncModule } from "../src/sync/index.js";
import { createSuccessModule, type SuccessModule } from "../src/success/index.js";

/** Success as the composition root wires it: its rules reach the CRM through the sync connection. */
export type SuccessModules = { crm?: CrmModule; probe?: PendulumModule; analytics: AnalyticsModule; sync: SyncModule; success: SuccessModule };

export type SuccessPendulum = TestPendulum<SuccessModules>;

/**
 * A real Pendulum with the success module, wired over a real sync module (no CRM connection
 * until a test makes one), optionally with the built-in CRM and a probe module built first.
 */
export function startSuccessPendulum(options: { crm?: boolean; probe?: (ctx: ModuleContext) => PendulumModule; env?: Record<string, string>; clock?: () => number } = {}): Promise<SuccessPendulum> {
  return startTestPendulum({
    compose: (ctx: ModuleContext): SuccessModules => {
      const crm = options.crm ? createCrmModule(ctx) : undefined;
      const probe = options.probe?.(ctx);
      const analytics = createAnalyticsModule(ctx);
      const sync = createSyncModule(ctx, { analytics, tuning: { retry: { attempts: 8, baseDelayMs: 5, maxDelayMs: 60 }, timeoutMs: 5_000 } });
      const success = createSuccessModule(ctx, { crm: sync.crmAccess });
      return { ...(crm ? { crm } : {}), ...(probe ? { probe } : {}), analytics, sync, success };
    },
    ...(options.env ? { env: options.env } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
}

/** Calls the API with a JSON body and returns status and parsed body. */
export async function call<T = Record<string, unknown>>(p: TestPendulum<SuccessModules>, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await p.api(`/api/v1/success${path}`, { method, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}
