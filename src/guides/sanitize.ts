/**
 * An allow-list HTML sanitiser with no DOM: guide content is cut down to a few formatting tags
 * and safe links/images before it is stored. Anything not on the list is dropped (its text kept,
 * except inside script-like elements, whose content is dropped too). The agent sanitises again
 * with the same list before rendering, so a row edited behind the API's back still runs nothing.
 */

const ALLOWED: Record<string, readonly string[]> = {
  p: [], br: [], strong: [], b: [], em: [], i: [], u: [], s: [], code: [], pre: [], blockquote: [], span: [], hr: [],
  h1: [], h2: [], h3: [], h4: [], ul: [], ol: [], li: [],
  a: ["href", "title"],
  img: ["src", "alt", "width", "height"],
};
const VOID = new Set(["br", "hr", "img"]);
/** Elements whose content is code or inert markup, never text to show. */
const DROP_CONTENT = new Set(["script", "style", "iframe", "object", "embed", "noscript", "template", "textarea", "select", "svg", "math", "title", "xmp", "noembed", "noframes", "frameset", "head"]);

const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0", colon: ":", tab: "\t", newline: "\n" };

/** Decodes character references, as a browser would before reading an attribute. */
export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);?/gi, (m, body: string) => {
    if (body[0] === "#") {
      const code = body[1] === "x" || body[1] === "X" ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : "";
    }
    return NAMED[body.toLowerCase()] ?? m;
  });
}

const escapeText = (s: string): string => s.replace(/&(?!(#x[0-9a-f]+|#\d+|[a-z]+);)/gi, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const escapeAttr = (s: string): string => s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Whether a URL is safe to put in href/src: http(s), mailto (links only) or relative. */
export function safeUrl(raw: string, kind: "link" | "image"): string | undefined {
  // Browsers ignore control characters and whitespace inside a scheme ("java\tscript:").
  // eslint-disable-next-line no-control-regex -- the control characters are what is being removed
  const url = decodeEntities(raw).replace(/[\u0000-\u0020\u007f-\u009f]/g, "");
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url);
  if (!scheme) return url.startsWith("//") && kind === "link" ? undefined : decodeEntities(raw).trim();
  const s = (scheme[1] as string).toLowerCase();
  const ok = kind === "image" ? s === "https" || s === "http" : s === "https" || s === "http" || s === "mailto";
  return ok ? decodeEntities(raw).trim() : undefined;
}

/** A tag as the scanner read it: name (lower case), whether it closes, its attributes, and where it ends. */
type ScannedTag = { name: string; closing: boolean; attrs: [name: string, value: string][]; end: number };

const isSpace = (c: string | undefined): boolean => c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f";
const isLetter = (c: string | undefined): boolean => c !== undefined && ((c >= "a" && c <= "z") || (c >= "A" && c <= "Z"));

/**
 * Reads the tag that starts at `input[at] === "<"` as a browser's tokenizer does: a name, then
 * attributes (quoted, unquoted or bare) up to the first `>` outside quotes. Undefined when the
 * input ends inside the tag. Each character is looked at once, so a page of stray `<` costs what
 * its length costs (issue 15: the old pattern rescanned the rest of the input from every `<`).
 */
function scanTag(input: string, at: number): ScannedTag | undefined {
  let i = at + 1;
  const closing = input[i] === "/";
  if (closing) i++;
  const nameStart = i;
  while (i < input.length && !isSpace(input[i]) && input[i] !== "/" && input[i] !== ">") i++;
  const name = input.slice(nameStart, i).toLowerCase();
  const attrs: [string, string][] = [];
  for (;;) {
    while (i < input.length && (isSpace(input[i]) || input[i] === "/")) i++;
    if (i >= input.length) return undefined;
    if (input[i] === ">") return { name, closing, attrs, end: i + 1 };
    const attrStart = i;
    i++; // the first character belongs to the name whatever it is (even "=")
    while (i < input.length && !isSpace(input[i]) && input[i] !== "/" && input[i] !== ">" && input[i] !== "=") i++;
    const attrName = input.slice(attrStart, i).toLowerCase();
    let j = i;
    while (j < input.length && isSpace(input[j])) j++;
    if (input[j] !== "=") {
      attrs.push([attrName, ""]);
      continue;
    }
    i = j + 1;
    while (i < input.length && isSpace(input[i])) i++;
    const quote = input[i];
    if (quote === '"' || quote === "'") {
      const close = input.indexOf(quote, i + 1);
      if (close < 0) return undefined;
      attrs.push([attrName, input.slice(i + 1, close)]);
      i = close + 1;
    } else {
      const valueStart = i;
      while (i < input.length && !isSpace(input[i]) && input[i] !== ">") i++;
      attrs.push([attrName, input.slice(valueStart, i)]);
    }
  }
}

function cleanAttributes(tag: string, attrs: readonly [string, string][]): string {
  const allowed = ALLOWED[tag] ?? [];
  let out = "";
  const seen = new Set<string>();
  for (const [name, value] of attrs) {
    // A browser keeps the first of repeated attributes.
    if (!allowed.includes(name) || seen.has(name)) continue;
    seen.add(name);
    let clean: string | undefined = decodeEntities(value);
    if (name === "href") clean = safeUrl(value, "link");
    else if (name === "src") clean = safeUrl(value, "image");
    else if (name === "width" || name === "height") clean = /^\d{1,4}$/.test(clean) ? clean : undefined;
    if (clean !== undefined) out += ` ${name}="${escapeAttr(clean)}"`;
  }
  if (tag === "a") out += ' target="_blank" rel="noopener noreferrer"';
  return out;
}

/** Cuts HTML down to the allow-list: balanced tags, safe attributes, no script of any kind. Linear in the input's length. */
export function sanitizeHtml(input: string): string {
  let out = "";
  const open: string[] = [];
  let i = 0;
  while (i < input.length) {
    const lt = input.indexOf("<", i);
    if (lt < 0) {
      out += escapeText(input.slice(i));
      break;
    }
    out += escapeText(input.slice(i, lt));
    i = lt;
    if (input.startsWith("<!--", i)) {
      const end = input.indexOf("-->", i + 4);
      i = end < 0 ? input.length : end + 3;
      continue;
    }
    if (input[i + 1] === "!" || input[i + 1] === "?") {
      const end = input.indexOf(">", i);
      i = end < 0 ? input.length : end + 1;
      continue;
    }
    const startsTag = isLetter(input[i + 1]) || (input[i + 1] === "/" && isLetter(input[i + 2]));
    const tag = startsTag ? scanTag(input, i) : undefined;
    if (!tag) {
      // A stray "<" is text. A tag the input ends inside makes the rest text: every later "<"
      // would end inside a tag too, so scanning again from each of them is work for nothing.
      out += escapeText(startsTag ? input.slice(i) : "<");
      i = startsTag ? input.length : i + 1;
      continue;
    }
    i = tag.end;
    const name = tag.name;
    if (!tag.closing && DROP_CONTENT.has(name)) {
      const close = new RegExp(`</${name}\\s*>`, "gi");
      close.lastIndex = i;
      const found = close.exec(input);
      i = found ? found.index + found[0].length : input.length;
      continue;
    }
    if (!(name in ALLOWED)) continue;
    if (tag.closing) {
      const at = open.lastIndexOf(name);
      if (at < 0) continue;
      while (open.length > at) out += `</${open.pop() as string}>`;
      continue;
    }
    out += `<${name}${cleanAttributes(name, tag.attrs)}>`;
    if (!VOID.has(name)) open.push(name);
  }
  while (open.length > 0) out += `</${open.pop() as string}>`;
  return out;
}

const escapeMd = (s: string): string => s.replace(/&(?!(#x[0-9a-f]+|#\d+|[a-z]+);)/gi, "&amp;");

function inline(s: string): string {
  return escapeMd(s)
    .replace(/`([^`]+)`/g, (_m, c: string) => `<code>${c.replace(/</g, "&lt;")}</code>`)
    // Link text holds no "[": each "[" is then read up to the next bracket only (linear).
    .replace(/\[([^[\]]+)\]\(([^)\s]+)\)/g, (_m, text: string, url: string) => `<a href="${escapeAttr(url)}">${text}</a>`)
    .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
    .replace(/(^|[^*\w])\*([^*]+)\*/g, "$1<em>$2</em>")
    .replace(/(^|[^_\w])_([^_]+)_/g, "$1<em>$2</em>");
}

/** A small Markdown subset to HTML: headings, lists, quotes, paragraphs, bold, italics, code, links. */
export function markdownToHtml(md: string): string {
  const blocks = md.replace(/\r\n?/g, "\n").split(/\n\s*\n/);
  return blocks
    .map((block) => {
      const lines = block.split("\n").filter((l) => l.trim() !== "");
      if (lines.length === 0) return "";
      const first = lines[0] as string;
      const heading = /^(#{1,4})\s+(.*)$/.exec(first);
      if (heading && lines.length === 1) return `<h${(heading[1] as string).length}>${inline(heading[2] as string)}</h${(heading[1] as string).length}>`;
      if (lines.every((l) => /^\s*[-*]\s+/.test(l))) return `<ul>${lines.map((l) => `<li>${inline(l.replace(/^\s*[-*]\s+/, ""))}</li>`).join("")}</ul>`;
      if (lines.every((l) => /^\s*\d+[.)]\s+/.test(l))) return `<ol>${lines.map((l) => `<li>${inline(l.replace(/^\s*\d+[.)]\s+/, ""))}</li>`).join("")}</ol>`;
      if (lines.every((l) => /^>\s?/.test(l))) return `<blockquote>${lines.map((l) => inline(l.replace(/^>\s?/, ""))).join("<br>")}</blockquote>`;
      return `<p>${lines.map(inline).join("<br>")}</p>`;
    })
    .join("");
}

/** Content as stored: Markdown converted, then everything cut to the allow-list. */
export function renderContent(content: string, format: "markdown" | "html" = "markdown"): string {
  return sanitizeHtml(format === "markdown" ? markdownToHtml(content) : content);
}
