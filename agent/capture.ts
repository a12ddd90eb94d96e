import { elementPath } from "./element-path.js";
import { ACTIVITY_MS, MINUTE_MS } from "./limits.js";
import type { PathElement } from "./types.js";

/** What capture reports: an event type and, for clicks, the element path. */
export type Captured = (type: "load" | "click" | "focus", element?: PathElement[]) => void;

const ACTIVITY_EVENTS = ["mousemove", "keydown", "scroll", "wheel", "touchstart", "pointerdown"];

/**
 * Listens for route changes, clicks, focus and activity; `onHidden` runs when the page may be
 * going away. The initial page load is reported by the caller, at initialize.
 */
export function startCapture(win: Window, report: Captured, onHidden: () => void, now: () => number): void {
  const doc = win.document;
  let lastUrl = win.location.href;
  let lastReport = now();

  const send: Captured = (type, element) => {
    lastReport = now();
    report(type, element);
  };

  // A single-page app changes the URL without a page load; each distinct URL is a load.
  const route = (): void => {
    if (win.location.href === lastUrl) return;
    lastUrl = win.location.href;
    send("load");
  };
  for (const method of ["pushState", "replaceState"] as const) {
    const original = win.history[method];
    win.history[method] = function (this: History, ...args: Parameters<History["pushState"]>) {
      const result = original.apply(this, args);
      // Next task: the app may replace the URL again or set the title right after.
      win.setTimeout(route, 0);
      return result;
    };
  }
  win.addEventListener("popstate", route);
  win.addEventListener("hashchange", route);

  // Capture phase: the host page stopping propagation must not hide a click.
  doc.addEventListener(
    "click",
    (e) => {
      const t = e.target as Node | null;
      const el = t && t.nodeType === 1 ? (t as Element) : (t?.parentElement ?? null);
      if (el) send("click", elementPath(el));
    },
    true,
  );

  // A return to the tab fires both visibilitychange (visible) and the window's focus, at the same
  // instant: one focus event per return. Leaving (hidden, or the window losing focus to another
  // window) arms the next return; either signal of the return then reports it, the other is ignored.
  let away = doc.visibilityState === "hidden" || !doc.hasFocus();
  const returned = (): void => {
    if (!away) return;
    away = false;
    send("focus");
  };
  win.addEventListener("focus", returned);
  win.addEventListener("blur", () => {
    away = true;
  });
  doc.addEventListener("visibilitychange", () => {
    if (doc.visibilityState === "visible") return returned();
    away = true;
    onHidden();
  });
  win.addEventListener("pagehide", onHidden);

  // Activity only says "someone is here"; what was typed or where the mouse went is never read.
  // A new minute since the last recorded event always counts (see ACTIVITY_MS).
  const activity = (): void => {
    const t = now();
    if (t - lastReport >= ACTIVITY_MS || Math.floor(t / MINUTE_MS) !== Math.floor(lastReport / MINUTE_MS)) send("focus");
  };
  for (const type of ACTIVITY_EVENTS) doc.addEventListener(type, activity, { capture: true, passive: true });
}
