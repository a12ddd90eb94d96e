// The browser agent: one IIFE that installs `window.pendulum` and replays calls the snippet queued.
import { createAgent, type PendulumApi } from "./api.js";
import { pageEnv } from "./page.js";

/** The snippet's stand-in: records calls as `[method, ...args]` (or `[method, args]`) until this script loads. */
type Stub = { q?: unknown[][]; __pendulum?: true };
type Installed = PendulumApi & { q: unknown[][]; __pendulum: true };

declare global {
  interface Window {
    pendulum?: Stub | Installed;
  }
}

const METHODS = ["initialize", "identify", "updateOptions", "track", "flush"] as const;
type Method = (typeof METHODS)[number];

/** Wraps a method so a fault in the agent never breaks the host page. */
function guarded<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R | undefined {
  return (...args) => {
    try {
      return fn(...args);
    } catch (e) {
      console.warn("[pendulum] internal error", e);
      return undefined;
    }
  };
}

function install(win: Window): void {
  const previous = win.pendulum;
  if (previous?.__pendulum) return; // loaded twice: keep the first
  const script = document.currentScript as HTMLScriptElement | null;
  const agent = createAgent(pageEnv(win, script?.src || undefined));
  const installed = { q: [], __pendulum: true } as unknown as Installed;
  for (const m of METHODS) (installed as Record<Method, unknown>)[m] = guarded(agent[m] as (...args: unknown[]) => unknown);
  win.pendulum = installed;
  const queued = Array.isArray(previous?.q) ? previous.q.filter(Array.isArray) : [];
  // initialize first, as the snippet may have queued track or identify before it.
  const ordered = [...queued.filter((c) => c[0] === "initialize"), ...queued.filter((c) => c[0] !== "initialize")];
  for (const call of ordered) {
    const [method, ...rest] = call;
    // Both stub shapes: [method, ...args] and [method, argsArray] (no method takes an array first).
    const args = rest.length === 1 && Array.isArray(rest[0]) ? (rest[0] as unknown[]) : rest;
    if (METHODS.includes(method as Method)) (installed[method as Method] as (...a: unknown[]) => unknown)(...args);
  }
}

install(window);
