import { SfError } from "./errors.js";

/**
 * SOSL for the common case: `FIND {term} [IN ALL|NAME|EMAIL FIELDS] [RETURNING Object[(fields
 * [WHERE …] [ORDER BY …] [LIMIT n])], …] [LIMIT n]`. Parsing is pure; search.ts runs it.
 */

/** Which fields a search looks in. */
export type SearchScope = "ALL" | "NAME" | "EMAIL";

/** One object of RETURNING: the fields to return and the SOQL pieces that narrow it. */
export type SearchTarget = { object: string; fields: string[]; where?: string; orderBy?: string; limit?: number };

/**
 * A search term as GLOB patterns over ` lower(text) `: groups joined by OR, each a list of
 * words (or quoted phrases) that must all be found. `text` is the word as written, for messages.
 */
export type SearchTerm = Array<Array<{ text: string; glob: string }>>;

/** A parsed search; `targets` is undefined when RETURNING was left out (every searchable object). */
export type SearchRequest = { term: SearchTerm; scope: SearchScope; targets: SearchTarget[] | undefined; limit: number | undefined };

/** The largest number of records one search returns (Salesforce's SOSL cap). */
export const MAX_SEARCH_RECORDS = 2000;

const SUPPORTED = "The built-in CRM supports FIND {term} [IN ALL FIELDS|NAME FIELDS|EMAIL FIELDS] [RETURNING Object(fields [WHERE …] [ORDER BY …] [LIMIT n]), …] [LIMIT n]";

/** 400 MALFORMED_SEARCH naming what was not understood and what is supported. */
export function malformedSearch(detail: string): SfError {
  return new SfError(400, "MALFORMED_SEARCH", `${detail}. ${SUPPORTED}`);
}

/** Characters that are operators in a SOSL term; written literally they need a backslash. */
const OPERATOR_CHARS = new Set(["(", ")", "{", "}", "[", "]", "^", "~", ":", "|", "&", "!"]);

type Piece = { ch: string; wildcard: boolean };

function isAlnum(p: Piece | undefined): boolean {
  return p !== undefined && !p.wildcard && /[a-z0-9]/.test(p.ch);
}

/** A word or phrase as a GLOB pattern matching it at word boundaries in ` lower(text) `. */
function globOf(pieces: Piece[]): string {
  const body = pieces.map((p) => (p.wildcard ? p.ch : p.ch === "*" ? "[*]" : p.ch === "?" ? "[?]" : p.ch === "[" ? "[[]" : p.ch)).join("");
  const head = isAlnum(pieces[0]) ? "*[^a-z0-9]" : "*";
  const tail = isAlnum(pieces[pieces.length - 1]) ? "[^a-z0-9]*" : "*";
  return head + body + tail;
}

/**
 * The same pattern as a PostgreSQL regular expression, anchored as GLOB is (PostgreSQL has no
 * GLOB): `*` any text, `?` one character, a bracket class as it is, any other character literal.
 */
export function globToRegex(glob: string): string {
  let out = "^";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === "*") out += ".*";
    else if (c === "?") out += ".";
    else if (c === "[") {
      // A class ends at the first "]" after its first member (so "[]]" and "[^]]" hold a "]").
      let end = i + 1;
      if (glob[end] === "^") end++;
      end++;
      while (end < glob.length && glob[end] !== "]") end++;
      const members = glob.slice(i + 1, end);
      // Inside a bracket expression only "\" is special in PostgreSQL's regex flavour.
      out += `[${members.replace(/\\/g, "\\\\")}]`;
      i = end;
    } else out += /[a-z0-9\s]/i.test(c) || c.charCodeAt(0) > 127 ? c : `\\${c}`;
  }
  return `${out}$`;
}

/** Parses the text inside FIND {…} (or a parameterized search's q) into OR groups of words. */
export function parseTerm(raw: string): SearchTerm {
  const groups: SearchTerm = [[]];
  let word: Piece[] = [];
  let quoted = false;
  const finish = (): void => {
    if (word.length === 0) return;
    const text = word.map((p) => p.ch).join("");
    const upper = word.every((p) => !p.wildcard) ? text.toUpperCase() : "";
    if (!quoted && (upper === "OR" || upper === "AND" || upper === "NOT")) {
      if (upper === "NOT") throw malformedSearch("NOT and AND NOT are not supported in search terms");
      if (upper === "OR") groups.push([]);
      word = [];
      return;
    }
    if (word.filter((p) => !p.wildcard).length < 2) throw malformedSearch(`Search terms must be longer than one character: '${text}'`);
    (groups[groups.length - 1] as Array<{ text: string; glob: string }>).push({ text, glob: globOf(word) });
    word = [];
  };
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (c === "\\" && i + 1 < raw.length) {
      word.push({ ch: (raw[++i] as string).toLowerCase(), wildcard: false });
      continue;
    }
    if (c === '"') {
      if (quoted) {
        finish();
        quoted = false;
      } else {
        finish();
        quoted = true;
      }
      continue;
    }
    if (/\s/.test(c) && !quoted) {
      finish();
      continue;
    }
    if (!quoted && OPERATOR_CHARS.has(c)) throw malformedSearch(`'${c}' in a search term must be escaped with a backslash`);
    word.push({ ch: c === "*" || c === "?" ? c : c.toLowerCase(), wildcard: c === "*" || c === "?" });
  }
  if (quoted) throw malformedSearch("A quoted phrase in the search term is not closed");
  finish();
  if (groups.some((g) => g.length === 0)) throw malformedSearch("The search term is empty or has OR without a word on both sides");
  return groups;
}

/** Replaces the inside of '…' literals with underscores so keyword and paren scans skip them. */
function maskQuotes(s: string): string {
  let out = "";
  let inQuote = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (inQuote) {
      if (c === "\\" && i + 1 < s.length) {
        out += "__";
        i++;
        continue;
      }
      if (c === "'") {
        inQuote = false;
        out += c;
        continue;
      }
      out += "_";
      continue;
    }
    if (c === "'") inQuote = true;
    out += c;
  }
  if (inQuote) throw malformedSearch("A quoted value is not closed");
  return out;
}

function positiveInt(raw: string, what: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw malformedSearch(`${what} must be a positive whole number, got '${raw}'`);
  return n;
}

/** Reads `Name, Owner.Name WHERE … ORDER BY … LIMIT n` (the inside of a RETURNING object's parentheses). */
function parseTargetBody(object: string, inner: string): SearchTarget {
  const masked = maskQuotes(inner);
  const clause = /\b(WHERE|ORDER\s+BY|LIMIT|OFFSET|USING|WITH)\b/gi;
  const marks: Array<{ kind: string; at: number; end: number }> = [];
  for (let m = clause.exec(masked); m; m = clause.exec(masked)) marks.push({ kind: (m[1] as string).toUpperCase().replace(/\s+/g, " "), at: m.index, end: m.index + m[0].length });
  const fieldText = inner.slice(0, marks[0]?.at ?? inner.length).trim();
  const fields = fieldText === "" ? [] : fieldText.split(",").map((f) => f.trim());
  if (fields.some((f) => !/^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)?$/.test(f))) throw malformedSearch(`RETURNING ${object}(…) lists fields separated by commas; got '${fieldText}'`);
  const target: SearchTarget = { object, fields };
  marks.forEach((mark, k) => {
    const text = inner.slice(mark.end, marks[k + 1]?.at ?? inner.length).trim();
    if (mark.kind === "WHERE") target.where = text;
    else if (mark.kind === "ORDER BY") target.orderBy = text;
    else if (mark.kind === "LIMIT") target.limit = positiveInt(text, `LIMIT in RETURNING ${object}`);
    else throw malformedSearch(`${mark.kind} in RETURNING ${object}(…) is not supported`);
  });
  return target;
}

/** Parses a SOSL statement. */
export function parseSosl(sosl: string): SearchRequest {
  const start = /^\s*FIND\s*\{/i.exec(sosl);
  if (!start) throw malformedSearch("A search starts with FIND {term}");
  let i = start[0].length;
  let term = "";
  for (; i < sosl.length; i++) {
    const c = sosl[i] as string;
    if (c === "\\" && i + 1 < sosl.length) {
      term += c + (sosl[++i] as string);
      continue;
    }
    if (c === "}") break;
    term += c;
  }
  if (i >= sosl.length) throw malformedSearch("The search term is not closed with }");
  const request: SearchRequest = { term: parseTerm(term), scope: "ALL", targets: undefined, limit: undefined };
  const rest = sosl.slice(i + 1);
  const masked = maskQuotes(rest);
  let at = 0;
  const take = (re: RegExp): RegExpExecArray | null => {
    const m = new RegExp(`^\\s*(?:${re.source})`, "i").exec(masked.slice(at));
    if (m) at += m[0].length;
    return m;
  };
  const scope = take(/IN\s+(ALL|NAME|EMAIL|PHONE|SIDEBAR)\s+FIELDS\b/);
  if (scope) {
    const s = (scope[1] as string).toUpperCase();
    if (s !== "ALL" && s !== "NAME" && s !== "EMAIL") throw malformedSearch(`IN ${s} FIELDS is not supported`);
    request.scope = s;
  }
  if (take(/RETURNING\b/)) {
    request.targets = [];
    for (;;) {
      const name = take(/([A-Za-z][A-Za-z0-9_]*)/);
      if (!name) throw malformedSearch("RETURNING needs an object name");
      const object = name[1] as string;
      const open = take(/\(/);
      if (open) {
        let depth = 1;
        let j = at;
        for (; j < masked.length && depth > 0; j++) {
          if (masked[j] === "(") depth++;
          else if (masked[j] === ")") depth--;
        }
        if (depth > 0) throw malformedSearch(`RETURNING ${object}( is not closed`);
        request.targets.push(parseTargetBody(object, rest.slice(at, j - 1)));
        at = j;
      } else {
        request.targets.push({ object, fields: [] });
      }
      if (!take(/,/)) break;
    }
  }
  const limit = take(/LIMIT\s+(\S+)/);
  if (limit) request.limit = positiveInt(limit[1] as string, "LIMIT");
  if (masked.slice(at).trim() !== "") throw malformedSearch(`Unsupported clause near '${rest.slice(at).trim().slice(0, 40)}'`);
  return request;
}

/** A parameterized search as its GET parameters or POST body give it, before it is checked. */
export type ParameterizedSearch = {
  q: unknown;
  in?: unknown;
  fields?: unknown;
  sobjects?: Array<{ name?: unknown; fields?: unknown; where?: unknown; limit?: unknown }>;
  overallLimit?: unknown;
  defaultLimit?: unknown;
};

function fieldList(raw: unknown, what: string): string[] | undefined {
  if (raw === undefined) return undefined;
  const items = Array.isArray(raw) ? raw : typeof raw === "string" ? raw.split(",") : undefined;
  if (!items || items.some((f) => typeof f !== "string")) throw malformedSearch(`${what} must be a list of field names`);
  return (items as string[]).map((f) => f.trim()).filter(Boolean);
}

function optionalInt(raw: unknown, what: string): number | undefined {
  if (raw === undefined) return undefined;
  return positiveInt(String(raw), what);
}

/** Turns `/parameterizedSearch` input (no SOSL: a plain term plus options) into a search. */
export function parameterizedSearch(input: ParameterizedSearch): SearchRequest {
  if (typeof input.q !== "string" || input.q.trim() === "") throw malformedSearch("A parameterized search needs q, the text to search for");
  const scope = input.in === undefined ? "ALL" : String(input.in).toUpperCase();
  if (scope !== "ALL" && scope !== "NAME" && scope !== "EMAIL") throw malformedSearch(`in=${String(input.in)} is not supported`);
  const globalFields = fieldList(input.fields, "fields") ?? [];
  const defaultLimit = optionalInt(input.defaultLimit, "defaultLimit");
  if (input.sobjects !== undefined && !Array.isArray(input.sobjects)) throw malformedSearch("sobjects must be a list of {name, fields, where, limit}");
  const targets = input.sobjects?.map((s) => {
    if (typeof s !== "object" || s === null || typeof s.name !== "string" || !/^[A-Za-z][A-Za-z0-9_]*$/.test(s.name)) throw malformedSearch("Each sobject needs a name");
    const target: SearchTarget = { object: s.name, fields: fieldList(s.fields, `${s.name}.fields`) ?? globalFields };
    if (s.where !== undefined) target.where = String(s.where);
    const limit = optionalInt(s.limit, `${s.name}.limit`) ?? defaultLimit;
    if (limit !== undefined) target.limit = limit;
    return target;
  });
  return { term: parseTerm(input.q), scope, targets, limit: optionalInt(input.overallLimit, "overallLimit") };
}

/** Reads a parameterized search's GET parameters (`sobject=Account&Account.fields=Id,Name&Account.limit=5`). */
export function parameterizedSearchFromQuery(query: Record<string, unknown>): ParameterizedSearch {
  const raw = query["sobject"];
  const names = raw === undefined ? undefined : (Array.isArray(raw) ? raw : [raw]).map(String);
  return {
    q: query["q"],
    in: query["in"],
    fields: query["fields"],
    overallLimit: query["overallLimit"],
    defaultLimit: query["defaultLimit"],
    sobjects: names?.map((name) => ({ name, fields: query[`${name}.fields`], where: query[`${name}.where`], limit: query[`${name}.limit`] })),
  };
}
