import { MAX_PATH_ELEMENTS, MAX_TEXT } from "./limits.js";
import { clip } from "./sanitize.js";
import type { PathElement } from "./types.js";

// Attributes that describe what an element is for, never what a user typed: `value` is absent
// on purpose. Feature rules (CSS selectors) match on these.
const KEPT_ATTRIBUTE = /^(href|type|role|name|aria-label|title|alt|for|data-[\w-]+)$/;
const MAX_ATTRS = 20;
// Where text is user input; their text (or their default text) is never read.
const INPUT_LIKE = "input,textarea,select,[contenteditable]";

function classesOf(el: Element): string[] {
  // getAttribute, because SVG elements have an SVGAnimatedString className.
  return (el.getAttribute("class") ?? "")
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 32)
    .map((c) => clip(c, 128));
}

function attrsOf(el: Element): Record<string, string> | undefined {
  let attrs: Record<string, string> | undefined;
  let n = 0;
  for (const a of Array.from(el.attributes)) {
    if (n >= MAX_ATTRS || !KEPT_ATTRIBUTE.test(a.name)) continue;
    (attrs ??= {})[clip(a.name, 64)] = clip(a.value, 256);
    n++;
  }
  return attrs;
}

/** Short visible text of the clicked element, or undefined where it could be user input. */
export function safeText(el: Element): string | undefined {
  if (el.matches(INPUT_LIKE) || (el as HTMLElement).isContentEditable || el.querySelector(INPUT_LIKE)) return undefined;
  const text = (el.textContent ?? "").replace(/\s+/g, " ").trim();
  return text ? clip(text, MAX_TEXT) : undefined;
}

/** The clicked element and its ancestors up to body, innermost first, as feature rules see them. */
export function elementPath(target: Element): PathElement[] {
  const path: PathElement[] = [];
  for (let el: Element | null = target; el && path.length < MAX_PATH_ELEMENTS; el = el.parentElement) {
    const tag = el.tagName.toLowerCase();
    if (tag === "html") break;
    const item: PathElement = { tag: clip(tag, 64) };
    if (el.id) item.id = clip(el.id, 256);
    const classes = classesOf(el);
    if (classes.length) item.classes = classes;
    const attrs = attrsOf(el);
    if (attrs) item.attrs = attrs;
    if (el === target) {
      const text = safeText(el);
      if (text) item.text = text;
    }
    path.push(item);
    if (tag === "body") break;
  }
  return path;
}
