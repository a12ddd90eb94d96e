import type { GuidesResponse, WireGuide, WireGuideEvent } from "../../src/guides/wire.js";
import { guideRoot, h } from "./dom.js";
import type { GuideHook } from "./hook.js";
import { openGuide, type GuideView, type Resume } from "./view.js";
import { waitFor } from "./wait.js";

const enc = encodeURIComponent;

/** The display in progress, kept for the tab's session so a full page load continues it at its step. */
type Saved = Resume & { guide: string; step: number; visitor: string };
const SAVED = "pendulum:guide";
const randomId = (): string => Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, "0")).join("");

/**
 * Asks the server which guides this visitor may see on this page, shows automatic ones one at a
 * time by priority, wires element, badge and API activation, and reports guide events.
 */
export function startGuides(win: Window, hook: GuideHook): void {
  const doc = win.document;
  let ui: { layer: HTMLElement } | undefined;
  let guides: WireGuide[] = [];
  let queue: WireGuide[] = [];
  let active: GuideView | undefined;
  let seq = 0;
  let retry: number | undefined;
  let lastUrl = win.location.href;
  let badges: (() => void)[] = [];
  const pending: WireGuideEvent[] = [];
  const offered = new Set<string>(); // automatic guides already offered on this page

  const layer = (): HTMLElement => (ui ??= guideRoot(doc)).layer;
  // Storage can be missing or refused (private modes, sandboxed frames): then nothing resumes.
  const saved = (): Saved | undefined => {
    try {
      return JSON.parse(win.sessionStorage.getItem(SAVED) ?? "null") ?? undefined;
    } catch {
      return undefined;
    }
  };
  const save = (s?: Saved): void => {
    try {
      if (s) win.sessionStorage.setItem(SAVED, JSON.stringify(s));
      else win.sessionStorage.removeItem(SAVED);
    } catch {
      /* not kept: a reload starts over */
    }
  };
  let resumeChecked = false;

  const flush = (beacon = false): void => {
    if (pending.length === 0 || !hook.key) return;
    const body = JSON.stringify({ visitor: hook.visitor, ...(hook.account ? { account: hook.account } : {}), events: pending.splice(0, 100) });
    const url = `${hook.host}/data/guide-events?key=${enc(hook.key)}`;
    if (beacon && navigator.sendBeacon?.(url, new Blob([body], { type: "text/plain" }))) return;
    void win.fetch(url, { method: "POST", body, keepalive: true, headers: { "content-type": "text/plain" }, credentials: "omit" }).catch(() => undefined);
  };
  const send = (e: WireGuideEvent): void => {
    if (pending.push(e) === 1) win.setTimeout(() => flush(), 0);
  };
  win.addEventListener("pagehide", () => flush(true));

  const fetchGuides = async (only?: string): Promise<GuidesResponse> => {
    const q = `key=${enc(hook.key)}&visitor=${enc(hook.visitor)}&account=${enc(hook.account)}&url=${enc(win.location.href)}${only ? `&guide=${enc(only)}` : ""}`;
    try {
      const r = await win.fetch(`${hook.host}/data/guides?${q}`, { credentials: "omit" });
      return r.ok ? ((await r.json()) as GuidesResponse) : { guides: [] };
    } catch {
      return { guides: [] };
    }
  };

  const show = (g: WireGuide, resume?: Saved): void => {
    active?.close();
    let viewId: string | undefined;
    active = openGuide(
      g,
      {
        win,
        doc,
        layer: layer(),
        send,
        newId: randomId,
        onClose: () => {
          // Ended (dismissed, completed, replaced or taken away): a reload must not bring it back.
          if (saved()?.view === viewId) save();
          active = undefined;
          win.setTimeout(next, 0);
        },
        onStep: (step, id, began) => {
          viewId = id;
          save({ guide: g.id, view: id, step, began, visitor: hook.visitor });
        },
      },
      resume?.step ?? 0,
      resume,
    );
  };
  const next = (): void => {
    if (active) return;
    const g = queue.shift();
    if (!g) return;
    offered.add(g.id);
    show(g);
  };

  const placeBadges = (): void => {
    for (const b of badges) b();
    badges = [];
    for (const g of guides) {
      const selector = g.activation.selector;
      if (g.activation.type !== "badge" || !selector) continue;
      let remove = (): void => undefined;
      const cancel = waitFor(doc, selector, (target) => {
        const badge = h(doc, "button", "badge", { type: "button", "aria-label": g.name }, "?");
        const place = (): void => {
          const r = target.getBoundingClientRect();
          badge.style.top = `${r.top - 8}px`;
          badge.style.left = `${r.right - 8}px`;
        };
        place();
        badge.addEventListener("click", () => show(g));
        layer().appendChild(badge);
        win.addEventListener("scroll", place, { capture: true, passive: true });
        win.addEventListener("resize", place, { passive: true });
        remove = () => {
          badge.remove();
          win.removeEventListener("scroll", place, { capture: true });
          win.removeEventListener("resize", place);
        };
      });
      badges.push(() => {
        cancel();
        remove();
      });
    }
  };

  // One listener for every element-activated guide; capture, so the page cannot swallow it.
  doc.addEventListener(
    "click",
    (e) => {
      const t = e.target as Element | null;
      if (!t || typeof t.closest !== "function") return;
      for (const g of guides) {
        const s = g.activation.selector;
        if (g.activation.type !== "element" || !s) continue;
        try {
          if (t.closest(s)) return show(g);
        } catch {
          /* a selector this browser cannot parse matches nothing */
        }
      }
    },
    true,
  );

  const refresh = async (): Promise<void> => {
    if (!hook.key || !hook.visitor) return;
    const mine = ++seq;
    const body = await fetchGuides();
    // The open guide may be left out only for its frequency (a `once` guide is, once shown), which
    // must not end a display in progress (a walkthrough crossing SPA routes): asked for alone, it
    // is judged by targeting, schedule and status only, and closed only if those take it away.
    const open = active;
    const kept = !open || body.guides.some((g) => g.id === open.id) || (await fetchGuides(open.id)).guides.length > 0;
    // After a full page load: the display the previous page left open, if this visitor may still
    // see it here (asked alone, so a `once` guide already shown still counts).
    const resume = resumeChecked || open ? undefined : saved();
    const resumed = resume && resume.visitor === hook.visitor ? (body.guides.find((g) => g.id === resume.guide) ?? (await fetchGuides(resume.guide)).guides[0]) : undefined;
    if (mine !== seq) return; // a newer refresh (URL or identity change) won
    resumeChecked = true;
    win.clearTimeout(retry);
    guides = body.guides;
    placeBadges();
    if (!kept && open && active === open) {
      active = undefined;
      open.close();
    }
    if (resume && !active) {
      if (resumed && resume.step < resumed.steps.length) {
        offered.add(resumed.id);
        show(resumed, resume);
      } else save();
    }
    queue = guides.filter((g) => g.auto && !offered.has(g.id) && g.id !== active?.id).sort((a, b) => b.priority - a.priority);
    next();
    // Throttled guides were deferred: ask again when the server says they may show.
    if (body.retryAfterMs !== undefined) retry = win.setTimeout(() => void refresh(), Math.min(body.retryAfterMs, 3_600_000) + 100);
  };

  const drain = async (): Promise<void> => {
    for (const id of hook.q.splice(0)) {
      const g = guides.find((x) => x.id === id) ?? (await fetchGuides(id)).guides[0];
      if (g) show(g);
      else console.warn(`[pendulum] showGuide: guide ${id} is not available to this visitor on this page`);
    }
  };

  hook.notify = () => {
    void refresh().then(drain);
  };
  const urlChanged = (): void => {
    if (win.location.href === lastUrl) return;
    lastUrl = win.location.href;
    offered.clear();
    void refresh();
  };
  win.addEventListener("popstate", urlChanged);
  win.addEventListener("hashchange", urlChanged);
  // pushState does not fire an event; polling avoids patching the page's history API a second time.
  win.setInterval(urlChanged, 500);
  hook.notify();
}
