/** Calls `found` with the first element matching `selector`, now or when it appears; returns a cancel. */
export function waitFor(doc: Document, selector: string, found: (el: Element) => void): () => void {
  const now = query(doc, selector);
  if (now) {
    found(now);
    return () => undefined;
  }
  const obs = new MutationObserver(() => {
    const el = query(doc, selector);
    if (el) {
      obs.disconnect();
      found(el);
    }
  });
  obs.observe(doc.documentElement, { childList: true, subtree: true, attributes: true, attributeFilter: ["id", "class", "style", "hidden"] });
  return () => obs.disconnect();
}

// A bad selector (the server checks, but a page may use syntax its engine lacks) matches nothing.
function query(doc: Document, selector: string): Element | null {
  try {
    return doc.querySelector(selector);
  } catch {
    return null;
  }
}
