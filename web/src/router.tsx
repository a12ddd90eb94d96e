import { Anchor } from "@mantine/core";
import { useEffect, useSyncExternalStore, type MouseEvent, type ReactNode } from "react";

const listeners = new Set<() => void>();
/** Screens with unsaved changes: each says why leaving would lose something, or null when nothing would be lost. */
const guards = new Set<() => string | null>();
let current = typeof window === "undefined" ? "/" : window.location.pathname + window.location.search;

/** True when no screen objects to leaving, or the person agreed to lose its changes. */
function mayLeave(): boolean {
  for (const guard of guards) {
    const why = guard();
    if (why !== null && !window.confirm(why)) return false;
  }
  return true;
}

function notify(): void {
  current = window.location.pathname + window.location.search;
  for (const fn of listeners) fn();
}

if (typeof window !== "undefined") {
  // Back and forward change the address before anyone can ask; a refusal puts it back.
  window.addEventListener("popstate", () => {
    if (window.location.pathname + window.location.search !== current && !mayLeave()) {
      window.history.pushState(null, "", current);
      return;
    }
    notify();
  });
  window.addEventListener("beforeunload", (e) => {
    for (const guard of guards) {
      if (guard() !== null) {
        e.preventDefault();
        return;
      }
    }
  });
}

function subscribe(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Goes to a path of the UI without reloading, after a screen with unsaved changes agreed; false when it did not. */
export function navigate(to: string, options: { replace?: boolean } = {}): boolean {
  if (!mayLeave()) return false;
  if (options.replace) window.history.replaceState(null, "", to);
  else window.history.pushState(null, "", to);
  notify();
  window.scrollTo(0, 0);
  return true;
}

/**
 * Asks before the screen is left while `message` is set (unsaved changes): in-app links, back and
 * forward, and closing or reloading the tab. A function is asked at the moment of leaving (a form
 * just saved may leave at once, before it re-renders).
 */
export function useLeaveGuard(message: string | null | (() => string | null)): void {
  useEffect(() => {
    if (message === null) return;
    const guard = typeof message === "function" ? message : () => message;
    guards.add(guard);
    return () => {
      guards.delete(guard);
    };
  }, [message]);
}

/** The current path and query (re-renders on change). */
export function useLocation(): { pathname: string; search: URLSearchParams } {
  const href = useSyncExternalStore(subscribe, () => window.location.pathname + window.location.search);
  const url = new URL(href, window.location.origin);
  return { pathname: url.pathname, search: url.searchParams };
}

/** Matches `/accounts/:id` against a path; returns the decoded parameters or null. */
export function matchPath(pattern: string, pathname: string): Record<string, string> | null {
  const p = pattern.split("/").filter(Boolean);
  const a = pathname.split("/").filter(Boolean);
  if (p.length !== a.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const part = p[i] as string;
    const actual = a[i] as string;
    if (part.startsWith(":")) params[part.slice(1)] = decodeURIComponent(actual);
    else if (part !== actual) return null;
  }
  return params;
}

/** Click handler for an in-app link: plain clicks navigate, modified clicks open as usual. */
export function linkClick(to: string) {
  return (e: MouseEvent<HTMLElement>) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
}

/** A link inside the UI, in the one link style of every screen (navigates without reloading). */
export function Link(props: { to: string; children: ReactNode; className?: string; "aria-label"?: string; size?: "xs" | "sm" | "md"; fw?: number; testId?: string }) {
  return (
    <Anchor href={props.to} onClick={linkClick(props.to)} className={props.className} aria-label={props["aria-label"]} size={props.size} fw={props.fw} data-testid={props.testId} inherit={props.size === undefined} underline="always">
      {props.children}
    </Anchor>
  );
}
