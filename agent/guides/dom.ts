import { CSS } from "./styles.js";

/** Builds an element with a class and attributes (text via `text`). */
export function h(doc: Document, tag: string, cls?: string, attrs?: Record<string, string>, text?: string): HTMLElement {
  const e = doc.createElement(tag);
  if (cls) e.className = cls;
  if (attrs) for (const k in attrs) e.setAttribute(k, attrs[k] as string);
  if (text !== undefined) e.textContent = text;
  return e;
}

// Every inherited property reset, positioned out of flow: the host element takes no room on the
// page and page rules such as `* {color: red !important}` lose to this inline !important.
const HOST_STYLE = "all:initial!important;position:fixed!important;top:0!important;left:0!important;width:0!important;height:0!important;z-index:2147483647!important;display:block!important;overflow:visible!important";

/** The shadow root all guides render into, created on first use. */
export function guideRoot(doc: Document): { root: ShadowRoot; layer: HTMLElement } {
  const host = doc.createElement("pendulum-guides");
  host.setAttribute("style", HOST_STYLE);
  const root = host.attachShadow({ mode: "open" });
  const style = doc.createElement("style");
  style.textContent = CSS;
  const layer = h(doc, "div", "pg");
  root.append(style, layer);
  (doc.body || doc.documentElement).appendChild(host);
  return { root, layer };
}

/** Focusable controls inside a container, in tab order. */
export function focusables(el: ParentNode): HTMLElement[] {
  return Array.from(el.querySelectorAll<HTMLElement>("button,a[href],textarea,input,[tabindex]:not([tabindex='-1'])")).filter((e) => !(e as HTMLButtonElement).disabled);
}
