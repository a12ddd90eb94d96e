/**
 * The renderer's allow-list, the same as the server's (src/guides/sanitize.ts): content is parsed
 * into an inert document (DOMParser runs no script and loads no image), then only allowed
 * elements and attributes are copied into the shadow root, one node at a time.
 */
const ALLOWED: Record<string, string[]> = {
  P: [], BR: [], STRONG: [], B: [], EM: [], I: [], U: [], S: [], CODE: [], PRE: [], BLOCKQUOTE: [], SPAN: [], HR: [],
  H1: [], H2: [], H3: [], H4: [], UL: [], OL: [], LI: [],
  A: ["href", "title"],
  IMG: ["src", "alt", "width", "height"],
};
const DROP = /^(SCRIPT|STYLE|IFRAME|OBJECT|EMBED|NOSCRIPT|TEMPLATE|TEXTAREA|SELECT|SVG|MATH|TITLE)$/i;

/** Whether a URL is http(s), mailto (links) or relative. */
export function safeUrl(url: string, image: boolean): boolean {
  // eslint-disable-next-line no-control-regex -- the control characters are what is being removed
  const u = url.replace(/[\u0000-\u0020\u007f-\u009f]/g, "");
  const m = /^([a-z][a-z0-9+.-]*):/i.exec(u);
  if (!m) return !u.startsWith("//") || !image;
  const s = (m[1] as string).toLowerCase();
  return s === "http" || s === "https" || (!image && s === "mailto");
}

function copy(from: Node, to: Node, doc: Document): void {
  from.childNodes.forEach((n) => {
    if (n.nodeType === 3) {
      to.appendChild(doc.createTextNode(n.textContent || ""));
      return;
    }
    if (n.nodeType !== 1) return;
    const el = n as Element;
    const tag = el.tagName.toUpperCase();
    if (DROP.test(tag)) return;
    const allowed = ALLOWED[tag];
    if (!allowed) {
      copy(el, to, doc); // unknown wrapper: keep its text
      return;
    }
    const out = doc.createElement(tag.toLowerCase());
    for (const name of allowed) {
      const v = el.getAttribute(name);
      if (v === null) continue;
      if ((name === "href" || name === "src") && !safeUrl(v, name === "src")) continue;
      if ((name === "width" || name === "height") && !/^\d{1,4}$/.test(v)) continue;
      out.setAttribute(name, v);
    }
    if (tag === "A") {
      out.setAttribute("target", "_blank");
      out.setAttribute("rel", "noopener noreferrer");
    }
    copy(el, out, doc);
    to.appendChild(out);
  });
}

/** A fragment of the page's document holding only allowed nodes of `html`. */
export function safeFragment(html: string, doc: Document): DocumentFragment {
  const inert = new DOMParser().parseFromString(`<body>${html}</body>`, "text/html");
  const frag = doc.createDocumentFragment();
  copy(inert.body, frag, doc);
  return frag;
}
