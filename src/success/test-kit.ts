import { startTestPendulum, type TestPendulum } from "../../test/harness.js";
import type { ModuleFactory } from "../server/pendulum.js";
import { createSuccessModule, type SuccessDeps } from "./module.js";

/** A real Pendulum with the success module (and any other factories first, such as the CRM). */
export function startSuccessPendulum(options: { deps?: (p: () => TestPendulum) => SuccessDeps; before?: ModuleFactory[]; env?: Record<string, string>; clock?: () => number } = {}): Promise<TestPendulum> {
  let started: TestPendulum | undefined;
  const current = () => {
    if (!started) throw new Error("Pendulum has not started yet");
    return started;
  };
  const factory: ModuleFactory = (ctx) => createSuccessModule(ctx, options.deps?.(current) ?? {});
  return startTestPendulum({ factories: [...(options.before ?? []), factory], ...(options.env ? { env: options.env } : {}), ...(options.clock ? { clock: options.clock } : {}) }).then((p) => {
    started = p;
    return p;
  });
}

/** Calls the API with a JSON body and returns status and parsed body. */
export async function call<T = Record<string, unknown>>(p: TestPendulum, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await p.api(`/api/v1/success${path}`, { method, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}
