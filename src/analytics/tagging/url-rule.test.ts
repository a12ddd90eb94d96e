import { describe, expect, it } from "vitest";
import { growthRatio, LARGE, LINEAR_LIMIT, SMALL } from "../../../test/growth.js";
import { matchUrl, parseUrlRule, splitUrl } from "./url-rule.js";

const cases: [rule: string, url: string, expected: boolean][] = [
  // exact paths, any host by default
  ["/app/settings", "https://app.example.com/app/settings", true],
  ["/app/settings", "http://other.test:8080/app/settings", true],
  ["/app/settings", "/app/settings", true],
  ["/app/settings", "https://x.com/app/settings/", true],
  ["/app/settings/", "https://x.com/app/settings", true],
  ["/app/settings", "https://x.com/app/settings/more", false],
  ["/app/settings", "https://x.com/app", false],
  ["/", "https://x.com", true],
  ["/", "https://x.com/", true],
  ["/", "https://x.com/a", false],
  // case-sensitive path
  ["/App/Settings", "https://x.com/app/settings", false],
  ["/App/Settings", "https://x.com/App/Settings", true],
  // * within one segment
  ["/app/*/settings", "https://x.com/app/42/settings", true],
  ["/app/*/settings", "https://x.com/app/42/43/settings", false],
  ["/app/*", "https://x.com/app/42", true],
  ["/app/*", "https://x.com/app/42/x", false],
  ["/app/*", "https://x.com/app", false],
  ["/app/user-*", "https://x.com/app/user-7", true],
  ["/app/user-*", "https://x.com/app/account-7", false],
  ["/app/*-*/edit", "https://x.com/app/a-b/edit", true],
  ["/*/*", "https://x.com/a/b", true],
  ["/*/*", "https://x.com/a", false],
  // ** ignores the rest
  ["/app/**", "https://x.com/app", true],
  ["/app/**", "https://x.com/app/a/b/c", true],
  ["/app/**", "https://x.com/application", false],
  ["/app/**", "https://x.com/other/app", false],
  ["/**", "https://x.com/anything/at/all?x=1#y", true],
  ["/app/*/**", "https://x.com/app/1/2/3", true],
  ["/app/*/**", "https://x.com/app", false],
  // ~contains:
  ["/app/~contains:bill", "https://x.com/app/billing", true],
  ["/app/~contains:bill", "https://x.com/app/settings/billing/history", true],
  ["/app/~contains:bill", "https://x.com/admin/billing", false],
  ["/app/~contains:bill", "https://x.com/app", false],
  ["/app/~contains:bill", "https://x.com/app/settings?tab=billing", false],
  ["~contains:report", "https://x.com/a/b/quarterly-report", true],
  ["~contains:report", "https://x.com/a/b/summary", false],
  ["~contains:Report", "https://x.com/report", false],
  // query parameters: ignored unless named
  ["/search", "https://x.com/search?q=shoes", true],
  ["/search?mobile", "https://x.com/search?mobile", true],
  ["/search?mobile", "https://x.com/search?mobile=1&q=x", true],
  ["/search?mobile", "https://x.com/search?q=x", false],
  ["/search?mobile", "https://x.com/search", false],
  ["/search?language=english", "https://x.com/search?language=english", true],
  ["/search?language=english", "https://x.com/search?language=french", false],
  ["/search?language=english", "https://x.com/search?language=french&language=english", true],
  ["/search?mobile&language=english", "https://x.com/search?language=english&mobile", true],
  ["/search?mobile&language=english", "https://x.com/search?language=english", false],
  ["/search?q=red+shoes", "https://x.com/search?q=red%20shoes", true],
  ["/search?empty=", "https://x.com/search?empty=", true],
  ["/search?empty=", "https://x.com/search?empty=1", false],
  ["/search?q=a", "https://x.com/search#?q=a", false],
  // fragments: ignored unless named, exact when named
  ["/", "https://domain.com/#page1", true],
  ["/#page1", "https://domain.com/#page1", true],
  ["/#page1", "https://domain.com/#page2", false],
  ["/#page1", "https://domain.com/", false],
  ["/app#/users/list", "https://x.com/app#/users/list", true],
  ["/app?tab=a#top", "https://x.com/app?tab=a#top", true],
  ["/app?tab=a#top", "https://x.com/app?tab=b#top", false],
  // hosts
  ["//app.example.com/home", "https://app.example.com/home", true],
  ["//app.example.com/home", "https://APP.Example.com/home", true],
  ["//app.example.com/home", "https://app.example.com:8443/home", true],
  ["//app.example.com/home", "https://staging.example.com/home", false],
  ["//app.example.com/home", "/home", false],
  ["//*.example.com/home", "https://eu.example.com/home", true],
  ["//*.example.com/home", "https://example.org/home", false],
  ["//*/home", "https://anything.test/home", true],
  ["//*", "https://domain.com/#page1", true],
  ["//*", "https://domain.com/page", false],
  ["https://app.example.com/home", "http://app.example.com/home", true],
  ["//localhost:3000/x", "http://localhost:3000/x", true],
  ["//localhost:3000/x", "http://localhost:4000/x", false],
  // percent-encoding compares decoded
  ["/files/my report", "https://x.com/files/my%20report", true],
  ["/files/my%20report", "https://x.com/files/my%20report", true],
  // regex metacharacters are literal
  ["/a.b/(c)", "https://x.com/a.b/(c)", true],
  ["/a.b", "https://x.com/axb", false],
];

describe("matchUrl", () => {
  it.each(cases)("%s ~ %s -> %s", (rule, url, expected) => {
    const parsed = parseUrlRule(rule);
    expect(parsed.ok).toBe(true);
    expect(matchUrl(rule, url)).toBe(expected);
  });

  it("never matches with a rule that does not parse", () => {
    expect(matchUrl("app", "https://x.com/app")).toBe(false);
  });
});

describe("parseUrlRule errors", () => {
  const errors: [rule: string, position: number, message: RegExp][] = [
    ["", 0, /empty/],
    ["app/settings", 0, /starts with/],
    ["//", 2, /host/],
    ["///x", 2, /host/],
    ["//ex ample.com/x", 4, /Unexpected character/],
    ["/app/**/x", 5, /last segment/],
    ["/app/x**", 6, /whole path segment/],
    ["/app/~contains:a/b", 5, /last segment/],
    ["/app/~contains:", 15, /needs some text/],
    ["/app/x~contains:a", 6, /start a path segment/],
    ["~contains:", 10, /needs some text/],
    ["~contains:a?x", 11, /query/],
    ["/app#sec*", 8, /after #/],
    ["/app?", 5, /parameter name/],
    ["/app?a&&b", 7, /parameter name/],
    ["/app?=x", 5, /before =/],
    ["/app?a=*", 7, /Wildcards/],
    ["  /app#*", 7, /after #/],
  ];
  it.each(errors)("%j fails at %i", (rule, position, message) => {
    const r = parseUrlRule(rule);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe("INVALID_RULE");
    expect(r.error.position).toBe(position);
    expect(r.error.message).toMatch(message);
  });
});

describe("splitUrl", () => {
  it("splits absolute, scheme-relative and path-only URLs", () => {
    expect(splitUrl("https://user@Ex.com:81/a/b/?x=1&y#frag")).toEqual({ host: "ex.com:81", path: "/a/b", query: "x=1&y", fragment: "frag" });
    expect(splitUrl("//ex.com")).toEqual({ host: "ex.com", path: "/", query: null, fragment: null });
    expect(splitUrl("/p#h?x")).toEqual({ host: null, path: "/p", query: null, fragment: "h?x" });
  });
});

describe("matching cost (issue 15, finding 7b)", () => {
  // Several wildcards in one segment cost a backtracking regular expression a power of the URL's
  // length when the URL almost matches; the public guide endpoint matches visitor-chosen URLs.
  it.each(["/*a*a*a*b", "//*a*a*a*b/x", "/*a*/*b*/~contains:zz"])("is linear in the URL's length for %s", (rule) => {
    const parsed = parseUrlRule(rule);
    if (!parsed.ok) throw new Error(parsed.error.message);
    const url = (n: number): string => (rule.startsWith("//") ? `https://${"a".repeat(n)}/x` : `https://h/${"a".repeat(n)}/${"b".repeat(n)}`);
    expect(growthRatio(url, (u) => matchUrl(parsed.value, u), SMALL, LARGE)).toBeLessThan(LINEAR_LIMIT);
  });
});
