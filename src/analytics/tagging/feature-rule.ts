import { compile } from "css-select";
import { Element, Text, type AnyNode } from "domhandler";
import type { PathElement } from "../../store/index.js";

/**
 * Feature rules: a CSS selector matched against a stored click path (innermost first).
 * The feature matches a click when the selector matches the clicked element or any of its
 * ancestors, so a click on the icon inside a button counts for the button.
 *
 * The stored path is one chain from the clicked element up, with no siblings. Selectors that
 * need siblings (`+`, `~`, `:nth-child`, `:first-child`, ...) would silently give wrong answers
 * on such a chain, so they are refused with a position instead.
 */

export type FeatureRuleError = { code: "INVALID_RULE"; message: string; position: number | null };
export type FeatureRuleResult<T> = { ok: true; value: T } | { ok: false; error: FeatureRuleError };

/** A compiled feature rule, ready to test many stored paths. */
export type FeatureRule = { readonly source: string; readonly test: (node: Element) => boolean };

const SIBLING_PSEUDOS = /^:(nth-child|nth-last-child|nth-of-type|nth-last-of-type|first-child|last-child|only-child|first-of-type|last-of-type|only-of-type|empty)\b/;

/** Finds sibling-dependent syntax outside strings and attribute brackets; returns its position. */
function siblingSyntax(selector: string): { position: number; message: string } | null {
  let quote: string | null = null;
  let bracket = 0;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i] as string;
    if (c === "\\") {
      i++;
      continue;
    }
    if (quote) {
      if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === "[") bracket++;
    else if (c === "]") bracket = Math.max(0, bracket - 1);
    else if (bracket === 0 && (c === "+" || c === "~")) {
      // `+` inside :nth-child(2n+1) is caught by the pseudo check that runs first at its position.
      return { position: i, message: `The sibling combinator "${c}" cannot be evaluated: stored click paths hold ancestors, not siblings` };
    } else if (bracket === 0 && c === ":") {
      const m = SIBLING_PSEUDOS.exec(selector.slice(i));
      if (m) return { position: i, message: `${m[0]} cannot be evaluated: stored click paths hold ancestors, not siblings` };
    }
  }
  return null;
}

/**
 * Parentheses (`:not(`, `:is(`, `:has(` …) may nest this deep. css-select compiles each level with
 * a large constant cost (a 4 KB selector of nested `:is(` took ~80 ms of CPU, found by fuzzing) and
 * recurses per level; no real feature needs more than a few.
 */
export const MAX_SELECTOR_NESTING = 16;

/** The position of the first parenthesis nested deeper than MAX_SELECTOR_NESTING outside strings, or null. */
function tooDeep(selector: string): number | null {
  let quote: string | null = null;
  let depth = 0;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i] as string;
    if (c === "\\") i++;
    else if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "(" && ++depth > MAX_SELECTOR_NESTING) return i;
    else if (c === ")") depth = Math.max(0, depth - 1);
  }
  return null;
}

/** Best-effort position of a css-select / css-what parse error inside the selector. */
function errorPosition(selector: string, message: string): number | null {
  const tail = /^(?:Unmatched selector|Expected name, found): ?(.*)$/s.exec(message) ?? /^Expected name, found (.*)$/s.exec(message);
  if (tail) {
    const rest = tail[1] as string;
    if (selector.endsWith(rest)) return selector.length - rest.length;
  }
  const pseudo = /pseudo-class :([\w-]+)/.exec(message);
  if (pseudo) {
    const at = selector.indexOf(`:${pseudo[1]}`);
    if (at >= 0) return at;
  }
  if (/Parenthesis not matched|Missing closing parenthesis/.test(message)) return selector.length;
  if (/Attribute selector didn't terminate|Attribute value didn't end/.test(message)) {
    const at = selector.lastIndexOf("[");
    return at >= 0 ? at : null;
  }
  return null;
}

/** Parses and compiles a feature rule (a CSS selector list); errors carry a position when one can be found. */
export function parseFeatureRule(selector: string): FeatureRuleResult<FeatureRule> {
  if (selector.trim().length === 0) return { ok: false, error: { code: "INVALID_RULE", message: "A feature rule cannot be empty", position: 0 } };
  const deep = tooDeep(selector);
  if (deep !== null) return { ok: false, error: { code: "INVALID_RULE", message: `Parentheses nest more than ${MAX_SELECTOR_NESTING} levels deep; simplify the selector`, position: deep } };
  const sibling = siblingSyntax(selector);
  if (sibling) return { ok: false, error: { code: "INVALID_RULE", ...sibling } };
  try {
    const test = compile<AnyNode, Element>(selector);
    return { ok: true, value: { source: selector, test: (node) => test(node) } };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, error: { code: "INVALID_RULE", message: `Invalid CSS selector: ${message}`, position: errorPosition(selector, message) } };
  }
}

/** Builds a DOM chain from a stored path (innermost first) and returns its elements, innermost first. */
export function buildElementChain(path: readonly PathElement[]): Element[] {
  const chain: Element[] = [];
  for (const p of path) {
    const attribs: Record<string, string> = {};
    for (const [k, v] of Object.entries(p.attrs ?? {})) attribs[k.toLowerCase()] = v;
    if (p.id !== undefined && p.id !== "") attribs.id = p.id;
    if (p.classes && p.classes.length > 0) attribs.class = p.classes.join(" ");
    const el = new Element(p.tag.toLowerCase(), attribs, []);
    if (p.text !== undefined && p.text !== "") {
      const text = new Text(p.text);
      text.parent = el;
      el.children.push(text);
    }
    const child = chain[chain.length - 1];
    if (child) {
      child.parent = el;
      el.children.unshift(child);
    }
    chain.push(el);
  }
  return chain;
}

/** True when the rule matches the clicked element or one of its ancestors. */
export function matchElementChain(rule: FeatureRule, chain: readonly Element[]): boolean {
  return chain.some((el) => rule.test(el));
}

/** Parses a stored element path (the `elements.value` JSON); null when it is not a path array. */
export function parseStoredPath(json: string): PathElement[] | null {
  try {
    const v: unknown = JSON.parse(json);
    if (!Array.isArray(v)) return null;
    return v.filter((p): p is PathElement => typeof p === "object" && p !== null && typeof (p as { tag?: unknown }).tag === "string");
  } catch {
    return null;
  }
}

/** True when the selector matches the clicked element of a stored path or one of its ancestors. */
export function matchFeature(rule: FeatureRule | string, path: readonly PathElement[]): boolean {
  let parsed: FeatureRule;
  if (typeof rule === "string") {
    const r = parseFeatureRule(rule);
    if (!r.ok) return false;
    parsed = r.value;
  } else {
    parsed = rule;
  }
  return matchElementChain(parsed, buildElementChain(path));
}
