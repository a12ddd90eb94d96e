import { describe, expect, it } from "vitest";
import { growthRatio, LARGE, LINEAR_LIMIT, SMALL } from "../../test/growth.js";
import { markdownToHtml, renderContent, safeUrl, sanitizeHtml } from "./sanitize.js";

describe("sanitizeHtml", () => {
  it("keeps formatting tags and drops scripts with their content", () => {
    expect(sanitizeHtml("<p>Hi <strong>there</strong><script>alert(1)</script></p>")).toBe("<p>Hi <strong>there</strong></p>");
    expect(sanitizeHtml("<SCRIPT src=x></SCRIPT>ok")).toBe("ok");
    expect(sanitizeHtml("<style>body{display:none}</style>ok")).toBe("ok");
  });
  it("drops event handlers, styles and classes", () => {
    expect(sanitizeHtml('<img src="https://x/y.png" onerror="alert(1)" style="position:fixed" class="a">')).toBe('<img src="https://x/y.png">');
    expect(sanitizeHtml('<p onclick="x()" id="p">t</p>')).toBe("<p>t</p>");
  });
  it("refuses javascript: and data: URLs however they are written", () => {
    for (const href of ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "java\tscript:alert(1)", "&#106;avascript:alert(1)", "&#x6A;avascript:x", " javascript:x", "data:text/html,<script>x</script>", "vbscript:x"]) {
      expect(sanitizeHtml(`<a href="${href}">x</a>`)).toBe('<a target="_blank" rel="noopener noreferrer">x</a>');
    }
    expect(sanitizeHtml('<img src="data:image/png;base64,AAA">')).toBe("<img>");
  });
  it("keeps http, https, mailto and relative links", () => {
    expect(safeUrl("https://example.com/a?b=1&amp;c=2", "link")).toBe("https://example.com/a?b=1&c=2");
    expect(safeUrl("mailto:a@b.c", "link")).toBe("mailto:a@b.c");
    expect(safeUrl("/help", "link")).toBe("/help");
    expect(safeUrl("mailto:a@b.c", "image")).toBeUndefined();
  });
  it("escapes stray angle brackets and balances tags", () => {
    expect(sanitizeHtml("a < b > c & d")).toBe("a &lt; b &gt; c &amp; d");
    expect(sanitizeHtml("<p><em>open")).toBe("<p><em>open</em></p>");
    expect(sanitizeHtml("</p>x<b>y</i></b>")).toBe("x<b>y</b>");
    expect(sanitizeHtml('<p title="x>y">z</p><!-- c --><![CDATA[x]]>')).toBe("<p>z</p>");
  });
  it("drops unknown tags but keeps their text", () => {
    expect(sanitizeHtml("<div><marquee>hi</marquee></div>")).toBe("hi");
    expect(sanitizeHtml('<svg><script>alert(1)</script></svg>after')).toBe("after");
  });
});

describe("markdown", () => {
  it("converts the subset", () => {
    expect(markdownToHtml("# Title\n\nSome **bold** and *em* with `code`.\n\n- one\n- two")).toBe(
      "<h1>Title</h1><p>Some <strong>bold</strong> and <em>em</em> with <code>code</code>.</p><ul><li>one</li><li>two</li></ul>",
    );
  });
  it("sanitises links and inline HTML after conversion", () => {
    expect(renderContent("[go](javascript:alert`1`) <img src=x onerror=alert(1)>")).toBe('<p><a target="_blank" rel="noopener noreferrer">go</a> <img src="x"></p>');
    expect(renderContent("[docs](https://example.com)")).toBe('<p><a href="https://example.com" target="_blank" rel="noopener noreferrer">docs</a></p>');
  });
});

describe("cost (issue 15, finding 7c)", () => {
  const inputs: [string, (n: number) => string, (s: string) => string][] = [
    ["stray tags that never end", (n) => "<a x ".repeat(n), sanitizeHtml],
    ["stray tags ended by a quote", (n) => `${"<a x ".repeat(n)}">`, sanitizeHtml],
    ["unclosed comments and scripts", (n) => "<!--<script><p>".repeat(n), sanitizeHtml],
    ["entities", (n) => "&amp;&#x41;&bogus".repeat(n), sanitizeHtml],
    ["markdown brackets", (n) => `${"[".repeat(n * 4)}]`, (s) => renderContent(s, "markdown")],
    ["markdown emphasis", (n) => "**_*`".repeat(n), (s) => renderContent(s, "markdown")],
  ];
  it.each(inputs)("is linear in the content's length: %s", (_name, make, run) => {
    expect(growthRatio(make, run, SMALL, LARGE)).toBeLessThan(LINEAR_LIMIT);
  });
  it("reads a tag the input ends inside as text", () => {
    expect(sanitizeHtml("a<b comparisons")).toBe("a&lt;b comparisons");
    expect(sanitizeHtml('x<p title="never closed>y')).toBe('x&lt;p title="never closed&gt;y');
    expect(sanitizeHtml("<p title='a>b' onclick=x>t</p>")).toBe("<p>t</p>");
  });
});
