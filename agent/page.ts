import type { AgentEnv } from "./api.js";
import { startCapture } from "./capture.js";
import { MAX_TITLE, MAX_URL } from "./limits.js";
import type { KeyValueStore } from "./offline.js";
import { createQueue } from "./queue.js";
import { clip } from "./sanitize.js";

/** A random hex id (batch ids, tab ids, anonymous visitors). */
export function randomId(bytes = 16): string {
  const a = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(a, (b) => b.toString(16).padStart(2, "0")).join("");
}

// Storage can throw (disabled cookies, sandboxed iframes); the agent then works without it.
function storage(get: () => Storage): KeyValueStore | undefined {
  try {
    const s = get();
    s.getItem("pendulum_probe");
    return s;
  } catch {
    return undefined;
  }
}

// One value kept in a store, created on first use; a fresh one per page when storage is unusable.
function remembered(store: KeyValueStore | undefined, key: string, make: () => string): string {
  try {
    const existing = store?.getItem(key);
    if (existing) return existing;
    const v = make();
    store?.setItem(key, v);
    return v;
  } catch {
    return make();
  }
}

/** The agent's environment in a real page. `scriptSrc` is where agent.js was loaded from. */
export function pageEnv(win: Window, scriptSrc: string | undefined): AgentEnv {
  const local = storage(() => win.localStorage);
  const warned = new Set<string>();
  const warn = (message: string): void => {
    if (warned.has(message)) return;
    warned.add(message);
    console.warn(`[pendulum] ${message}`);
  };
  const nav = win.navigator;
  const queue = createQueue({
    fetch: (url, init) => win.fetch(url, init),
    beacon: typeof nav.sendBeacon === "function" ? (url, body) => nav.sendBeacon(url, body) : undefined,
    store: local,
    timer: (fn, ms) => {
      const handle = win.setTimeout(fn, ms);
      return () => win.clearTimeout(handle);
    },
    now: Date.now,
    random: Math.random,
    newId: randomId,
    online: () => nav.onLine !== false,
    warn,
  });
  const tab = remembered(storage(() => win.sessionStorage), "pendulum_tab", () => randomId(8));
  win.addEventListener("online", () => void queue.flush(true));
  return {
    queue,
    warn,
    tab,
    event(type) {
      const e: ReturnType<AgentEnv["event"]> = { type, ts: Date.now(), url: clip(win.location.href, MAX_URL), tab };
      const title = clip(win.document.title, MAX_TITLE);
      if (title) e.title = title;
      return e;
    },
    capture: (report) => startCapture(win, report, () => queue.unload(), Date.now),
    defaultHost: () => (scriptSrc ? new URL(scriptSrc, win.location.href).origin : win.location.origin),
    anonymousId: () => remembered(local, "pendulum_anon", () => `anon-${randomId(12)}`),
  };
}
