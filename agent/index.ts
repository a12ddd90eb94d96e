// The browser agent: one IIFE that installs `window.pendulum` and replays calls the snippet queued.
import { createAgent, type PendulumApi } from "./api.js";
import type { GuideHook } from "./guides/hook.js";
import { pageEnv } from "./page.js";

/** The snippet's stand-in: records calls as `[method, ...args]` (or `[method, args]`) until this script loads. */
type Stub = { q?: unknown[][]; __pendulum?: true };
type Installed = PendulumApi & { q: unknown[][]; __pendulum: true; showGuide(id: string): void; __guides: GuideHook };

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

const idOf = (x: unknown): string | undefined => {
  const id = x && typeof x === "object" ? (x as { id?: unknown }).id : undefined;
  return typeof id === "string" || typeof id === "number" ? String(id) : undefined;
};

/**
 * Keeps the guide renderer's hook in step with the identity, and loads the renderer
 * (/agent-guides.js, a second bundle) once the agent is initialised.
 */
function guideFollower(win: Window, hook: GuideHook, scriptSrc: string | undefined): (method: Method, args: unknown[]) => void {
  let loading = false;
  return (method, args) => {
    const o = (args[0] ?? {}) as { apiKey?: unknown; host?: unknown; visitor?: unknown; account?: unknown };
    if (method === "initialize" && !hook.key) {
      if (typeof o.apiKey !== "string" || !o.apiKey) return;
      hook.key = o.apiKey;
      const host = typeof o.host === "string" && o.host ? o.host : scriptSrc ? new URL(scriptSrc, win.location.href).origin : win.location.origin;
      hook.host = host.replace(/\/+$/, "");
      let anon = "";
      try {
        anon = win.localStorage.getItem("pendulum_anon") || "";
      } catch {
        /* storage disabled: no guides for anonymous visitors */
      }
      hook.visitor = idOf(o.visitor) ?? anon;
      hook.account = idOf(o.account) ?? "";
    } else if (method === "identify" || method === "initialize") {
      hook.visitor = idOf(o.visitor) ?? hook.visitor;
      if (o.account) hook.account = idOf(o.account) ?? "";
    } else return;
    if (!hook.key) return;
    if (loading) return hook.notify?.();
    loading = true;
    const s = win.document.createElement("script");
    s.async = true;
    s.src = `${hook.host}/agent-guides.js`;
    (win.document.head || win.document.documentElement).appendChild(s);
  };
}

function install(win: Window): void {
  const previous = win.pendulum;
  if (previous?.__pendulum) return; // loaded twice: keep the first
  const script = document.currentScript as HTMLScriptElement | null;
  const agent = createAgent(pageEnv(win, script?.src || undefined));
  const hook: GuideHook = { key: "", host: "", visitor: "", account: "", q: [] };
  const follow = guideFollower(win, hook, script?.src || undefined);
  const installed = { q: [], __pendulum: true, __guides: hook } as unknown as Installed;
  for (const m of METHODS) {
    const call = agent[m] as (...args: unknown[]) => unknown;
    (installed as Record<Method, unknown>)[m] = guarded((...args: unknown[]) => {
      const r = call(...args);
      follow(m, args);
      return r;
    });
  }
  installed.showGuide = guarded((id: string) => {
    hook.q.push(String(id));
    hook.notify?.();
  });
  win.pendulum = installed;
  const queued = Array.isArray(previous?.q) ? previous.q.filter(Array.isArray) : [];
  // initialize first, as the snippet may have queued track or identify before it.
  const ordered = [...queued.filter((c) => c[0] === "initialize"), ...queued.filter((c) => c[0] !== "initialize")];
  for (const call of ordered) {
    const [method, ...rest] = call;
    // Both stub shapes: [method, ...args] and [method, argsArray] (no method takes an array first).
    const args = rest.length === 1 && Array.isArray(rest[0]) ? (rest[0] as unknown[]) : rest;
    if (METHODS.includes(method as Method)) (installed[method as Method] as (...a: unknown[]) => unknown)(...args);
    else if (method === "showGuide") installed.showGuide(String(args[0]));
  }
}

install(window);
