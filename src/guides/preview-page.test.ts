import { describe, expect, it } from "vitest";
import { PREVIEW_PAGE_SCRIPT, previewPageHtml } from "./preview-page.js";

// The admin UI's CSP allows this page's one inline script by its hash (src/server/web-ui.ts): the
// browser hashes the text between the tags, so the page must carry the constant byte for byte, once,
// and no other inline script or inline handler that the CSP would refuse.
describe("the guide preview's sample page", () => {
  const html = previewPageHtml();

  it("carries the one inline script verbatim, so its CSP hash matches", () => {
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts).toHaveLength(1);
    expect(scripts[0]?.[1]).not.toMatch(/\bsrc=/);
    expect(scripts[0]?.[2]).toBe(PREVIEW_PAGE_SCRIPT);
  });

  it("has no inline event handlers and loads only the guide renderer", () => {
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    expect(PREVIEW_PAGE_SCRIPT).toContain('renderer.src = "/agent-guides.js"');
    expect(html).toMatch(/^<!doctype html><html lang="en">/);
  });
});
