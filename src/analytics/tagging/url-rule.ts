/**
 * Page rules: the URL grammar of SPEC.md ("URL rules").
 *
 *   rule     := [scheme "://" host | "//" host] path ["?" param ("&" param)*] ["#" fragment]
 *             | "~contains:" text                      (anywhere in the path, any host)
 *   path     := ("/" segment)*                         (empty path = "/")
 *   segment  := (literal | "*")* | "**" (last) | "~contains:" text (last)
 *   param    := name ["=" value]
 *
 * Decisions (docs/adr/0004-rules-over-dictionaries.md):
 * - `*` matches any run of characters (possibly empty) inside one path segment, or inside the host.
 * - `**` must be the last path segment: it matches the rest of the path, including nothing.
 * - `~contains:text` must be the last path segment: the rest of the path contains `text`.
 * - The host is wildcarded unless the rule gives one; hosts compare case-insensitively, paths
 *   case-sensitively; a trailing slash is not significant; the scheme is ignored.
 * - Query parameters and the fragment are ignored unless the rule names them; named parameters
 *   must all be present (and equal when a value is given); the URL may carry others.
 * - A fragment compares exactly; `*` after `#` is refused, as Pendo refuses it.
 *
 * Matching is linear in the URL's length whatever the rule (issue 15: the public guide endpoint
 * matches visitor-chosen URLs against page rules): rules compile to globs matched left to right,
 * each literal at its first place, never to a backtracking regular expression, whose cost with
 * several `*` in one segment grew with a power of the URL's length.
 */

export type RuleError = { code: "INVALID_RULE"; message: string; position: number };
export type RuleResult<T> = { ok: true; value: T } | { ok: false; error: RuleError };

type QueryCondition = { name: string; value: string | null };

/** Text with `*` wildcards, kept as the literals between them: ["a", "", "b"] is `a**b`'s a*…*b. */
type Glob = readonly string[];

/** A rule's path: whole segments, then nothing more, anything more (`**`), or more containing text. */
type PathPattern =
  | { kind: "root" }
  | { kind: "segments"; segments: readonly Glob[]; rest: "none" | "any" | { contains: string } }
  | { kind: "anywhere"; contains: string };

/** A parsed page rule, ready to match many URLs. */
export type UrlRule = {
  readonly source: string;
  readonly host: Glob | null;
  readonly path: PathPattern;
  readonly query: readonly QueryCondition[];
  readonly fragment: string | null;
};

const fail = (message: string, position: number): { ok: false; error: RuleError } => ({
  ok: false,
  error: { code: "INVALID_RULE", message, position },
});

const CONTAINS = "~contains:";

/** Parses a page rule; errors name the character position (0-based) in the rule. */
export function parseUrlRule(source: string): RuleResult<UrlRule> {
  const rule = source.trim();
  const lead = source.length - source.trimStart().length;
  if (rule.length === 0) return fail("A page rule cannot be empty", 0);

  let i = 0;
  let host: Glob | null = null;
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(rule);
  if (scheme || rule.startsWith("//")) {
    i = scheme ? scheme[0].length : 2;
    const start = i;
    while (i < rule.length && !"/?#".includes(rule[i] as string)) i++;
    const text = rule.slice(start, i);
    if (text.length === 0) return fail("Expected a host (or * for any host) after //", lead + start);
    const bad = /[^A-Za-z0-9.\-*:[\]_]/.exec(text);
    if (bad) return fail(`Unexpected character "${bad[0]}" in the host`, lead + start + bad.index);
    host = text === "*" ? null : text.toLowerCase().split("*");
  } else if (rule.startsWith(CONTAINS)) {
    return parseContainsOnly(rule, lead);
  } else if (!rule.startsWith("/")) {
    return fail("A page rule starts with /, // (a host), a scheme such as https://, or ~contains:", lead);
  }

  // Path: up to ? or #.
  const pathStart = i;
  while (i < rule.length && rule[i] !== "?" && rule[i] !== "#") i++;
  const pathText = rule.slice(pathStart, i);
  const path = compilePath(pathText, lead + pathStart);
  if (!path.ok) return path;

  const query: QueryCondition[] = [];
  if (rule[i] === "?") {
    i++;
    const qStart = i;
    while (i < rule.length && rule[i] !== "#") i++;
    const parsed = parseQuery(rule.slice(qStart, i), lead + qStart);
    if (!parsed.ok) return parsed;
    query.push(...parsed.value);
  }

  let fragment: string | null = null;
  if (rule[i] === "#") {
    const text = rule.slice(i + 1);
    const star = text.indexOf("*");
    if (star >= 0) return fail("Wildcards are not allowed after # (the fragment matches exactly)", lead + i + 1 + star);
    fragment = text;
  }
  return { ok: true, value: { source, host, path: path.value, query, fragment } };
}

function parseContainsOnly(rule: string, lead: number): RuleResult<UrlRule> {
  const end = rule.search(/[?#]/);
  const text = end < 0 ? rule.slice(CONTAINS.length) : rule.slice(CONTAINS.length, end);
  if (text.length === 0) return fail("~contains: needs some text to look for", lead + CONTAINS.length);
  if (end >= 0) return fail("~contains: applies to the path; put query parameters in a rule of their own", lead + end);
  return { ok: true, value: { source: rule, host: null, path: { kind: "anywhere", contains: decodeSafe(text) }, query: [], fragment: null } };
}

/** The literals between the wildcards of a rule's path, split into URL path segments after decoding. */
function segmentsOf(rawSegments: readonly string[]): Glob[] {
  // A decoded literal may hold "/" (from %2F): it separates segments as it does in the URL.
  if (rawSegments.length === 0) return [];
  const out: string[][] = [[""]];
  rawSegments.forEach((seg, s) => {
    if (s > 0) out.push([""]);
    seg.split("*").forEach((part, k) => {
      let cur = out[out.length - 1] as string[];
      if (k > 0) cur.push("");
      const pieces = decodeSafe(part).split("/");
      pieces.forEach((piece, j) => {
        if (j > 0) out.push((cur = [""]));
        cur[cur.length - 1] += piece;
      });
    });
  });
  return out;
}

/** Turns the rule's path into a pattern of whole segments over the decoded URL path. */
function compilePath(text: string, offset: number): RuleResult<PathPattern> {
  const trimmed = text.length > 1 && text.endsWith("/") ? text.slice(0, -1) : text;
  if (trimmed === "" || trimmed === "/") return { ok: true, value: { kind: "root" } };
  const segments = trimmed.slice(1).split("/");
  let at = offset + 1;
  for (let s = 0; s < segments.length; s++) {
    const seg = segments[s] as string;
    const last = s === segments.length - 1;
    if (seg === "**") {
      if (!last) return fail("** ignores the rest of the path, so it must be the last segment", at);
      return { ok: true, value: { kind: "segments", segments: segmentsOf(segments.slice(0, s)), rest: "any" } };
    }
    if (seg.startsWith(CONTAINS)) {
      if (!last) return fail("~contains: looks at the rest of the path, so it must be the last segment", at);
      const needle = seg.slice(CONTAINS.length);
      if (needle.length === 0) return fail("~contains: needs some text to look for", at + CONTAINS.length);
      return { ok: true, value: { kind: "segments", segments: segmentsOf(segments.slice(0, s)), rest: { contains: decodeSafe(needle) } } };
    }
    const doubled = seg.indexOf("**");
    if (doubled >= 0) return fail("** must be a whole path segment (as in /app/**)", at + doubled);
    const tilde = seg.indexOf("~contains:");
    if (tilde >= 0) return fail("~contains: must start a path segment (as in /app/~contains:text)", at + tilde);
    at += seg.length + 1;
  }
  return { ok: true, value: { kind: "segments", segments: segmentsOf(segments), rest: "none" } };
}

/**
 * Whether `text[from, to)` matches a glob whose `*` stands for any run of characters. The first
 * and last literals are anchored; each middle literal is taken at its first place after the one
 * before, which is enough for `*`-only globs: a later place never leaves more room for the rest.
 */
function globMatches(glob: Glob, text: string, from = 0, to = text.length): boolean {
  const first = glob[0] as string;
  if (glob.length === 1) return to - from === first.length && text.startsWith(first, from);
  const lastLiteral = glob[glob.length - 1] as string;
  if (to - from < first.length + lastLiteral.length || !text.startsWith(first, from) || !text.startsWith(lastLiteral, to - lastLiteral.length)) return false;
  let at = from + first.length;
  const end = to - lastLiteral.length;
  for (let k = 1; k < glob.length - 1; k++) {
    const literal = glob[k] as string;
    if (literal === "") continue;
    const found = text.indexOf(literal, at);
    if (found < 0 || found + literal.length > end) return false;
    at = found + literal.length;
  }
  return true;
}

/** Whether a decoded URL path (no trailing slash but the root's) matches a rule's path pattern. */
function pathMatches(pattern: PathPattern, path: string): boolean {
  if (pattern.kind === "root") return path === "/";
  if (pattern.kind === "anywhere") return path.includes(pattern.contains);
  // Walk the path's segments once; each is matched against its glob in place.
  let at = 1; // after the leading "/"
  for (const glob of pattern.segments) {
    if (at > path.length) return false;
    const slash = path.indexOf("/", at);
    const end = slash < 0 ? path.length : slash;
    if (!globMatches(glob, path, at, end)) return false;
    at = end + 1;
  }
  // `at` is now one past the end of the path, or just after the "/" that starts the rest.
  if (pattern.rest === "none") return at === path.length + 1;
  if (pattern.rest === "any") return true;
  return at <= path.length && path.indexOf(pattern.rest.contains, at) >= 0;
}

function parseQuery(text: string, offset: number): RuleResult<QueryCondition[]> {
  const out: QueryCondition[] = [];
  let at = offset;
  for (const part of text.split("&")) {
    if (part.length === 0) return fail("Expected a query parameter name", at);
    const star = part.indexOf("*");
    if (star >= 0) return fail("Wildcards are not allowed in query parameters: use ?name to require any value", at + star);
    const eq = part.indexOf("=");
    const name = eq < 0 ? part : part.slice(0, eq);
    if (name.length === 0) return fail("Expected a query parameter name before =", at);
    out.push({ name: decodeQuery(name), value: eq < 0 ? null : decodeQuery(part.slice(eq + 1)) });
    at += part.length + 1;
  }
  return { ok: true, value: out };
}

function decodeSafe(s: string): string {
  if (!s.includes("%")) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const decodeQuery = (s: string): string => decodeSafe(s.replace(/\+/g, " "));

/** The parts of a URL a rule looks at. Split by hand: `new URL` is too slow for a million entries. */
export type UrlParts = { host: string | null; path: string; query: string | null; fragment: string | null };

/** Splits an absolute, scheme-relative or path-only URL into host, decoded path, raw query and fragment. */
export function splitUrl(url: string): UrlParts {
  let i = 0;
  let host: string | null = null;
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(url);
  if (scheme || url.startsWith("//")) {
    i = scheme ? scheme[0].length : 2;
    const start = i;
    while (i < url.length && !"/?#".includes(url[i] as string)) i++;
    let h = url.slice(start, i).toLowerCase();
    const at = h.lastIndexOf("@");
    if (at >= 0) h = h.slice(at + 1);
    host = h;
  }
  const hash = url.indexOf("#", i);
  const beforeHash = hash < 0 ? url.length : hash;
  const q = url.indexOf("?", i);
  const queryAt = q >= 0 && q < beforeHash ? q : -1;
  const rawPath = url.slice(i, queryAt >= 0 ? queryAt : beforeHash);
  let path = rawPath.length === 0 ? "/" : rawPath;
  if (path.length > 1 && path.endsWith("/")) path = path.slice(0, -1);
  return {
    host,
    path: decodeSafe(path),
    query: queryAt >= 0 ? url.slice(queryAt + 1, beforeHash) : null,
    fragment: hash >= 0 ? url.slice(hash + 1) : null,
  };
}

function hostMatches(rule: Glob, host: string | null): boolean {
  if (host === null) return false;
  // A host never holds "/", so a `*` in a rule's host stays within it as it always did.
  if (host.includes("/")) return false;
  if (globMatches(rule, host)) return true;
  // A rule host without a port matches the URL's host on any port.
  const colon = host.lastIndexOf(":");
  return colon > 0 && !host.endsWith("]") && globMatches(rule, host, 0, colon);
}

function queryMatches(conditions: readonly QueryCondition[], query: string | null): boolean {
  if (conditions.length === 0) return true;
  if (query === null) return false;
  const params = new Map<string, string[]>();
  for (const pair of query.split("&")) {
    if (pair.length === 0) continue;
    const eq = pair.indexOf("=");
    const name = decodeQuery(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? "" : decodeQuery(pair.slice(eq + 1));
    const list = params.get(name);
    if (list) list.push(value);
    else params.set(name, [value]);
  }
  return conditions.every((c) => {
    const values = params.get(c.name);
    return values !== undefined && (c.value === null || values.includes(c.value));
  });
}

/** True when the URL (already split) satisfies the rule. */
export function matchUrlParts(rule: UrlRule, url: UrlParts): boolean {
  if (rule.host && !hostMatches(rule.host, url.host)) return false;
  if (!pathMatches(rule.path, url.path)) return false;
  if (rule.fragment !== null && url.fragment !== rule.fragment) return false;
  return queryMatches(rule.query, url.query);
}

/** True when the URL satisfies the rule (a parsed rule, or a rule string that must parse). */
export function matchUrl(rule: UrlRule | string, url: string): boolean {
  let parsed: UrlRule;
  if (typeof rule === "string") {
    const r = parseUrlRule(rule);
    if (!r.ok) return false;
    parsed = r.value;
  } else {
    parsed = rule;
  }
  return matchUrlParts(parsed, splitUrl(url));
}
