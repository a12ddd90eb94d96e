import type { Button, WireGuide, WireGuideEvent, WireStep } from "../../src/guides/wire.js";
import { focusables, h } from "./dom.js";
import { placeTooltip, type Side } from "./position.js";
import { safeFragment } from "./sanitize.js";
import { waitFor } from "./wait.js";

export type ViewDeps = {
  win: Window;
  doc: Document;
  layer: HTMLElement;
  send(e: WireGuideEvent): void;
  newId(): string;
  onClose(): void;
  /** Called as each step is drawn (the controller keeps it, so a full page load can resume the display). */
  onStep?(step: number, view: string, began: number): void;
};

/** A display carried over from the previous page load: same view id and start time, no second "shown". */
export type Resume = { view: string; began: number };

/** One display of a guide, from its first step until it is dismissed, completed or taken away. */
export type GuideView = { id: string; close(): void };

type Cleanup = () => void;

/** Default buttons when a step has none: Back (after the first), then Next or Done. */
function buttonsOf(s: WireStep, i: number, last: boolean): Button[] {
  if (s.buttons.length > 0 || s.poll) return s.buttons;
  const out: Button[] = [];
  if (i > 0) out.push({ label: "Back", action: "back" });
  out.push(last ? { label: "Done", action: "complete" } : { label: "Next", action: "next" });
  return out;
}

/** Opens a guide at `start`; events go through `deps.send`. */
export function openGuide(g: WireGuide, deps: ViewDeps, start = 0, resume?: Resume): GuideView {
  const { win, doc, layer } = deps;
  const view = resume?.view ?? deps.newId();
  const began = resume?.began ?? Date.now();
  let step = -1;
  let shown = resume !== undefined;
  let closed = false;
  let cleanups: Cleanup[] = [];
  const restoreFocus = doc.activeElement as HTMLElement | null;

  const ev = (type: WireGuideEvent["type"], extra: Partial<WireGuideEvent> = {}): void => deps.send({ type, guide: g.id, step, view, url: win.location.href.slice(0, 2048), ...extra });
  const clear = (): void => {
    for (const c of cleanups) c();
    cleanups = [];
  };
  const teardown = (): void => {
    if (closed) return;
    closed = true;
    clear();
    if (restoreFocus && restoreFocus.isConnected && typeof restoreFocus.focus === "function") restoreFocus.focus();
    deps.onClose();
  };
  const end = (type: "dismissed" | "completed"): void => {
    if (closed) return;
    ev(type, { durationMs: Date.now() - began });
    teardown();
  };
  const go = (to: number): void => {
    if (to < 0 || to >= g.steps.length) return;
    ev("advanced");
    render(to);
  };
  const act = (b: Button): void => {
    ev("button_clicked", { button: b.label });
    const last = step === g.steps.length - 1;
    switch (b.action) {
      case "next":
        return last ? end("completed") : go(step + 1);
      case "back":
        return go(step - 1);
      case "goToStep":
        return go(b.step ?? 0);
      case "dismiss":
        return end("dismissed");
      case "complete":
        return end("completed");
      case "link":
        if (b.url) win.open(b.url, "_blank", "noopener,noreferrer");
        return;
    }
  };

  function box(s: WireStep, i: number): HTMLElement {
    const modal = s.layout === "lightbox" || s.layout === "poll";
    const cls = modal ? "box lb" : s.layout === "banner" ? `box bn ${s.placement === "bottom" ? "b" : "t"}` : "box tt";
    const titleId = `pg-${view}-${i}`;
    const el = h(doc, "div", cls, { role: s.layout === "banner" ? "region" : "dialog", "aria-label": s.title || g.name });
    if (modal) el.setAttribute("aria-modal", "true");
    if (s.title) {
      el.removeAttribute("aria-label");
      el.setAttribute("aria-labelledby", titleId);
      el.appendChild(h(doc, "div", "ttl", { id: titleId }, s.title));
    }
    const content = h(doc, "div", "ct");
    content.appendChild(safeFragment(s.html, doc));
    el.appendChild(content);
    if (s.poll) content.appendChild(poll(s, i === g.steps.length - 1));
    const buttons = buttonsOf(s, i, i === g.steps.length - 1);
    if (buttons.length > 0) {
      const row = h(doc, "div", "bts");
      buttons.forEach((b, k) => {
        const btn = h(doc, "button", k === buttons.length - 1 ? "b1" : "b2", { type: "button" }, b.label);
        btn.addEventListener("click", () => act(b));
        row.appendChild(btn);
      });
      el.appendChild(row);
    }
    const x = h(doc, "button", "x", { type: "button", "aria-label": "Dismiss" }, "×");
    x.addEventListener("click", () => end("dismissed"));
    el.appendChild(x);
    el.addEventListener("keydown", (e) => {
      if (e.key === "Escape") {
        e.stopPropagation();
        end("dismissed");
      } else if (e.key === "Tab" && modal) {
        // Focus trap: Tab and Shift+Tab cycle inside the dialog.
        const f = focusables(el);
        const root = el.getRootNode() as ShadowRoot;
        const at = f.indexOf(root.activeElement as HTMLElement);
        const to = e.shiftKey ? (at <= 0 ? f.length - 1 : at - 1) : at === f.length - 1 ? 0 : at + 1;
        f[to]?.focus();
        e.preventDefault();
      }
    });
    return el;
  }

  function poll(s: WireStep, last: boolean): HTMLElement {
    const p = s.poll as NonNullable<WireStep["poll"]>;
    const wrap = h(doc, "div");
    const qid = `pg-${view}-q${step}`;
    wrap.appendChild(h(doc, "div", "q", { id: qid }, p.question));
    let score: number | undefined;
    let choice: string | undefined;
    const submit = h(doc, "button", "b1", { type: "button", disabled: "" }, "Submit") as HTMLButtonElement;
    if (p.type === "nps") {
      const group = h(doc, "div", "nps", { role: "radiogroup", "aria-labelledby": qid });
      for (let n = 0; n <= 10; n++) {
        const b = h(doc, "button", "", { type: "button", role: "radio", "aria-checked": "false", "aria-label": String(n), "data-score": String(n) }, String(n));
        b.addEventListener("click", () => {
          score = n;
          group.querySelectorAll("button").forEach((o) => o.setAttribute("aria-checked", String(o === b)));
          submit.disabled = false;
        });
        group.appendChild(b);
      }
      wrap.appendChild(group);
      const legend = h(doc, "div", "lg");
      legend.append(h(doc, "span", "", {}, "Not likely"), h(doc, "span", "", {}, "Very likely"));
      wrap.appendChild(legend);
    } else {
      const group = h(doc, "div", "ch", { role: "radiogroup", "aria-labelledby": qid });
      for (const o of p.options ?? []) {
        const label = h(doc, "label");
        const input = h(doc, "input", "", { type: "radio", name: `pg-${view}`, value: o }) as HTMLInputElement;
        input.addEventListener("change", () => {
          choice = o;
          submit.disabled = false;
        });
        label.append(input, doc.createTextNode(o));
        group.appendChild(label);
      }
      wrap.appendChild(group);
    }
    let comment: HTMLTextAreaElement | undefined;
    if (p.comment) {
      comment = h(doc, "textarea", "", { "aria-label": "Comment (optional)", placeholder: "Tell us more (optional)", maxlength: "2000" }) as HTMLTextAreaElement;
      wrap.appendChild(comment);
    }
    const row = h(doc, "div", "bts");
    row.appendChild(submit);
    wrap.appendChild(row);
    submit.addEventListener("click", () => {
      const text = comment?.value.trim();
      ev("poll_answered", { ...(score !== undefined ? { score } : {}), ...(choice !== undefined ? { choice } : {}), ...(text ? { comment: text.slice(0, 2000) } : {}) });
      if (last) end("completed");
      else go(step + 1);
    });
    return wrap;
  }

  function anchor(el: HTMLElement, target: Element, side: Side): Cleanup {
    const arrow = h(doc, "div", "ar");
    el.appendChild(arrow);
    let frame = 0;
    const place = (): void => {
      frame = 0;
      const r = target.getBoundingClientRect();
      const p = placeTooltip(r, { width: el.offsetWidth, height: el.offsetHeight }, { width: win.innerWidth, height: win.innerHeight }, side);
      el.style.top = `${p.top}px`;
      el.style.left = `${p.left}px`;
      const ax = Math.max(8, Math.min(el.offsetWidth - 20, r.left + r.width / 2 - p.left - 6));
      const ay = Math.max(8, Math.min(el.offsetHeight - 20, r.top + r.height / 2 - p.top - 6));
      arrow.style.cssText = p.side === "bottom" ? `top:-6px;left:${ax}px` : p.side === "top" ? `bottom:-6px;left:${ax}px` : p.side === "right" ? `left:-6px;top:${ay}px` : `right:-6px;top:${ay}px`;
    };
    const soon = (): void => {
      if (!frame) frame = win.requestAnimationFrame(place);
    };
    place();
    win.addEventListener("scroll", soon, { capture: true, passive: true });
    win.addEventListener("resize", soon, { passive: true });
    const ro = typeof ResizeObserver === "function" ? new ResizeObserver(soon) : undefined;
    ro?.observe(target);
    return () => {
      win.removeEventListener("scroll", soon, { capture: true });
      win.removeEventListener("resize", soon);
      ro?.disconnect();
      if (frame) win.cancelAnimationFrame(frame);
    };
  }

  function render(i: number): void {
    clear();
    step = i;
    deps.onStep?.(i, view, began);
    const s = g.steps[i] as WireStep;
    const mount = (target?: Element): void => {
      const modal = s.layout === "lightbox" || s.layout === "poll";
      const nodes: HTMLElement[] = [];
      if (modal) nodes.push(h(doc, "div", "bd"));
      const el = box(s, i);
      nodes.push(el);
      layer.append(...nodes);
      cleanups.push(() => nodes.forEach((n) => n.remove()));
      if (target) cleanups.push(anchor(el, target, s.position ?? "bottom"));
      if (modal) (focusables(el).find((f) => !f.classList.contains("x")) ?? el).focus();
      if (!shown) {
        shown = true;
        ev("shown");
      }
      ev("step_shown");
    };
    if (s.layout === "tooltip" && s.selector) cleanups.push(waitFor(doc, s.selector, (t) => mount(t)));
    else mount();
  }

  render(start);
  return {
    id: g.id,
    close: teardown,
  };
}
